"""The command line, end to end on the embedded emulator: output, --json fidelity, exit codes."""

import json
import os

import pytest

from tests.conftest import SENTINEL_KEY


def test_version(run):
    result = run("--version")
    assert result.exit_code == 0
    assert result.output.startswith("threadscope, version ")


def test_create_list_get_update_round_trip(run):
    thread_id = run("threads", "create", "--metadata", "team=support").stdout.strip()
    assert thread_id.startswith("thread_")

    created = run("messages", "create", thread_id, "--content", "Where is order 42?", "--metadata", "ticket=T-1")
    assert created.exit_code == 0, created.output
    message_id = created.stdout.strip()
    assert message_id.startswith("message_")

    listed = run("messages", "list", thread_id, "--json")
    body = json.loads(listed.output)
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == [message_id]
    assert body["first_id"] == body["last_id"] == message_id
    assert body["has_more"] is False and body["request_id"]

    got = json.loads(run("messages", "get", thread_id, message_id, "--json").output)
    assert {k: v for k, v in got.items() if k != "request_id"} == {
        k: v for k, v in body["data"][0].items() if k != "request_id"
    }
    assert got["metadata"] == {"ticket": "T-1"}

    updated = run("messages", "update", thread_id, message_id, "--metadata", "a=1", "--json")
    assert updated.exit_code == 0
    assert json.loads(updated.stdout)["metadata"] == {"a": "1"}  # replaced, not merged
    again = json.loads(run("messages", "get", thread_id, message_id, "--json").output)
    assert again["metadata"] == {"a": "1"}

    # Journaled like a TUI edit, so `u` in the TUI can undo it.
    from tui.config import resolve_settings
    from tui.journal import EditJournal

    settings = resolve_settings()
    entry = EditJournal(settings.journal_path, settings.backend_id).last_saved_edit()
    assert (entry.message_id, entry.before, entry.after) == (message_id, {"ticket": "T-1"}, {"a": "1"})

    table = run("messages", "list", thread_id)
    assert message_id in table.output and "Where is order 42?" in table.output


def test_global_options_work_after_the_subcommand(run):
    result = run("threads", "create", "--demo")
    assert result.exit_code == 0 and result.output.startswith("thread_")


def test_list_all_pages_as_json_lines_oldest_first(run):
    thread_id = run("threads", "create").stdout.strip()
    ids = [run("messages", "create", thread_id, "--content", f"m{i}").stdout.strip() for i in range(7)]
    result = run("messages", "list", thread_id, "--all", "--json", "--limit", "3", "--order", "asc")
    lines = result.output.strip().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ids


def test_not_found_exits_1_with_code_and_request_id(run):
    result = run("messages", "list", "thread_00000000-0000-4000-8000-000000000000")
    assert result.exit_code == 1
    assert "HTTP 404 NotFound" in result.stderr
    assert "request_id" in result.stderr
    assert "Traceback" not in result.output + result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("messages", "update", "thread_x", "message_y", "--metadata", "novalue"), "expected KEY=VALUE"),
        (("messages", "update", "thread_x", "message_y", "--metadata", "k=" + "v" * 513), "513 characters; at most 512"),
        (("messages", "update", "thread_x", "message_y"), "give --metadata"),
        (("messages", "list", "thread_x", "--limit", "0"), "0<=" if False else "--limit"),
        (("messages", "create", "thread_x", "--content", "   "), "content must be a non-empty string"),
        (("open", "not-a-thread"), "is not a thread or conversation id"),
    ],
)
def test_usage_errors_exit_2_before_anything_is_sent(run, args, words):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert words in result.stderr


def test_api_key_option_warns_and_never_echoes(run, monkeypatch):
    result = run("--api-key", SENTINEL_KEY, "--base-url", "http://127.0.0.1:9/api/v1", "messages", "list", "thread_x")
    assert result.exit_code == 1
    assert "lands in your shell history" in result.stderr
    assert "cannot connect" in result.stderr
    assert SENTINEL_KEY not in result.output + result.stderr


@pytest.mark.parametrize("fmt", ["json", "jsonl", "md"])
def test_export_every_message_oldest_first(run, tmp_path, fmt):
    thread_id = run("threads", "create").stdout.strip()
    ids = [run("messages", "create", thread_id, "--content", f"line {i} [bold]x[/]").stdout.strip() for i in range(5)]
    out = tmp_path / f"export.{fmt}"
    result = run("export", thread_id, "--format", fmt, "-o", str(out))
    assert result.exit_code == 0
    assert "wrote 5 messages" in result.stderr
    text = out.read_text()
    if fmt == "json":
        assert [m["id"] for m in json.loads(text)] == ids
    elif fmt == "jsonl":
        assert [json.loads(line)["id"] for line in text.splitlines()] == ids
    else:
        assert [text.index(i) for i in ids] == sorted(text.index(i) for i in ids)
        assert "line 4 [bold]x[/]" in text
    assert not (tmp_path / f"export.{fmt}.part").exists()


def test_export_to_stdout_is_the_same_jsonl_as_to_a_file(run, tmp_path):
    thread_id = run("threads", "create").stdout.strip()
    for text in ("plain", "中文 and é", "quote \" backslash \\ tab \t"):
        run("messages", "create", thread_id, "--content", text)
    out = tmp_path / "export.jsonl"
    run("export", thread_id, "--format", "jsonl", "-o", str(out))
    result = run("export", thread_id, "--format", "jsonl")
    assert result.exit_code == 0
    assert result.output == out.read_text(encoding="utf-8")
    assert [json.loads(line)["content"][0]["text"]["value"] for line in result.output.splitlines()] == [
        "plain", "中文 and é", "quote \" backslash \\ tab \t"]


def test_export_lines_are_what_json_dumps_writes_and_survive_a_lone_surrogate():
    from itertools import islice

    from tui.emulator import demo
    from tui.export import _json_bytes

    samples = demo._order_bot() + demo._rag_docs() + demo._cn_support() + demo._code_review() + list(islice(demo._agent_loop(), 200))
    for item in samples:
        assert _json_bytes(item) == json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    # A string no UTF-8 can hold (json.loads accepts the escape): written escaped, not a crash.
    broken = json.loads('{"text": "\\ud800 half an emoji"}')
    assert json.loads(_json_bytes(broken)) == broken


def test_failed_export_leaves_no_file(run, tmp_path):
    out = tmp_path / "x.jsonl"
    result = run("export", "thread_00000000-0000-4000-8000-000000000000", "-o", str(out))
    assert result.exit_code == 1
    assert not out.exists() and not (tmp_path / "x.jsonl.part").exists()


def test_bad_config_is_a_usage_error_not_a_traceback(run, monkeypatch, tmp_path):
    import os

    cdir = os.environ["THREADSCOPE_CONFIG_DIR"]
    os.makedirs(cdir, exist_ok=True)
    with open(os.path.join(cdir, "config.toml"), "w") as f:
        f.write("page_size = 'lots'\n")
    result = run("messages", "list", "thread_x")
    assert result.exit_code == 2
    assert 'config.toml: page_size: Input should be a number from 1 to 100, or "auto"' in result.stderr
    assert "Traceback" not in result.stderr


def test_the_command_turns_pydantic_plugins_off_unless_told_otherwise(monkeypatch):
    import tui.__main__
    import tui.cli

    seen = []
    monkeypatch.setattr(tui.cli, "main", lambda: seen.append(os.environ.get("PYDANTIC_DISABLE_PLUGINS")))
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    tui.__main__.run()
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "")  # a user who wants their plugins
    tui.__main__.run()
    assert seen == ["__all__", ""]


def test_the_command_line_does_not_load_the_server_until_it_serves():
    """uvicorn and Starlette are for `serve` and the embedded demo: a command against a real
    server (and every start of the TUI) should not pay for importing them."""
    import subprocess
    import sys

    code = ("import sys, tui.cli, tui.config, tui.app; "
            "print(sorted(m for m in ('uvicorn', 'starlette', 'h11') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
