"""Issue 19, the command line: every bad input and every server text gets a clear answer, never a traceback."""

import json
import os
import signal
import socket
import subprocess
import sys

import httpx
import pytest

from tui.api import DashScopeClient

THREAD = "thread_00000000-0000-4000-8000-000000000001"


@pytest.fixture
def fake_server(monkeypatch):
    """The commands' client answered by `handler(request) -> httpx.Response` (a hostile server)."""

    def install(handler):
        def build_client(settings):
            return DashScopeClient(api_key="k", base_url="http://fake.test/api/v1",
                                   transport=httpx.MockTransport(handler), max_tries=1)

        monkeypatch.setattr("tui.backend.build_client", build_client)

    return install


def message(text="", **fields):
    return {"id": "message_1", "object": "thread.message", "created_at": 1711000000000, "thread_id": THREAD,
            "role": "assistant", "content": [{"type": "text", "text": {"value": text, "annotations": []}}],
            "metadata": {}, **fields}


def one_line_error(result) -> str:
    assert "Traceback" not in result.output + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# -- item 7: bad base URLs ---------------------------------------------------------------------


@pytest.mark.parametrize(("url", "words"), [
    ("http://256.1.1.1/api/v1", "256.1.1.1 is not an IPv4 address"),
    ("http://[::1", "not a valid URL"),
    ("http://127.0.0.1:99999/api/v1", "not a valid URL (Port out of range"),
    ("garbage", "it must start with http:// or https://"),
    ("ftp://example.com/api/v1", "it must start with http:// or https://"),
    ("http:///api/v1", "it names no host"),
    (" http://127.0.0.1:8765/api/v1", "it holds a space or control character at position 0"),
    ("http://127.0.0.1:8765/api/v1\n", "it holds a space or control character at position 28"),
    ("http://exa mple.com/api/v1", "it holds a space or control character at position 10"),
    ("http://user:secret-pw@127.0.0.1:8765/api/v1", "it holds a user name or password"),
])
@pytest.mark.parametrize("command", [("messages", "list", THREAD), ("threads", "create"), ()])
def test_a_bad_base_url_is_a_usage_error_in_one_line(run, url, words, command):
    result = run("--base-url", url, *command)
    assert result.exit_code == 2
    line = one_line_error(result)
    assert line.startswith(f"error: --base-url {url.replace('user:secret-pw@', '***@')!r}: ") and words in line
    assert "secret-pw" not in result.output


def test_a_bad_base_url_from_the_environment_names_the_variable(run):
    result = run("messages", "list", THREAD, env={"DASHSCOPE_HTTP_BASE_URL": "http://256.1.1.1/api/v1"})
    assert result.exit_code == 2
    assert one_line_error(result).startswith("error: DASHSCOPE_HTTP_BASE_URL 'http://256.1.1.1/api/v1': ")


def test_a_bad_compatible_mode_base_url_from_the_environment_names_the_variable(run):
    result = run("items", "list", "conv_x", env={"DASHSCOPE_COMPAT_BASE_URL": "http://[::1"})
    assert result.exit_code == 2
    assert one_line_error(result) == "error: DASHSCOPE_COMPAT_BASE_URL 'http://[::1': not a valid URL (Invalid IPv6 URL)"


def test_a_bad_base_url_from_a_profile_names_the_profile(run):
    config = os.path.join(os.environ["THREADSCOPE_CONFIG_DIR"], "config.toml")
    os.makedirs(os.path.dirname(config), exist_ok=True)
    with open(config, "w") as f:
        f.write('default_profile = "p"\n[profiles.p]\nbase_url = "http://256.1.1.1/api/v1"\n')
    result = run("messages", "list", THREAD)
    assert result.exit_code == 2
    assert one_line_error(result) == (
        "error: the profile's base_url 'http://256.1.1.1/api/v1': 256.1.1.1 is not an IPv4 address")
    assert run("--demo", "threads", "create").exit_code == 0  # the demo sends nothing there: no complaint


def test_a_base_url_without_api_v1_says_the_path_looks_wrong(run, live_server):
    server = live_server()
    origin = server.base_url.removesuffix("/api/v1")
    result = run("--base-url", origin, "messages", "list", THREAD)
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    assert f"the base URL's path looks wrong: {origin} does not end in /api/v1" in result.stderr
    assert f"try --base-url {origin}/api/v1" in result.stderr
    assert "region" not in result.stderr and "workspace" not in result.stderr


def test_a_real_404_under_api_v1_keeps_its_hint(run, live_server):
    server = live_server()
    result = run("--base-url", server.base_url, "messages", "list", THREAD)
    assert result.exit_code == 1
    assert "looks wrong" not in result.stderr and "check the id" in result.stderr


# -- item 8: export target, tool-call messages, --metadata-json, --all ----------------------------


def test_export_into_a_missing_directory_is_a_clear_error(run, tmp_path):
    target = tmp_path / "nonexistent" / "dir" / "x.md"
    result = run("export", THREAD, "--format", "md", "-o", str(target))
    assert result.exit_code == 2
    assert one_line_error(result) == f"error: cannot write {target}: the directory {target.parent} does not exist"


def test_export_to_an_unwritable_file_is_a_clear_error(run, tmp_path):
    thread_id = run("threads", "create").stdout.strip()
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "x.md.part").mkdir()  # the temporary file cannot be created: whoever we are, even root
    result = run("export", thread_id, "--format", "md", "-o", str(locked / "x.md"))
    assert result.exit_code == 1
    assert one_line_error(result).startswith(f"error: export failed: cannot write {locked / 'x.md'}: ")


def _tool_call_only(run):
    from tui.emulator.demo import ORDER_BOT

    listed = run("messages", "list", ORDER_BOT, "--order", "asc", "--json")
    found = [m for m in json.loads(listed.output)["data"]
             if m["tool_calls"] and not any(p["text"]["value"] for p in m["content"])]
    assert found, "the demo's order bot has a message holding only a tool call"
    return ORDER_BOT, found[0]


def test_list_shows_a_message_holding_only_a_tool_call(run):
    thread_id, only_call = _tool_call_only(run)
    name = only_call["tool_calls"][0]["function"]["name"]
    table = run("messages", "list", thread_id, "--order", "asc")
    row = next(line for line in table.output.splitlines() if line.startswith(only_call["id"]))
    assert row.endswith(f"(tool call: {name})")


def test_get_shows_the_tool_call_of_a_message_holding_only_that(run):
    thread_id, only_call = _tool_call_only(run)
    call = only_call["tool_calls"][0]
    shown = run("messages", "get", thread_id, only_call["id"])
    assert shown.exit_code == 0
    assert "tool calls (1):" in shown.output
    assert f"  {call['function']['name']}  {call['id']}  function" in shown.output
    arguments = json.loads(call["function"]["arguments"])
    for key in arguments:
        assert f'"{key}"' in shown.output


def test_get_shows_a_plugin_call(run, fake_server):
    plugin = {"name": "weather", "arguments": '{"city": "Hangzhou"}', "output": "light rain"}
    one = message(plugin_call=plugin)
    page = {"object": "list", "data": [one], "first_id": "message_1", "last_id": "message_1", "has_more": False}
    fake_server(lambda request: httpx.Response(200, json=one if "message_1" in request.url.path else page))
    shown = run("messages", "get", THREAD, "message_1")
    assert shown.exit_code == 0
    assert "plugin call:\n  weather\n    arguments: {\n      \"city\": \"Hangzhou\"\n    }\n    output: light rain\n" in shown.output
    table = run("messages", "list", THREAD)
    assert "(plugin call: weather)" in table.output


def test_md_export_keeps_a_plugin_call(run, fake_server, tmp_path):
    plugin = {"name": "weather", "arguments": "{}", "output": "light rain"}
    page = {"object": "list", "data": [message(plugin_call=plugin)], "first_id": "message_1",
            "last_id": "message_1", "has_more": False}
    fake_server(lambda request: httpx.Response(200, json=page))
    out = tmp_path / "x.md"
    assert run("export", THREAD, "--format", "md", "-o", str(out)).exit_code == 0
    assert '"output": "light rain"' in out.read_text() and "Plugin call:" in out.read_text()


@pytest.mark.parametrize(("args", "hint"), [
    (("--metadata-json", '{"a":1}'), "Invalid value for --metadata-json: metadata value of 'a' must be a string, not int"),
    (("--metadata-json", "[1]"), "Invalid value for --metadata-json: metadata must be a JSON object"),
    (("--metadata", "a=" + "v" * 513), "Invalid value for --metadata: metadata value of 'a' is 513"),
    (("--metadata-json", json.dumps({f"k{i}": "v" for i in range(10)}),
      *[f"--metadata=p{i}=v" for i in range(10)]), "Invalid value for --metadata/--metadata-json: metadata has 20 pairs"),
])
def test_metadata_problems_are_reported_against_the_option_that_holds_them(run, args, hint):
    result = run("messages", "update", THREAD, "message_1", *args)
    assert result.exit_code == 2
    assert hint in result.stderr


def test_all_without_json_prints_json_lines_as_the_contract_says(run):
    thread_id = run("threads", "create").stdout.strip()
    ids = [run("messages", "create", thread_id, "--content", f"m{i}").stdout.strip() for i in range(5)]
    result = run("messages", "list", thread_id, "--all", "--limit", "2", "--order", "asc")
    assert result.exit_code == 0
    assert [json.loads(line)["id"] for line in result.output.splitlines()] == ids


def test_all_with_before_is_refused_not_ignored(run):
    result = run("messages", "list", THREAD, "--all", "--before", "message_1")
    assert result.exit_code == 2
    assert "--before cannot be combined with --all" in result.stderr


# -- item 9, printing: any text the server sends is printable ------------------------------------


LONE = ('{"id":"message_1","object":"thread.message","created_at":1711000000000,"thread_id":"THREAD","role":"assistant",'
        '"content":[{"type":"text","text":{"value":"half \\ud800 an emoji","annotations":[]}}],'
        '"metadata":{"k\\udfff":"v\\ud800"}}').replace("THREAD", THREAD)


@pytest.mark.parametrize("args", [
    ("messages", "get", THREAD, "message_1"),
    ("messages", "get", THREAD, "message_1", "--json"),
    ("messages", "list", THREAD),
    ("messages", "list", THREAD, "--json"),
    ("messages", "list", THREAD, "--all"),
    ("grep", THREAD, "half"),
    ("grep", THREAD, "half", "--json"),
    ("export", THREAD, "--format", "md"),
])
def test_a_lone_surrogate_from_the_server_prints_escaped(run, fake_server, args):
    page = '{"object":"list","data":[LONE],"first_id":"message_1","last_id":"message_1","has_more":false}'
    page = page.replace("LONE", LONE)
    fake_server(lambda request: httpx.Response(200, content=(LONE if "message_1" in request.url.path else page).encode(),
                                               headers={"Content-Type": "application/json"}))
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    if args[0] in ("grep", "export"):
        assert "half \\ud800 an emoji" in result.output or '"snippet":"half \\ud800 an emoji"' in result.output
    elif "--json" in args or "--all" in args:
        first = json.loads(result.output.splitlines()[0]) if "--all" in args else json.loads(result.output)
        message = first if "--all" in args or "get" in args else first["data"][0]
        assert message["content"][0]["text"]["value"] == "half \ud800 an emoji"  # the same JSON, escaped
    else:
        assert "half \\ud800 an emoji" in result.output


def test_a_lone_surrogate_in_an_error_message_prints_escaped(run, fake_server):
    body = '{"code":"InvalidParameter","message":"bad \\ud800 value","request_id":"r-1"}'
    fake_server(lambda request: httpx.Response(400, content=body.encode()))
    result = run("messages", "list", THREAD)
    assert result.exit_code == 1
    assert "bad \\ud800 value" in result.stderr and "Traceback" not in result.stderr


# -- ctrl+c ------------------------------------------------------------------------------------------


def test_ctrl_c_during_a_command_is_one_line_and_exit_130(run, monkeypatch):
    async def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(DashScopeClient, "list_messages", interrupted)
    result = run("messages", "list", THREAD)
    assert result.exit_code == 130
    assert one_line_error(result) == "interrupted"


@pytest.mark.parametrize("args", [(), ("open", THREAD)])
def test_ctrl_c_while_the_tui_starts_is_one_line_and_exit_130(run, monkeypatch, args):
    from tui.app import ThreadscopeApp

    async def interrupted(self, *a, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(ThreadscopeApp, "run_async", interrupted)
    result = run(*args)
    assert result.exit_code == 130
    assert one_line_error(result) == "interrupted"


def test_sigint_while_waiting_for_the_server_is_one_line_and_exit_130(tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(60)
        port = listener.getsockname()[1]
        proc = subprocess.Popen(
            [sys.executable, "-m", "tui", "--base-url", f"http://127.0.0.1:{port}/api/v1", "messages", "list", THREAD],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
        try:
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(60)
                request = b""
                while b"\r\n\r\n" not in request:  # the request is in: the command now waits for an answer
                    request += conn.recv(4096)
                proc.send_signal(signal.SIGINT)
                out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 130
    assert err.strip().splitlines() == ["interrupted"]
    assert out == ""
