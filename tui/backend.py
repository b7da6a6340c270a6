"""Build the one DashScope client a run uses: remote over HTTPS, or the in-process emulator."""

from __future__ import annotations

from typing import Any

from tui.api.client import DashScopeClient, Timeouts
from tui.config import Settings


def build_client(settings: Settings) -> DashScopeClient:
    """The client for these settings; the emulator (and its demo data) is imported only when used."""
    app: Any = None
    if settings.embedded:
        from tui.emulator import create_app

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        app = create_app(settings.emulator_db, demo_data=True)
    return DashScopeClient(
        api_key=settings.request_key(),
        base_url=settings.effective_base_url,
        workspace=settings.workspace,
        region=settings.region,
        app=app,
        timeouts=Timeouts(connect=settings.connect_timeout, read=settings.read_timeout),
    )
