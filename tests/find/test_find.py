"""tui/find.py: what is searched (and what is not), order, positions, snippets, filters, streaming."""

import asyncio
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.find import FindError, Match, find, parse_query

THREAD = "thread_00000000-0000-4000-8000-000000000001"


def message(n, text="", role="user", **fields):
    return {"id": f"message_{n:04d}", "object": "thread.message", "created_at": 1711000000000 + n, "thread_id": THREAD,
            "role": role, "content": [{"type": "text", "text": {"value": text, "annotations": fields.pop("annotations", [])}}],
            "assistant_id": "", "run_id": "", "metadata": fields.pop("metadata", {}), "tool_calls": [],
            "plugin_call": {}, **fields}


async def stream(objects, seen=None):
    for obj in objects:
        if seen is not None:
            seen.append(obj["id"])
        yield obj


def run_find(objects, query_text, **filters) -> list[Match]:
    async def collect():
        return [m async for m in find(stream(objects), parse_query(query_text, **filters))]

    return asyncio.run(collect())


# Each searched field holds a token found nowhere else; unsearched fields hold others.
SEARCHED = [
    ("text", message(1, "the needle-text is here")),
    ("id", {**message(2, "plain"), "id": "message_needle-id"}),
    ("role", message(3, "plain", role="needle-role")),
    ("metadata", message(4, "plain", metadata={"needle-key": "v"})),
    ("metadata", message(5, "plain", metadata={"k": "needle-value"})),
    ("annotation", message(6, "plain", annotations=[{"type": "file_citation", "file_citation": {"quote": "needle-quote"}}])),
    ("tool_call", message(7, "", tool_calls=[{"id": "call_1", "type": "function",
                                             "function": {"name": "needle_tool", "arguments": "{}"}}])),
    ("tool_call", message(8, "", tool_calls=[{"id": "call_2", "type": "function",
                                             "function": {"name": "lookup", "arguments": '{"q": "needle-arg"}'}}])),
    ("plugin_call", message(9, "", plugin_call={"name": "weather", "arguments": '{"city": "needle-city"}'})),
    ("text", {"id": "msg_item", "type": "message", "role": "assistant",
              "content": [{"type": "output_text", "text": "an item's needle-item text", "annotations": []}]}),
    ("text", {"id": "msg_string", "type": "message", "role": "user", "content": "needle-string content"}),
    ("annotation", {"id": "msg_annotated", "type": "message", "role": "assistant",
                    "content": [{"type": "output_text", "text": "x", "annotations": [{"url": "https://needle-url"}]}]}),
]
NOT_SEARCHED = [
    {**message(20, "plain"), "thread_id": "thread_hidden-thread"},
    {**message(21, "plain"), "object": "hidden-object"},
    {**message(22, "plain"), "status": {"status": "hidden-status"}},
    {**message(23, "plain"), "assistant_id": "asst_hidden-assistant", "run_id": "run_hidden-run"},
    message(24, "", tool_calls=[{"id": "call_hidden-callid", "type": "function",
                                 "function": {"name": "t", "arguments": "{}", "output": "hidden-output"}}]),
    {**message(25, "plain"), "file_ids": ["file-hidden-file"], "gmt_crete": "hidden-gmt"},
    message(26, "plain", annotations=[{"type": "hidden-annotation-key-only"}]),
]
HIDDEN = ["hidden-thread", "hidden-object", "hidden-status", "hidden-assistant", "hidden-run", "hidden-callid",
          "hidden-output", "hidden-file", "hidden-gmt"]


@pytest.mark.parametrize(("index", "field"), [(i, f) for i, (f, _) in enumerate(SEARCHED)])
def test_a_match_in_every_searched_field_and_only_there(index, field):
    objects = [obj for _, obj in SEARCHED] + NOT_SEARCHED
    raw = SEARCHED[index][1]
    token = next(t for t in re.findall(r"needle[-_][a-z]+", json.dumps(raw)))
    found = run_find(objects, token.upper())  # plain text ignores case
    assert [(m.id, m.position, m.field) for m in found] == [(raw["id"], index + 1, field)]
    snippet = found[0].snippet
    assert snippet.text[snippet.start:snippet.end] == token


@pytest.mark.parametrize("token", HIDDEN)
def test_text_only_in_fields_find_does_not_search_is_not_found(token):
    assert run_find([obj for _, obj in SEARCHED] + NOT_SEARCHED, token) == []


def test_a_key_alone_inside_an_annotation_is_not_a_match():
    assert run_find(NOT_SEARCHED, "hidden-annotation-key-only") != []  # a string value: searched
    assert run_find([message(1, "x", annotations=[{"needlekey": "v"}])], "needlekey") == []


def test_results_come_in_thread_order_with_positions_counting_every_message():
    objects = [message(i, f"row {i}" + (" match" if i % 3 == 0 else "")) for i in range(1, 31)]
    found = run_find(objects, "MATCH")
    assert [(m.position, m.id) for m in found] == [(i, f"message_{i:04d}") for i in range(3, 31, 3)]
    assert all(m.created_at == 1711000000000 + m.position and m.role == "user" for m in found)


def test_role_and_metadata_filters():
    objects = [message(1, "ok", role="user", metadata={"ticket": "A"}),
               message(2, "ok", role="assistant", metadata={"ticket": "A"}),
               message(3, "ok", role="assistant", metadata={"ticket": "B"}),
               message(4, "ok", role="assistant")]
    assert [m.position for m in run_find(objects, "ok", role="assistant")] == [2, 3, 4]
    assert [m.position for m in run_find(objects, "ok", metadata={"ticket": "A"})] == [1, 2]
    assert [m.position for m in run_find(objects, "ok", role="assistant", metadata={"ticket": "A"})] == [2]


def test_regex_queries_and_a_bad_one():
    objects = [message(1, "order A-20931"), message(2, "order a-1"), message(3, "no order")]
    assert [m.position for m in run_find(objects, r"re:[A-Z]-\d{5}")] == [1]
    assert [m.position for m in run_find(objects, r"re:(?i)a-\d")] == [1, 2]
    assert [m.position for m in run_find(objects, "a-2")] == [1]  # plain: case-insensitive, not a regex
    assert [m.position for m in run_find(objects, "re:.")] == [1, 2, 3]
    with pytest.raises(FindError, match=r"bad regular expression '\(unclosed': missing \), unterminated subpattern at position 0"):
        parse_query("re:(unclosed")
    assert run_find([message(1, "a+b (c)")], "+b (c") != []  # plain text: regex characters are literal


def test_the_snippet_is_one_short_line_around_the_match():
    text = "line one\n" + "x" * 5000 + " the NEEDLE\tis here " + "y" * 5000
    (match,) = run_find([message(1, text)], "needle")
    snippet = match.snippet
    assert snippet.text[snippet.start:snippet.end] == "NEEDLE"
    assert len(snippet.text) <= 102 and "\n" not in snippet.text and "\t" not in snippet.text
    assert snippet.text.startswith("…") and snippet.text.endswith("…")
    (whole,) = run_find([message(1, "z" * 10_000)], "re:z+")  # a huge match is cut too
    assert len(whole.snippet.text) <= 102 and whole.snippet.end <= len(whole.snippet.text)


def test_matches_are_yielded_as_found_not_after_the_whole_stream():
    seen = []
    objects = [message(i, "hit" if i == 2 else "miss") for i in range(1, 1001)]

    async def first():
        async for match in find(stream(objects, seen), parse_query("hit")):
            return match, len(seen)

    match, consumed = asyncio.run(first())
    assert match.position == 2 and consumed == 2


def test_progress_is_reported_while_nothing_matches_and_at_the_end():
    seen = []

    async def run():
        objects = [message(i, "miss") for i in range(1, 251)]
        return [m async for m in find(stream(objects), parse_query("hit"), progress=seen.append)]

    assert asyncio.run(run()) == []
    assert seen == [100, 200, 250]


def test_models_with_raw_are_accepted_as_well_as_dicts():
    from tui.api.models import Item, Message

    objects = [Message.from_wire(message(1, "needle")), Item.from_wire(SEARCHED[9][1])]
    assert [m.position for m in run_find(objects, "needle")] == [1, 2]


# -- property: find equals a plain filter over the list -------------------------------------------

WORDS = st.sampled_from(["ab", "Ab", "b", "ba", "c", "x y", "a.b", ""])
ROLES = st.sampled_from(["user", "assistant", "system"])


@st.composite
def objects(draw):
    result = []
    for n in range(draw(st.integers(0, 12))):
        tool_calls = [{"id": "call_hidden", "type": "function",
                       "function": {"name": draw(WORDS), "arguments": draw(WORDS), "output": draw(WORDS)}}
                      for _ in range(draw(st.integers(0, 1)))]
        result.append(message(
            n, " ".join(draw(st.lists(WORDS, max_size=3))), role=draw(ROLES),
            metadata=draw(st.dictionaries(st.sampled_from(["k", "ab"]), WORDS, max_size=2)),
            annotations=[{"quote": draw(WORDS)}] if draw(st.booleans()) else [],
            tool_calls=tool_calls, plugin_call={"name": draw(WORDS)} if draw(st.booleans()) else {}))
    return result


def plain_fields(m):
    """Everything find promises to search, listed by hand."""
    fields = [m["content"][0]["text"]["value"], m["id"], m["role"]]
    for key, value in m["metadata"].items():
        fields += [key, value]
    fields += [a["quote"] for a in m["content"][0]["text"]["annotations"]]
    for call in m["tool_calls"]:
        fields += [call["function"]["name"], call["function"]["arguments"]]  # not its output
    fields += list(m["plugin_call"].values())
    return fields


@settings(max_examples=200, deadline=None)
@given(objects(), st.sampled_from(["ab", "AB", "b", "a.b", "re:a.b", "re:^b$", "x y", "hidden", "message_0001"]),
       st.one_of(st.none(), ROLES), st.one_of(st.none(), st.dictionaries(st.just("k"), WORDS, max_size=1)))
def test_find_equals_a_plain_filter_over_the_list(objs, text, role, metadata):
    if text.startswith("re:"):
        matches = re.compile(text[3:]).search
    else:
        matches = lambda field: text.lower() in field.lower()  # noqa: E731
    expected = [(position, m["id"]) for position, m in enumerate(objs, 1)
                if (role is None or m["role"] == role)
                and all(m["metadata"].get(k) == v for k, v in (metadata or {}).items())
                and any(matches(field) for field in plain_fields(m))]
    found = run_find(objs, text, role=role, metadata=metadata)
    assert [(m.position, m.id) for m in found] == expected
