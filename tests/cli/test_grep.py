"""`threadscope grep THREAD_OR_CONV PATTERN`: matches in thread order, JSON lines, grep's exit codes."""

import json

import pytest

from tui.emulator.demo import AGENT_LOOP, ORDER_BOT


def lines(result):
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_json_lines_in_thread_order_equal_a_filter_over_the_whole_thread(run):
    every = lines(run("messages", "list", AGENT_LOOP, "--all", "--order", "asc", "--limit", "100"))
    assert len(every) > 2000
    expected = [(position, m["id"]) for position, m in enumerate(every, 1) if "checkpoint" in m["metadata"]]
    assert len(expected) > 5

    result = run("grep", AGENT_LOOP, "re:^checkpoint$", "--json")
    assert result.exit_code == 0
    found = lines(result)
    assert [(m["position"], m["id"]) for m in found] == expected
    first = found[0]
    assert set(first) == {"id", "position", "role", "created_at", "field", "snippet", "span"}
    assert first["field"] == "metadata" and first["snippet"] == "checkpoint" and first["span"] == [0, 10]
    by_id = {m["id"]: m for m in every}
    assert all(m["created_at"] == by_id[m["id"]]["created_at"] and m["role"] == by_id[m["id"]]["role"] for m in found)


def test_metadata_and_role_filters(run):
    found = lines(run("grep", AGENT_LOOP, "", "--metadata", "checkpoint=3", "--json"))
    assert len(found) == 1 and found[0]["role"] == "assistant"
    assert run("grep", AGENT_LOOP, "re:^checkpoint$", "--role", "user").exit_code == 1


def test_a_table_for_people_marks_nothing_unsafe(run):
    thread_id = run("threads", "create").stdout.strip()
    run("messages", "create", thread_id, "--content", "first line")
    run("messages", "create", thread_id, "--content", "evil \x1b]0;pwned\x07 NEEDLE \u202e here")
    result = run("grep", thread_id, "needle")
    assert result.exit_code == 0
    header, row = result.stdout.splitlines()
    assert header.split() == ["#", "ID", "ROLE", "CREATED", "MATCH"]
    assert row.split()[0] == "2" and row.split()[2] == "user"
    assert "text: evil ␛]0;pwned␇ NEEDLE <U+202E> here" in row
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout


def test_a_tool_call_name_is_found_in_the_demo(run):
    found = lines(run("grep", ORDER_BOT, "open_redirect_ticket", "--json"))
    assert [m["field"] for m in found] == ["tool_call"]


def test_grep_a_conversation(run):
    conv_id = run("conversations", "create", "--item", "system:be brief", "--item", "user:where is ORDER 42?").stdout.strip()
    run("items", "create", conv_id, "--content", "order 42 shipped", "--role", "assistant")
    found = lines(run("grep", conv_id, "order 42", "--json"))
    assert [(m["position"], m["role"], m["created_at"]) for m in found] == [(2, "user", None), (3, "assistant", None)]
    assert lines(run("grep", conv_id, "order", "--role", "assistant", "--json"))[0]["position"] == 3


@pytest.mark.parametrize(("args", "code", "words"), [
    ((ORDER_BOT, "redirect"), 0, ""),
    ((ORDER_BOT, "no such words anywhere"), 1, ""),
    ((ORDER_BOT, "re:(unclosed"), 2, "error: bad regular expression '(unclosed': missing ), unterminated subpattern"),
    ((ORDER_BOT, "x", "--metadata", "novalue"), 2, "expected KEY=VALUE"),
    ((ORDER_BOT,), 2, "Missing argument 'PATTERN'"),
    (("thread_00000000-0000-4000-8000-000000000000", "x"), 1, "HTTP 404"),
    (("conv_x", "", "--metadata", "a=b"), 2, "error: --metadata: conversation items carry no metadata"),
    ((ORDER_BOT, "x", "--role", "tool"), 2, "'tool' is not one of 'user', 'assistant', 'system', 'developer'"),
])
def test_exit_codes_like_grep(run, args, code, words):
    result = run("grep", *args)
    assert result.exit_code == code, result.output
    assert words in result.stderr and "Traceback" not in result.output
    if code == 1 and not words:
        assert result.stdout == "" and result.stderr == ""  # no match: silent, like grep
