"""The key in every error path: a transport error whose text quotes the key (an HTTP library
refusing the header of a key pasted with a trailing newline quotes it, escapes and all), and a
gateway's non-JSON error echoing the Authorization header, on thread and conversation routes —
never in CLI stderr, the TUI's notice, or a log record; the request id from the header is shown."""

from __future__ import annotations

import logging

import httpx
import pytest
from click.testing import CliRunner

from tests.conftest import SENTINEL_KEY, Harness, no_sleep
from tui.api import DashScopeClient
from tui.cli import main

from .screen import screen_text, terminal_output, wait_for_toast
from .test_secrets import leaks

PASTED = SENTINEL_KEY + "\n"  # as copied from a web page
REQUEST_ID = "req-from-header-7f3a"
THREAD = "thread_00000000-0000-4000-8000-000000000000"
LOOPBACK = "http://127.0.0.1:9/api/v1"  # never reached: every request is answered by the handler below
EVERYTHING = logging.Formatter("%(name)s %(levelname)s %(message)s %(args)s")  # exc_info is appended by format()


def quoting_the_key(kind: type[httpx.TransportError]):
    """A transport that fails as an HTTP library does, quoting the header it was given and the key as pasted."""

    def refuse(request: httpx.Request) -> httpx.Response:
        sent = request.headers.get("authorization", "").encode()
        raise kind(f"Illegal header value {sent!r} from {PASTED!r}", request=request)

    return refuse


def gateway_page(request: httpx.Request) -> httpx.Response:
    """A gateway's HTML error page that echoes the Authorization header; the request id only in a header."""
    body = f"<html><body>502 Bad Gateway for {request.headers.get('authorization')} ({PASTED!r})</body></html>"
    return httpx.Response(502, headers={"Content-Type": "text/html", "X-Request-Id": REQUEST_ID}, text=body)


HANDLERS = {
    "LocalProtocolError": quoting_the_key(httpx.LocalProtocolError),
    "ConnectError": quoting_the_key(httpx.ConnectError),
    "ReadError": quoting_the_key(httpx.ReadError),  # retried on safe calls: the retries are logged
    "RemoteProtocolError": quoting_the_key(httpx.RemoteProtocolError),
    "html-502": gateway_page,
}

COMMANDS = {
    "messages list": ["messages", "list", "thread_a"],
    "messages create": ["messages", "create", "thread_a", "--content", "x"],
    "threads get": ["threads", "get", "thread_a"],
    "threads update": ["threads", "update", "thread_a", "--metadata", "k=v"],
    "export thread": ["export", "thread_a", "--format", "jsonl"],
    "grep thread": ["grep", "thread_a", "x"],
    "conversations get": ["conversations", "get", "conv_a"],
    "conversations update": ["conversations", "update", "conv_a", "--metadata", "k=v"],
    "items list": ["items", "list", "conv_a"],
    "items create": ["items", "create", "conv_a", "--content", "x"],
    "export conversation": ["export", "conv_a", "--format", "jsonl"],
}


def client_for(settings, handler) -> DashScopeClient:
    return DashScopeClient(api_key=settings.request_key(), base_url=settings.effective_base_url,
                           compat_base_url=settings.effective_compat_base_url,
                           transport=httpx.MockTransport(handler), sleep=no_sleep)


def logged(caplog) -> str:
    return "\n".join(EVERYTHING.format(record) for record in caplog.records)


@pytest.mark.parametrize("handler", list(HANDLERS))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_cli_stderr_and_logs_never_hold_the_key(monkeypatch, caplog, command, handler):
    import tui.backend

    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("DASHSCOPE_API_KEY", PASTED)
    monkeypatch.setattr(tui.backend, "build_client", lambda settings: client_for(settings, HANDLERS[handler]))
    result = CliRunner().invoke(main, ["--base-url", LOOPBACK, *COMMANDS[command]], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: ") and " failed: " in result.stderr
    assert "***" in result.stderr  # the key was quoted, and scrubbed
    if handler == "html-502":
        assert f"(request_id {REQUEST_ID})" in result.stderr
    else:
        assert "Illegal header value b'Bearer ***' from '***'" in result.stderr
    assert leaks(result.stdout) == [] and leaks(result.stderr) == [], result.stderr
    assert leaks(logged(caplog)) == []


@pytest.mark.parametrize("handler", list(HANDLERS))
async def test_tui_notice_screen_and_logs_never_hold_the_key(monkeypatch, caplog, handler):
    from tui.app import ThreadscopeApp
    from tui.config import resolve_settings

    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("DASHSCOPE_API_KEY", PASTED)
    monkeypatch.setenv("DASHSCOPE_HTTP_BASE_URL", LOOPBACK)
    settings = resolve_settings()
    client = client_for(settings, HANDLERS[handler])
    h = Harness(ThreadscopeApp(settings, client, open_thread=THREAD), client, settings)
    async with client, h.app.run_test(size=(120, 40), notifications=True) as pilot:
        await h.settle(pilot)
        shown = await wait_for_toast(h.app, pilot, "failed")
        notice = h.notices()[-1]
        assert notice.startswith(f"list messages of {THREAD} failed: ") and "***" in notice
        if handler == "html-502":
            assert f"(request_id {REQUEST_ID})" in notice
        assert "***" in shown
        visible = "\n".join([screen_text(h.app), terminal_output(h.app), *h.notices(), h.store.error or ""])
        assert leaks(visible) == [], visible
    assert leaks(logged(caplog)) == []


@pytest.mark.parametrize("route", ["thread", "conversation"])
async def test_a_key_straddling_the_cut_of_an_error_body_is_not_shown_in_part(route):
    def cut_through_the_key(request):
        return httpx.Response(502, text="x" * 185 + request.headers["authorization"])

    async with DashScopeClient(api_key=SENTINEL_KEY, base_url="http://gateway.test/api/v1", sleep=no_sleep,
                               transport=httpx.MockTransport(cut_through_the_key), max_tries=1) as client:
        with pytest.raises(Exception) as info:
            await (client.retrieve_thread("thread_a") if route == "thread" else client.retrieve_conversation("conv_a"))
    error = info.value
    assert leaks(f"{error} {error.describe()} {error!r}") == []


@pytest.mark.parametrize("flow", ["save", "compose"])
async def test_tui_save_and_compose_errors_never_hold_the_key(monkeypatch, caplog, tmp_path, flow):
    """The editor's and compose's error lines, when the write fails with an error quoting the key."""
    from textual.widgets import Static

    from tui.app import ThreadscopeApp
    from tui.config import resolve_settings
    from tui.emulator import create_app
    from tui.emulator.demo import ORDER_BOT

    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("DASHSCOPE_API_KEY", PASTED)
    monkeypatch.setenv("DASHSCOPE_HTTP_BASE_URL", LOOPBACK)
    emulator = httpx.ASGITransport(app=create_app(tmp_path / "e.sqlite3", demo_data=True))
    refuse = quoting_the_key(httpx.RemoteProtocolError)

    async def writes_fail(request):
        if request.method == "POST":
            return refuse(request)
        return await emulator.handle_async_request(request)

    settings = resolve_settings()
    client = client_for(settings, writes_fail)
    h = Harness(ThreadscopeApp(settings, client, open_thread=ORDER_BOT), client, settings)
    async with client, h.app.run_test(size=(120, 40)) as pilot:
        await h.settle(pilot)
        assert h.store.page
        keys = ("e", "ctrl+n", "k", "tab", "v", "ctrl+s") if flow == "save" else ("c", "h", "i", "ctrl+s")
        await pilot.press(*keys)
        await h.settle(pilot)
        if flow == "save":
            await pilot.press("enter")  # confirm the diff
            await h.settle(pilot)
        error = str(h.app.screen.query_one("#editor-error" if flow == "save" else "#compose-error", Static).render())
        assert "Illegal header value b'Bearer ***' from '***'" in error, error
        visible = "\n".join([error, screen_text(h.app), terminal_output(h.app), *h.notices()])
        assert leaks(visible) == [], visible
    assert leaks(logged(caplog)) == []
