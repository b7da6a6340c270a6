"""`threadscope serve`: the emulator over HTTP with uvicorn, loopback unless a key guards it."""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path


def is_loopback_host(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    db_path: str | Path = "emulator.sqlite3",
    demo_data: bool = False,
    api_key: str | None = None,
    faults: str | None = None,
) -> None:
    """Serve the emulator until ctrl+c; refuse a non-loopback host without `api_key` (ValueError)."""
    if not is_loopback_host(host) and not api_key:
        raise ValueError(
            f"refusing to serve on {host}: anyone who can reach it could read and change the data; "
            "pass --api-key KEY to require a key, or bind 127.0.0.1"
        )
    import asyncio

    import uvicorn

    from tui.emulator import create_app

    app = create_app(db_path, api_key=api_key, demo_data=demo_data, faults=faults)
    shown_host = f"[{host}]" if ":" in host else host
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)

    async def run() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started and not task.done():
            await asyncio.sleep(0.02)
        if server.started:
            # Printed once the socket is bound, so a script may connect as soon as it reads this.
            bound = server.servers[0].sockets[0].getsockname()[1]
            base = f"http://{shown_host}:{bound}/api/v1"
            print(f"threadscope emulator on {base} (database {db_path})", flush=True)
            print(f"  export DASHSCOPE_HTTP_BASE_URL={base}", flush=True)
            if api_key:
                print("  export DASHSCOPE_API_KEY=<the key given with --api-key>", flush=True)
            else:
                print("  export DASHSCOPE_API_KEY=local   # any non-empty key is accepted", flush=True)
            if faults:
                print(f"  faults: {faults}", flush=True)
            print("ctrl+c stops it.", flush=True)
        await task

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass  # uvicorn already shut down cleanly; ctrl+c is how a user stops it
    if not server.started:
        raise SystemExit(f"error: could not serve on {host}:{port} (is the port in use?)")
    print("stopped.", file=sys.stderr, flush=True)
