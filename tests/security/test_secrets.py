"""The API key never leaks: every output surface is grepped for a sentinel key (and for parts of it).

Surfaces: CLI stdout/stderr (success, 401, 404, network and protocol failures), log records at
DEBUG (retries included), the TUI's screen and notifications, copied curl/SDK snippets,
exceptions' str/repr, files threadscope writes, and the two warnings that protect the key
(a config file others can read; `--api-key` landing in shell history).
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat

import pytest

from tests.conftest import SENTINEL_KEY, LiveServer, no_sleep
from tui.api.client import DashScopeClient
from tui.api.errors import AuthenticationError, NotFoundError, ProtocolError, TransportError
from tui.screens.browser import BrowserScreen

from .screen import screen_text, terminal_output, wait_for_toast

SIZE = (120, 40)
OTHER_KEY = "sk-theserverwantsthisone000000"  # what a server expects when SENTINEL_KEY is the wrong key
KEY_PARTS = {
    "whole key": SENTINEL_KEY,
    "first 8 characters": SENTINEL_KEY[:8],
    "key body": SENTINEL_KEY[3:11],
    "last 8 characters": SENTINEL_KEY[-8:],
}
HISTORY_WARNING = "warning: --api-key lands in your shell history; prefer DASHSCOPE_API_KEY or a profile's api_key_env"
AUTH_HINT = "Hint: check DASHSCOPE_API_KEY (or the profile's key); a sub-workspace key needs --workspace (or DASHSCOPE_WORKSPACE)"
REQUEST_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def leaks(text: str) -> list[str]:
    """Which parts of the sentinel key `text` contains."""
    return [name for name, part in KEY_PARTS.items() if part in text]


@pytest.fixture
def run(run):
    """The command line, failing the test if the key shows in what it printed."""

    def invoke(*args):
        result = run(*args)
        assert leaks(result.stdout) == [] and leaks(result.stderr) == [], (args, result.stdout, result.stderr)
        return result

    return invoke


def served_with_sentinel_key_set(monkeypatch, live_server, accepted_key: str):
    """A live emulator accepting only `accepted_key`, with DASHSCOPE_API_KEY=SENTINEL_KEY and the base URL set as a user would."""
    server = live_server(api_key=accepted_key)
    monkeypatch.setenv("DASHSCOPE_API_KEY", SENTINEL_KEY)
    monkeypatch.setenv("DASHSCOPE_HTTP_BASE_URL", server.base_url)
    return server


@pytest.fixture
def keyed(monkeypatch, live_server):
    """A live emulator that accepts SENTINEL_KEY, the key the user has set."""
    return served_with_sentinel_key_set(monkeypatch, live_server, SENTINEL_KEY)


@pytest.fixture
def refused(monkeypatch, live_server):
    """A live emulator that wants another key: SENTINEL_KEY is refused with 401."""
    return served_with_sentinel_key_set(monkeypatch, live_server, OTHER_KEY)


def files_under(*roots) -> dict[str, bytes]:
    found = {}
    for root in roots:
        for dirpath, _, names in os.walk(root):
            for name in names:
                path = os.path.join(dirpath, name)
                with open(path, "rb") as f:
                    found[path] = f.read()
    return found


# -- the command line ---------------------------------------------------------------------------


def test_cli_success_paths_never_print_the_key(keyed, run, tmp_path, isolated_user_dirs, caplog):
    caplog.set_level(logging.DEBUG)
    thread_id = run("threads", "create", "--metadata", "team=security").stdout.strip()
    assert thread_id.startswith("thread_")
    message_id = run("messages", "create", thread_id, "--content", "hello", "--metadata", "a=1").stdout.strip()
    assert message_id.startswith("message_")
    assert json.loads(run("threads", "get", thread_id, "--json").stdout)["metadata"] == {"team": "security"}
    assert message_id in run("messages", "list", thread_id).stdout
    assert json.loads(run("messages", "list", thread_id, "--json").stdout)["data"][0]["id"] == message_id
    assert f"id:         {message_id}" in run("messages", "get", thread_id, message_id).stdout
    assert json.loads(run("messages", "get", thread_id, message_id, "--json").stdout)["id"] == message_id
    assert run("messages", "update", thread_id, message_id, "--metadata", "a=2").stdout.startswith(message_id)
    for fmt in ("json", "jsonl", "md"):
        assert message_id in run("export", thread_id, "--format", fmt).stdout
    out = tmp_path / "export.md"
    assert f"wrote 1 message to {out}" in run("export", thread_id, "--format", "md", "-o", str(out)).stderr
    assert "--api-key KEY" in run("--help").stdout  # help names the option, never a value

    # Nothing threadscope wrote (ledger, journal, export) holds the key, and no log record does.
    written = files_under(isolated_user_dirs / "data", tmp_path)
    assert any(path.endswith("journal.jsonl") for path in written) and str(out) in written
    for path, data in written.items():
        assert leaks(data.decode("utf-8", errors="replace")) == [], path
    assert caplog.records  # the requests were logged (httpx), and none of it carries the key
    assert leaks("\n".join(record.getMessage() for record in caplog.records)) == []


def test_cli_refused_key_shows_the_exact_error_without_the_key(refused, run):
    result = run("messages", "list", "thread_00000000-0000-4000-8000-000000000000")
    assert result.exit_code == 1
    assert re.fullmatch(
        "error: list messages of thread_00000000-0000-4000-8000-000000000000 failed: HTTP 401 InvalidApiKey: "
        rf"Invalid API-key provided\. \(request_id {REQUEST_ID}\)\n{re.escape(AUTH_HINT)}\n",
        result.stderr,
    ), result.stderr
    assert result.stdout == ""


def test_cli_not_found_without_the_key(keyed, run):
    missing = run("messages", "get", "thread_00000000-0000-4000-8000-000000000000", "message_x")
    assert missing.exit_code == 1
    assert re.fullmatch(
        "error: retrieve message message_x failed: HTTP 404 NotFound: message message_x not found in thread "
        rf"thread_00000000-0000-4000-8000-000000000000 \(request_id {REQUEST_ID}\)\nHint: check the id; .*\n",
        missing.stderr,
    ), missing.stderr


def test_api_key_option_warns_about_shell_history_and_is_used_but_never_echoed(keyed, run, monkeypatch):
    monkeypatch.delenv("DASHSCOPE_API_KEY")
    result = run("--api-key", SENTINEL_KEY, "threads", "create")
    assert result.exit_code == 0  # the server accepts only SENTINEL_KEY: the option's value was sent
    assert result.stderr.splitlines() == [HISTORY_WARNING]
    assert result.stdout.startswith("thread_")

    wrong = run("--api-key", OTHER_KEY, "threads", "create")
    assert wrong.exit_code == 1
    assert wrong.stderr.splitlines()[0] == HISTORY_WARNING
    assert "HTTP 401 InvalidApiKey: Invalid API-key provided." in wrong.stderr
    assert OTHER_KEY not in wrong.stderr and OTHER_KEY[:8] not in wrong.stderr

    quiet = run("threads", "create")  # from the environment: no warning
    assert "warning" not in quiet.stderr


# -- a config file that others can read ----------------------------------------------------------


def write_config_with_key(isolated_user_dirs, mode: int):
    path = isolated_user_dirs / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'default_profile = "work"\n[profiles.work]\napi_key = "{SENTINEL_KEY}"\n', encoding="utf-8")
    os.chmod(path, mode)
    return path


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_config_file_with_a_key_readable_by_others_warns_with_the_fix(isolated_user_dirs, monkeypatch,
                                                                       live_server, run, mode):
    from tui.config import resolve_settings

    path = write_config_with_key(isolated_user_dirs, mode)
    expected = f"{path} holds an API key but is readable by others (mode {mode:o}); run: chmod 600 {path}"
    settings = resolve_settings()
    assert settings.warnings == [expected]
    assert settings.api_key.get_secret_value() == SENTINEL_KEY  # still used
    assert leaks(repr(settings)) == [] and leaks(str(settings.warnings)) == []

    server = live_server(api_key=SENTINEL_KEY)
    result = run("--base-url", server.base_url, "threads", "create")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [f"warning: {expected}"]

    os.chmod(path, 0o600)
    assert resolve_settings().warnings == []
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_tui_shows_the_config_warning_as_a_notice(isolated_user_dirs, live_server, make_harness):
    path = write_config_with_key(isolated_user_dirs, 0o644)
    server = live_server(api_key=SENTINEL_KEY)
    h = make_harness(base_url=server.base_url)
    async with h.client, h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        assert f"{path} holds an API key but is readable by others (mode 644); run: chmod 600 {path}" in h.notices()
        assert leaks("\n".join(h.notices())) == []
        assert leaks(screen_text(h.app)) == []


# -- the client: exceptions and logs -------------------------------------------------------------


async def test_client_exceptions_never_hold_the_key(live_server):
    good = live_server(api_key=SENTINEL_KEY)
    bad = live_server(api_key=OTHER_KEY)
    errors = []
    async with DashScopeClient(api_key=SENTINEL_KEY, base_url=bad.base_url, sleep=no_sleep) as client:
        assert leaks(repr(client)) == [] and "api_key=***" in repr(client)
        with pytest.raises(AuthenticationError) as refused:
            await client.list_messages("thread_x")
        errors.append(refused.value)
    assert refused.value.status == 401 and refused.value.code == "InvalidApiKey"
    async with DashScopeClient(api_key=SENTINEL_KEY, base_url=good.base_url, sleep=no_sleep) as client:
        with pytest.raises(NotFoundError) as missing:
            await client.retrieve_thread("thread_missing")
        errors.append(missing.value)
    async with DashScopeClient(api_key=SENTINEL_KEY, base_url="http://127.0.0.1:9/api/v1", sleep=no_sleep) as client:
        with pytest.raises(TransportError) as unreachable:
            await client.retrieve_thread("thread_x")
        errors.append(unreachable.value)
    for error in errors:
        for shown in (str(error), repr(error), error.describe(), repr(error.args), repr(vars(error))):
            assert leaks(shown) == [], (type(error).__name__, shown)


async def test_logs_at_debug_through_retries_never_hold_the_key(live_server, caplog):
    caplog.set_level(logging.DEBUG)
    server = live_server(api_key=SENTINEL_KEY, faults="list:500x2,get_thread:503x5")
    async with DashScopeClient(api_key=SENTINEL_KEY, base_url=server.base_url, sleep=no_sleep, max_tries=3) as client:
        thread = await client.create_thread()
        await client.create_message(thread.id, "hi")
        page = await client.list_messages(thread.id)  # two 500s, then the page
        assert len(page.data) == 1
        with pytest.raises(Exception) as failed:
            await client.retrieve_thread(thread.id)  # 503 on every try
    assert "HTTP 503" in str(failed.value)
    messages = [record.getMessage() for record in caplog.records]
    assert sum("HTTP 500, retrying in" in m for m in messages) == 2
    assert sum("HTTP 503, retrying in" in m for m in messages) == 2
    assert any(record.name.startswith("httpcore") for record in caplog.records)  # the DEBUG transport trace too
    assert leaks("\n".join(messages)) == []
    # Formatted as a handler would, with arguments and any exception info.
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s %(args)s")
    assert leaks("\n".join(formatter.format(record) for record in caplog.records)) == []


# -- a server (or proxy) that echoes the key back ------------------------------------------------


def echo_server_app():
    """An ASGI app that answers every request with the caller's Authorization header in the body."""

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        auth = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        key = auth.partition(" ")[2]
        path = scope["path"]
        headers = [(b"content-type", b"application/json")]
        if "/thread_html/" in path:
            status, headers = 502, [(b"content-type", b"text/html")]
            body = f"<html><body>bad gateway for {auth}</body></html>"
        elif "/thread_plain/" in path:
            status, headers = 200, [(b"content-type", b"text/plain")]
            body = f"not json: {key}"
        elif "/thread_reqid/" in path:
            status = 401
            body = json.dumps({"code": "InvalidApiKey", "message": "no", "request_id": f"req-{key}"})
            headers.append((b"x-request-id", f"req-{key}".encode()))
        else:
            status = 401
            body = json.dumps({"code": f"InvalidApiKey:{key}", "message": f"Invalid API-key provided: {key} ({auth})",
                               "request_id": "req-1"})
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body.encode()})

    return app


@pytest.fixture
def echo_server():
    server = LiveServer(echo_server_app(), None)
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("thread_id", "error_type", "words"),
    [
        ("thread_json", AuthenticationError, "HTTP 401 InvalidApiKey:***: Invalid API-key provided: *** (Bearer ***) (request_id req-1)"),
        ("thread_html", Exception, "HTTP 502"),
        ("thread_plain", ProtocolError, "HTTP 200, the response is not JSON: 'not json: ***'"),
    ],
)
async def test_a_server_echoing_the_key_is_scrubbed(echo_server, thread_id, error_type, words):
    async with DashScopeClient(api_key=SENTINEL_KEY, base_url=echo_server.base_url, sleep=no_sleep) as client:
        with pytest.raises(error_type) as caught:
            await client.list_messages(thread_id)
    error = caught.value
    assert words in str(error)
    for shown in (str(error), repr(error), error.describe(), repr(vars(error))):
        assert leaks(shown) == [], shown


async def test_a_server_echoing_the_key_in_request_id_is_scrubbed(echo_server):
    async with DashScopeClient(api_key=SENTINEL_KEY, base_url=echo_server.base_url, sleep=no_sleep) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.list_messages("thread_reqid")
    assert leaks(str(caught.value)) == []


def test_cli_with_a_server_echoing_the_key(echo_server, run, monkeypatch):
    monkeypatch.setenv("DASHSCOPE_API_KEY", SENTINEL_KEY)
    result = run("--base-url", echo_server.base_url, "messages", "list", "thread_json")  # `run` greps for the key
    assert result.exit_code == 1
    assert result.stderr.startswith("error: list messages of thread_json failed: "
                                    "HTTP 401 InvalidApiKey:***: Invalid API-key provided: *** (Bearer ***) (request_id req-1)\n")


# -- the TUI ---------------------------------------------------------------------------------


def all_visible(h) -> str:
    return "\n".join([screen_text(h.app), terminal_output(h.app), *h.notices()])


async def test_tui_refused_key_notice_and_screen_without_the_key(refused, make_harness):
    thread_id = "thread_00000000-0000-4000-8000-000000000000"
    h = make_harness(base_url=refused.base_url, open_thread=thread_id)
    assert h.settings.request_key() == SENTINEL_KEY
    async with h.client, h.app.run_test(size=SIZE, notifications=True) as pilot:
        await h.settle(pilot)
        await wait_for_toast(h.app, pilot, "HTTP 401")
        assert isinstance(h.app.screen, BrowserScreen) and h.app.is_running
        [notice] = h.notices()
        assert re.fullmatch(
            f"list messages of {thread_id} failed: HTTP 401 InvalidApiKey: Invalid API-key provided. "
            rf"\(request_id {REQUEST_ID}\)\n{re.escape(AUTH_HINT)}",
            notice,
        ), notice
        assert h.store.error.startswith(f"list messages of {thread_id} failed: HTTP 401 InvalidApiKey")
        assert leaks(all_visible(h)) == []


async def test_tui_not_found_notice_status_and_copy_snippets_without_the_key(keyed, make_harness, no_system_clipboard):
    async with DashScopeClient(api_key=SENTINEL_KEY, base_url=keyed.base_url) as client:
        thread = await client.create_thread()
        await client.create_message(thread.id, "copy me")
    h = make_harness(base_url=keyed.base_url, open_thread=thread.id)
    async with h.client, h.app.run_test(size=SIZE, notifications=True) as pilot:
        await h.settle(pilot)
        assert h.store.selected.text == "copy me"
        assert f"custom {keyed.base_url}" in screen_text(h.app)  # the status bar names the backend, not the key
        await pilot.press("y", "5")
        await h.settle(pilot)
        curl = h.app.clipboard
        assert curl.startswith(f"curl --location {keyed.base_url}/threads/{thread.id}/messages/{h.store.selected_id}")
        assert '--header "Authorization: Bearer $DASHSCOPE_API_KEY"' in curl
        await pilot.press("y", "6")
        await h.settle(pilot)
        sdk = h.app.clipboard
        assert f"dashscope.base_http_api_url = {keyed.base_url!r}" in sdk
        assert "api_key=os.getenv('DASHSCOPE_API_KEY')" in sdk
        assert leaks(curl) == [] and leaks(sdk) == []

        missing = "thread_00000000-0000-4000-8000-000000000000"
        h.app.open_thread(missing)
        await h.settle(pilot)
        await wait_for_toast(h.app, pilot, "was not found.")
        assert f"Thread {missing} was not found." in h.notices()[-1]
        assert "HTTP 404 NotFound: thread " + missing + " not found" in h.notices()[-1]
        assert h.store.error == f"thread {missing} not found"
        assert leaks(all_visible(h)) == []
        await pilot.press("question_mark")  # the help screen too
        await h.settle(pilot)
        assert leaks(all_visible(h)) == []


def test_settings_and_their_repr_hold_the_key_only_as_a_secret(keyed):
    from tui.config import resolve_settings

    settings = resolve_settings()
    assert settings.request_key() == SENTINEL_KEY
    assert leaks(repr(settings)) == [] and leaks(str(settings.api_key)) == []
    assert leaks(settings.backend_label) == [] and leaks(settings.backend_id) == []


def test_exporting_to_a_file_keeps_the_key_out_of_the_file(keyed, run, tmp_path):
    thread_id = run("threads", "create").stdout.strip()
    run("messages", "create", thread_id, "--content", "data")
    for fmt in ("json", "jsonl", "md"):
        out = tmp_path / f"e.{fmt}"
        run("export", thread_id, "--format", fmt, "-o", str(out))
        assert "data" in out.read_text(encoding="utf-8")
        assert leaks(out.read_text(encoding="utf-8")) == []

