"""Build the one DashScope client a run uses: remote over HTTPS, or the embedded emulator."""

from __future__ import annotations

import httpx

from tui.api.client import DashScopeClient, Timeouts
from tui.config import Settings


def build_client(settings: Settings) -> DashScopeClient:
    """The client for these settings; the emulator (and its demo data) is imported only when used.

    The embedded emulator is reached through `httpx.ASGITransport`, the same client code
    path as a remote server; an app crash is answered as a 500, as a server would.
    """
    transport = None
    if settings.embedded:
        from tui.emulator import create_app

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        app = create_app(settings.emulator_db, demo_data=True)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return DashScopeClient(
        api_key=settings.request_key(),
        base_url=settings.effective_base_url,
        workspace=settings.workspace,
        compat_base_url=settings.effective_compat_base_url,
        region=settings.region,
        transport=transport,
        timeouts=Timeouts(connect=settings.connect_timeout, read=settings.read_timeout),
    )
