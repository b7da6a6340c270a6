"""`threads get|update|delete`, `conversations …`, `items …` and `export CONV`: CONTRACT §2, on the
embedded emulator and over a real socket."""

import json
import os

import pytest


def ok(result) -> str:
    assert result.exit_code == 0, result.stderr
    return result.stdout


def new_conversation(run, *args) -> str:
    conv_id = ok(run("conversations", "create", *args)).strip()
    assert conv_id.startswith("conv_")
    return conv_id


# -- threads ---------------------------------------------------------------------------------


def test_threads_get_update_delete(run):
    thread_id = ok(run("threads", "create", "--metadata", "a=1", "--metadata", "b=2")).strip()
    shown = ok(run("threads", "get", thread_id))
    assert f"id:         {thread_id}" in shown and "metadata:   a = 1" in shown and "metadata:   b = 2" in shown
    raw = json.loads(ok(run("threads", "get", thread_id, "--json")))
    assert raw["id"] == thread_id and raw["object"] == "thread" and raw["metadata"] == {"a": "1", "b": "2"}

    updated = ok(run("threads", "update", thread_id, "--metadata", "c=3"))
    assert updated.splitlines() == [thread_id, "  c = 3"]
    assert json.loads(ok(run("threads", "get", thread_id, "--json")))["metadata"] == {"c": "3"}  # replaced
    cleared = json.loads(ok(run("threads", "update", thread_id, "--metadata-json", "{}", "--json")))
    assert cleared["metadata"] == {}

    deleted = json.loads(ok(run("threads", "delete", thread_id, "--json")))
    assert {k: deleted[k] for k in ("id", "object", "deleted")} == {"id": thread_id, "object": "thread.deleted", "deleted": True}
    gone = run("threads", "get", thread_id)
    assert gone.exit_code == 1 and "HTTP 404" in gone.stderr


def test_update_without_metadata_is_a_usage_error(run):
    for group, target in (("threads", "thread_x"), ("conversations", "conv_x")):
        result = run(group, "update", target)
        assert result.exit_code == 2 and "give --metadata" in result.stderr


# -- conversations -----------------------------------------------------------------------------


def test_conversation_create_get_update_delete(run):
    conv_id = new_conversation(run, "--metadata", "team=support", "--item", "system:be brief",
                               "--item", "user:where is: order 42?")
    raw = json.loads(ok(run("conversations", "get", conv_id, "--json")))
    assert set(raw) == {"id", "object", "created_at", "metadata"}  # exactly what the API sends
    assert raw["object"] == "conversation" and raw["metadata"] == {"team": "support"}
    shown = ok(run("conversations", "get", conv_id))
    assert f"id:         {conv_id}" in shown and "metadata:   team = support" in shown

    items = json.loads(ok(run("items", "list", conv_id, "--order", "asc", "--json")))
    assert [(i["role"], i["content"][0]["text"]) for i in items["data"]] == [
        ("system", "be brief"), ("user", "where is: order 42?")]

    assert ok(run("conversations", "update", conv_id, "--metadata", "k=v")).splitlines() == [conv_id, "  k = v"]
    assert json.loads(ok(run("conversations", "get", conv_id, "--json")))["metadata"] == {"k": "v"}  # replaced

    assert ok(run("conversations", "delete", conv_id)).strip() == f"deleted {conv_id}"
    for args in (("conversations", "get", conv_id), ("items", "list", conv_id)):
        gone = run(*args)
        assert gone.exit_code == 1 and "HTTP 404" in gone.stderr


@pytest.mark.parametrize(("args", "words"), [
    (("conversations", "create", "--item", "robot:hi"), "Invalid value for --item: expected ROLE:TEXT"),
    (("conversations", "create", "--item", "no colon"), "Invalid value for --item: expected ROLE:TEXT"),
    (("conversations", "create", *["--item=user:x"] * 21), "21 items; 0–20 may be sent in one call"),
    (("conversations", "create", "--metadata", "k"), "expected KEY=VALUE"),
    (("items", "create", "conv_x", "--content", "x", "--role", "tool"), "Invalid value for '--role'"),
    (("items", "create", "conv_x", "--content", "  "), "content must be a non-empty string"),
    (("items", "list", "conv_x", "--limit", "101"), "--limit"),
])
def test_conversation_usage_errors_exit_2(run, args, words):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert words in result.stderr


# -- items -------------------------------------------------------------------------------------


def test_items_create_get_list_delete(run):
    conv_id = new_conversation(run)
    ids = [ok(run("items", "create", conv_id, "--content", f"item {i}", "--role", role)).strip()
           for i, role in enumerate(["user", "assistant", "system", "developer"] * 6)]
    assert all(i.startswith("msg_") for i in ids) and len(set(ids)) == 24

    every = ok(run("items", "list", conv_id, "--all", "--json", "--limit", "5", "--order", "asc")).splitlines()
    assert [json.loads(line)["id"] for line in every] == ids
    newest_first = ok(run("items", "list", conv_id, "--all", "--json", "--limit", "7")).splitlines()
    assert [json.loads(line)["id"] for line in newest_first] == ids[::-1]

    table = run("items", "list", conv_id, "--all", "--limit", "10", "--order", "asc")
    rows = ok(table).splitlines()
    assert rows[0].startswith("ID") and [row.split()[0] for row in rows[1:]] == ids
    page = run("items", "list", conv_id, "--limit", "3", "--order", "asc")
    assert [row.split()[0] for row in ok(page).splitlines()[1:]] == ids[:3]
    assert f"… more: --after {ids[2]}" in page.stderr
    after = json.loads(ok(run("items", "list", conv_id, "--after", ids[2], "--limit", "2", "--order", "asc", "--json")))
    assert [i["id"] for i in after["data"]] == ids[3:5] and after["has_more"] is True

    got = json.loads(ok(run("items", "get", conv_id, ids[1], "--json")))
    assert got == {"id": ids[1], "type": "message", "role": "assistant",
                   "content": [{"type": "output_text", "text": "item 1"}], "status": "completed"}
    shown = ok(run("items", "get", conv_id, ids[1]))
    assert shown.splitlines()[:3] == [f"id:         {ids[1]}", "type:       message", "role:       assistant"]
    assert shown.rstrip().endswith("item 1")

    created = json.loads(ok(run("items", "create", conv_id, "--content", "last", "--json")))
    assert [i["content"] for i in created["data"]] == [[{"type": "input_text", "text": "last"}]]

    deleted = json.loads(ok(run("items", "delete", conv_id, ids[0], "--json")))
    assert deleted == {"id": ids[0], "object": "conversation.item.deleted", "deleted": True}
    gone = run("items", "get", conv_id, ids[0])
    assert gone.exit_code == 1 and "HTTP 404" in gone.stderr


@pytest.mark.parametrize("fmt", ["json", "jsonl", "md"])
def test_export_a_conversation_oldest_first(run, tmp_path, fmt):
    conv_id = new_conversation(run, "--item", "user:first [bold]x[/]")
    ids = [json.loads(ok(run("items", "list", conv_id, "--json")))["data"][0]["id"]]
    ids += [ok(run("items", "create", conv_id, "--content", f"line {i}", "--role", "assistant")).strip() for i in range(4)]
    out = tmp_path / f"conv.{fmt}"
    result = run("export", conv_id, "--format", fmt, "-o", str(out))
    assert result.exit_code == 0 and "wrote 5 items" in result.stderr
    single = run("export", new_conversation(run, "--item", "user:one"), "-o", str(tmp_path / "one.jsonl"))
    assert f"wrote 1 item to {tmp_path / 'one.jsonl'}" in single.stderr
    text = out.read_text()
    if fmt == "json":
        assert [i["id"] for i in json.loads(text)] == ids
    elif fmt == "jsonl":
        listed = [json.loads(line) for line in ok(run("items", "list", conv_id, "--all", "--json", "--order", "asc")).splitlines()]
        assert [json.loads(line) for line in text.splitlines()] == listed
    else:
        assert text.startswith(f"# Conversation `{conv_id}`")
        assert [text.index(i) for i in ids] == sorted(text.index(i) for i in ids)
        assert "first [bold]x[/]" in text and "## assistant · `" in text


# -- read-only profiles block every write --------------------------------------------------------


WRITES = [
    ("threads", "create"),
    ("threads", "update", "{thread}", "--metadata", "a=1"),
    ("threads", "delete", "{thread}"),
    ("messages", "create", "{thread}", "--content", "hi"),
    ("conversations", "create"),
    ("conversations", "update", "{conv}", "--metadata", "a=1"),
    ("conversations", "delete", "{conv}"),
    ("items", "create", "{conv}", "--content", "hi"),
    ("items", "delete", "{conv}", "{item}"),
]


@pytest.mark.parametrize("args", WRITES, ids=lambda a: " ".join(a[:2]))
def test_read_only_profile_blocks_every_write(run, args):
    thread_id = ok(run("threads", "create", "--metadata", "keep=me")).strip()
    conv_id = new_conversation(run, "--metadata", "keep=me", "--item", "user:hi")
    item_id = json.loads(ok(run("items", "list", conv_id, "--json")))["data"][0]["id"]
    before = [ok(run(*a)) for a in (("threads", "get", thread_id, "--json"), ("conversations", "get", conv_id, "--json"),
                                    ("items", "list", conv_id, "--json"), ("messages", "list", thread_id, "--json"))]
    config = os.path.join(os.environ["THREADSCOPE_CONFIG_DIR"], "config.toml")
    os.makedirs(os.path.dirname(config), exist_ok=True)
    with open(config, "w") as f:
        f.write('default_profile = "audit"\n[profiles.audit]\nread_only = true\n')

    filled = [a.format(thread=thread_id, conv=conv_id, item=item_id) for a in args]
    result = run(*filled)
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: profile 'audit' is read-only (read_only = true in config.toml)"

    after = [ok(run(*a)) for a in (("threads", "get", thread_id, "--json"), ("conversations", "get", conv_id, "--json"),
                                   ("items", "list", conv_id, "--json"), ("messages", "list", thread_id, "--json"))]
    strip = [{k: v for k, v in json.loads(text).items() if k != "request_id"} for text in before + after]
    assert strip[:4] == strip[4:]  # nothing changed on the server


# -- over a real socket: one --base-url covers both families --------------------------------------


def test_commands_against_a_real_server(run, live_server):
    server = live_server()
    url = ("--base-url", server.base_url)
    conv_id = ok(run(*url, "conversations", "create", "--metadata", "via=socket", "--item", "user:hello")).strip()
    item_id = ok(run(*url, "items", "create", conv_id, "--content", "ok", "--role", "assistant")).strip()
    listed = json.loads(ok(run(*url, "items", "list", conv_id, "--order", "asc", "--json")))
    assert [i["content"][0]["text"] for i in listed["data"]] == ["hello", "ok"] and listed["data"][1]["id"] == item_id
    assert json.loads(ok(run(*url, "conversations", "get", conv_id, "--json")))["metadata"] == {"via": "socket"}
    thread_id = ok(run(*url, "threads", "create")).strip()
    assert json.loads(ok(run(*url, "threads", "update", thread_id, "--metadata", "x=1", "--json")))["metadata"] == {"x": "1"}
    assert ok(run(*url, "threads", "delete", thread_id)).strip() == f"deleted {thread_id}"
    # The default embedded database was never touched.
    assert run("conversations", "get", conv_id).exit_code == 1


def test_hostile_server_text_is_inert_in_every_view_for_people(run):
    evil = "x\x1b]0;pwned\x07 \x1b[2J \u202e y"
    conv_id = new_conversation(run, "--metadata", f"k\x1b[31m={evil}", "--item", f"user:{evil}")
    item_id = json.loads(ok(run("items", "list", conv_id, "--json")))["data"][0]["id"]
    views = [ok(run("conversations", "get", conv_id)), ok(run("items", "list", conv_id)),
             ok(run("items", "list", conv_id, "--all")), ok(run("items", "get", conv_id, item_id)),
             ok(run("conversations", "update", conv_id, "--metadata", f"k={evil}")), ok(run("grep", conv_id, "pwned"))]
    for view in views:
        assert "\x1b" not in view and "\x07" not in view and "\u202e" not in view
        assert "x␛]0;pwned␇ ␛[2J <U+202E> y" in view
    as_json = json.loads(ok(run("items", "get", conv_id, item_id, "--json")))
    assert as_json["content"][0]["text"] == evil  # --json is the API's JSON: escaped by JSON, not altered


def test_the_commands_as_processes_against_threadscope_serve(tmp_path):
    """As a user runs them: `threadscope serve` in one process, the commands in others, one --base-url."""
    import signal
    import subprocess
    import sys

    from tests.cli.test_serve import free_port

    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "DASHSCOPE_API_KEY": "local-secret"}
    server = subprocess.Popen([sys.executable, "-m", "tui", "serve", "--port", str(port), "--db", str(tmp_path / "s.db"),
                               "--api-key", "local-secret"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env)
    try:
        assert server.stdout.readline().startswith("threadscope emulator on")  # listening from here on

        def cli(*args):
            proc = subprocess.run([sys.executable, "-m", "tui", "--base-url", f"http://127.0.0.1:{port}/api/v1", *args],
                                  capture_output=True, text=True, env=env, timeout=60)
            assert "Traceback" not in proc.stderr and "local-secret" not in proc.stdout + proc.stderr
            return proc

        conv_id = cli("conversations", "create", "--item", "user:hello", "--metadata", "via=serve").stdout.strip()
        assert conv_id.startswith("conv_")
        assert cli("items", "create", conv_id, "--content", "ok", "--role", "assistant").returncode == 0
        found = [json.loads(line) for line in cli("grep", conv_id, "re:^(hello|ok)$", "--json").stdout.splitlines()]
        assert [(m["position"], m["role"]) for m in found] == [(1, "user"), (2, "assistant")]
        exported = cli("export", conv_id, "--format", "jsonl").stdout.splitlines()
        assert [json.loads(line)["content"][0]["text"] for line in exported] == ["hello", "ok"]
        assert cli("grep", conv_id, "absent").returncode == 1
        refused = cli("--api-key", "wrong-key", "conversations", "get", conv_id)
        assert refused.returncode == 1 and "HTTP 401" in refused.stderr
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
