"""An emulator of the DashScope Threads and Messages API (/api/v1) and of Model Studio
Conversations (/compatible-mode/v1) over SQLite; no UI import.

`create_app(db_path)` is an ASGI (Starlette) app: the embedded demo reaches it through
`httpx.ASGITransport` (`DashScopeClient(transport=...)`), `threadscope serve` over HTTP.
"""

from __future__ import annotations

import os
from typing import Any


def create_app(
    db_path: str | os.PathLike, *, api_key: str | None = None, demo_data: bool = False, faults: str | None = None
) -> Any:
    """The emulator's ASGI app over the SQLite file `db_path` (created if missing).

    `api_key`: accept only this bearer (any non-empty one otherwise). `demo_data`: seed the
    demo threads and conversations if they are not there yet. `faults`: a fault spec (see `tui.emulator.faults`).
    The app's `.storage` is the database, for seeding beyond the public API.
    """
    from tui.emulator.app import create_app_from_path

    return create_app_from_path(db_path, api_key=api_key, demo_data=demo_data, faults=faults)
