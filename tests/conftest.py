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


@pytest.fixture(params=["asgi", "socket"])
def client_route(request):
    """How a client reaches the emulator: through `httpx.ASGITransport` (as the embedded demo
    does), or over a real loopback socket (uvicorn), as every remote server is reached."""
    return request.param


def emulator_client(app, route: str = "asgi", **kwargs) -> DashScopeClient:
    """The real client on `app` through `httpx.ASGITransport` (`route` "socket": see the `client` fixture)."""
    kwargs.setdefault("api_key", "test-key")
    kwargs.setdefault("base_url", TEST_BASE_URL)
    return DashScopeClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), **kwargs)


@pytest.fixture
async def client(emulator_app, client_route):
    """The real client on the real emulator, each way a client can reach it."""
    if client_route == "asgi":
        async with emulator_client(emulator_app) as c:
            yield c
        return
    server = LiveServer(emulator_app, emulator_app.storage)
    try:
        async with DashScopeClient(api_key="test-key", base_url=server.base_url) as c:
            yield c
    finally:
        server.stop()


async def no_sleep(seconds: float) -> None:
    """Stand-in for asyncio.sleep in retry tests: backoff is recorded, not waited."""


class LiveServer:
    """The emulator on a real loopback socket (uvicorn in a background thread)."""

    def __init__(self, app, storage):
        import threading

        self.app = app  # a FaultInjector when started with faults: tests may change its rules

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
        if faults == "":  # an injector with no rules yet, for the test to arm later
            from tui.emulator.faults import FaultInjector

            app = FaultInjector(app, [])
            app.storage = app.app.storage
        server = LiveServer(app, app.storage)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


# -- the real app, driven with a pilot ---------------------------------------------------------


class Harness:
    """The app on the embedded emulator (as `threadscope` with no key), its client, storage and faults."""

    def __init__(self, app, client, settings, storage=None, faults=None):
        self.app = app
        self.client = client
        self.settings = settings
        self.storage = storage
        self.faults = faults
        self.notified: list[str] = []

        def notify(message, *args, **kwargs):  # every notice, as the user was told it (App.notify is public)
            self.notified.append(str(message))
            return type(app).notify(app, message, *args, **kwargs)  # the class's, even if a test replaced it

        app.notify = notify

    def set_faults(self, spec: str) -> None:
        """Make the emulator misbehave from now on (`''` for a good day again)."""
        from tui.emulator.faults import parse_faults

        self.faults.rules = parse_faults(spec) if spec else []

    async def settle(self, pilot):
        """Wait until every worker is done and the screen has caught up."""
        await pilot.pause()
        await self.app.workers.wait_for_complete()
        await pilot.pause()

    def notices(self) -> list[str]:
        return list(self.notified)

    @property
    def browser(self):
        from tui.screens.browser import BrowserScreen

        screen = self.app.screen
        assert isinstance(screen, BrowserScreen), type(screen)
        return screen

    @property
    def store(self):
        return self.browser.store


@pytest.fixture
def make_harness():
    """`make_harness(page_size=20, keymap=None, open_thread=None, read_only=False, base_url=None)`.

    Without `base_url` the app runs on the embedded emulator in-process, behind a fault
    injector the test controls; with it, over real HTTP (for timeouts and resets).
    """
    from tui.api.client import Timeouts
    from tui.app import ThreadscopeApp
    from tui.config import resolve_settings
    from tui.emulator import create_app
    from tui.emulator.faults import FaultInjector

    def build(page_size=20, keymap=None, open_thread=None, read_only=False, base_url=None, read_timeout=30.0, **extra):
        settings = resolve_settings()
        settings.page_size = page_size
        settings.keymap = keymap or {}
        settings.read_only = read_only
        for name, value in extra.items():
            setattr(settings, name, value)
        storage = faults = None
        if base_url is None:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            emulator = create_app(settings.emulator_db, demo_data=True)
            storage = emulator.storage
            faults = FaultInjector(emulator, [])
            # through httpx.ASGITransport, as build_client does
            transport = httpx.ASGITransport(app=faults, raise_app_exceptions=False)
            url = settings.effective_base_url
        else:
            transport, url = None, base_url
        client = DashScopeClient(api_key=settings.request_key() or "test-key", base_url=url, transport=transport,
                                 timeouts=Timeouts(connect=2.0, read=read_timeout), sleep=no_sleep)
        return Harness(ThreadscopeApp(settings, client, open_thread=open_thread), client, settings, storage, faults)

    return build


@pytest.fixture
def no_system_clipboard(monkeypatch):
    """As on a headless box or over SSH: pyperclip cannot reach a clipboard."""
    import pyperclip

    def refuse(text):
        raise pyperclip.PyperclipException("no clipboard mechanism")

    monkeypatch.setattr(pyperclip, "copy", refuse)


@pytest.fixture
def run():
    """`run(*args, input=None, env=None)`: the `threadscope` command line in-process; exceptions are not caught."""
    from click.testing import CliRunner

    from tui.cli import main

    runner = CliRunner()

    def invoke(*args, input=None, env=None):
        return runner.invoke(main, list(args), input=input, env=env, catch_exceptions=False)

    return invoke
