"""The pure mapping of CONTRACT §6: what a message becomes, what is reported, the conversation metadata."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.migrate.mapping import batches, conversation_metadata, differences, map_message, signature

from .model import message


def test_user_and_assistant_text_parts_become_input_and_output_text_parts():
    user = map_message(message("thread_1", "user", ["hello", "第二部分 🎉"]))
    bot = map_message(message("thread_1", "assistant", ["hi"]))
    assert user.item == {"type": "message", "role": "user", "content": [
        {"type": "input_text", "text": "hello"}, {"type": "input_text", "text": "第二部分 🎉"}]}
    assert bot.item["content"] == [{"type": "output_text", "text": "hi"}]
    assert user.skipped is None and user.notes == ()


def test_what_an_item_cannot_hold_is_reported_on_the_message():
    raw = message("thread_1", "assistant", ["answer"], metadata={"k": "v"})
    raw["content"][0]["text"]["annotations"] = [{"type": "file_citation"}]
    raw["content"].append({"type": "image_file", "image_file": {"file_id": "file-1"}})
    raw["tool_calls"] = [{"type": "function", "function": {"name": "f", "arguments": "{}"}}]
    mapped = map_message(raw)
    assert mapped.item["content"] == [{"type": "output_text", "text": "answer"}]
    assert mapped.notes == (
        "metadata (1 pair) kept in the record",
        "1 annotation not carried",
        "non-text part 'image_file' not carried",
        "1 tool call not carried",
    )
    assert mapped.metadata == {"k": "v"}


def test_a_tool_call_message_with_no_text_is_skipped_or_written_as_text():
    call = {"id": "call_1", "type": "function",
            "function": {"name": "lookup_order", "arguments": '{"id": 7}', "output": '{"ok": true}'}}
    raw = message("thread_1", "assistant", [""], tool_calls=[call])
    skipped = map_message(raw)
    assert skipped.item is None and skipped.skipped == "tool calls"
    written = map_message(raw, "as-text")
    assert written.skipped is None
    assert written.item == {"type": "message", "role": "assistant", "content": [
        {"type": "output_text", "text": 'tool call lookup_order({"id": 7}) → {"ok": true}'}]}
    assert "tool calls written as text" in written.notes


def test_plugin_calls_and_empty_messages_say_why_they_were_skipped():
    plugin = message("thread_1", "assistant", [], plugin_call={"name": "weather", "arguments": "{}"})
    assert map_message(plugin).skipped == "plugin call"
    assert map_message(plugin, "as-text").item["content"][0]["text"] == "plugin call weather({})"
    empty = message("thread_1", "user", ["  "])
    assert map_message(empty).skipped == "empty text"
    assert map_message(empty, "as-text").skipped == "empty text"  # nothing to write as text


def test_conversation_metadata_adds_migrated_from_only_when_there_is_room():
    assert conversation_metadata("thread_1", {"a": "1"}) == {"a": "1", "migrated_from": "thread_1"}
    full = {f"k{i}": "v" for i in range(16)}
    assert conversation_metadata("thread_1", full) == full
    fifteen = {f"k{i}": "v" for i in range(15)}
    assert conversation_metadata("thread_1", fifteen)["migrated_from"] == "thread_1"


def test_batches_hold_at_most_twenty_items_in_order_and_leave_out_skipped_messages():
    mapped = [map_message(message("t", "user", [str(i)] if i % 7 else [""])) for i in range(45)]
    groups = batches(mapped)
    assert [len(g) for g in groups] == [20, 18]
    assert [signature(m.item)[1][0] for g in groups for m in g] == [str(i) for i in range(45) if i % 7]


def test_differences_name_the_count_and_each_item_that_differs():
    want = [{"role": "user", "content": [{"type": "input_text", "text": "a"}]},
            {"role": "assistant", "content": [{"type": "output_text", "text": "b"}]}]
    got = [want[0], {"role": "assistant", "content": "c"}, want[1]]
    assert differences(want, got, ["msg_1", "msg_2", "msg_3"]) == [
        "the conversation holds 3 items, the thread gave 2",
        "item 2 (msg_2): expected assistant 'b', found assistant 'c'",
    ]
    assert differences(want, list(want)) == []


def test_a_role_no_item_can_have_is_skipped_with_its_name():
    mapped = map_message(message("thread_1", "tool", ["output"]))
    assert mapped.item is None and mapped.skipped == "role 'tool' (an item cannot have it)"


def test_a_batch_written_twice_is_named_as_the_extra_run_of_items():
    def items(*texts):
        return [{"role": "user", "content": [{"type": "input_text", "text": t}]} for t in texts]

    found = items("a", "b", "c", "b", "c", "d")
    ids = [f"msg_{i}" for i in range(1, 7)]
    assert differences(items("a", "b", "c", "d"), found, ids) == [
        "items 4–5 (msg_4 … msg_5) are extra: the same text appears once more where the thread has it once "
        "(a batch written twice?); without them the conversation matches the thread"]


def test_a_tool_call_of_another_shape_is_written_whole():
    call = {"id": "call_2", "type": "code_interpreter", "code_interpreter": {"input": "1+1", "outputs": ["2"]}}
    written = map_message(message("thread_1", "assistant", [""], tool_calls=[call]), "as-text")
    assert written.item["content"][0]["text"] == (
        'tool call code_interpreter {"id": "call_2", "type": "code_interpreter", '
        '"code_interpreter": {"input": "1+1", "outputs": ["2"]}}')


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)
messages_of_any_shape = st.fixed_dictionaries(
    {}, optional={key: json_values for key in ("id", "role", "content", "metadata", "tool_calls", "plugin_call")})


@settings(max_examples=300, deadline=None)
@given(raw=messages_of_any_shape, non_text=st.sampled_from(["skip", "as-text"]))
def test_a_message_of_any_shape_maps_to_an_item_the_api_takes_or_a_reason(raw, non_text):
    from tui.api.validation import check_item

    mapped = map_message(raw, non_text)
    assert (mapped.item is None) != (mapped.skipped is None)
    if mapped.item is not None:
        check_item(mapped.item)
