"""Fixtures shared by every suite: isolated user dirs, the real emulator, a real client on it."""

from __future__ import annotations

import httpx
import pytest

from tui.api import DashScopeClient

TEST_BASE_URL = "http://emulator.test/api/v1"
SENTINEL_KEY = "sk-sentinel0123456789abcdef"  # grep-able: must never appear in any output


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory, monkeypatch):
    """No test reads or writes the developer's real config, data, key or base URL."""
    root = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("THREADSCOPE_CONFIG_DIR", str(root / "config"))
    monkeypatch.setenv("THREADSCOPE_DATA_DIR", str(root / "data"))
    for name in ("DASHSCOPE_API_KEY", "DASHSCOPE_HTTP_BASE_URL", "DASHSCOPE_WORKSPACE", "THREADSCOPE_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    return root


@pytest.fixture
def emulator_app(tmp_path):
    """A fresh emulator over a real SQLite file, no demo data."""
    from tui.emulator import create_app

    return create_app(tmp_path / "emulator.sqlite3")


@pytest.fixture
async def client(emulator_app):
    """The real client, over ASGITransport, on the real emulator."""
    async with DashScopeClient(
        api_key="test-key", base_url=TEST_BASE_URL, transport=httpx.ASGITransport(app=emulator_app)
    ) as c:
        yield c


async def no_sleep(seconds: float) -> None:
    """Stand-in for asyncio.sleep in retry tests: backoff is recorded, not waited."""


class LiveServer:
    """The emulator on a real loopback socket (uvicorn in a background thread)."""

    def __init__(self, app, storage):
        import threading

        import uvicorn

        self.storage = storage
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error", lifespan="off", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        import time

        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}/api/v1"

    def stop(self):
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(tmp_path):
    """A factory: `live_server(api_key=None, faults=None)` serves a fresh emulator over HTTP."""
    from tui.emulator import create_app

    servers = []

    def start(api_key=None, faults=None, demo_data=False):
        app = create_app(tmp_path / f"live{len(servers)}.sqlite3", api_key=api_key, faults=faults, demo_data=demo_data)
        server = LiveServer(app, app.storage)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
