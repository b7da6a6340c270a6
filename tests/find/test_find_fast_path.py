"""find's fast paths give what the plain ones give: a plain ASCII query found with `str.find`
on lower-cased ASCII text matches where the case-ignoring regular expression matches (tricky
Unicode case pairs included), and the fields searched, in order, are those of a plain
recursive walk of the object."""

import re
from collections.abc import Mapping

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tui.find import _snippet, match_object, parse_query, searched_fields

# Characters whose case pairs cross the ASCII line (Kelvin sign, long s, dotted/dotless i, …).
TRICKY = "KkSsIi\u212a\u017f\u0130\u0131\u00df\u1e9e\u03a3\u03c3\u03c2"
TEXT = st.text(st.sampled_from(TRICKY + "abc xyz-_.") | st.characters(codec="utf-8"), max_size=30)
NEEDLE = st.text(st.sampled_from(TRICKY + "abc xyz-_."), min_size=0, max_size=4)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(needle=NEEDLE, before=TEXT, after=TEXT, inside=st.booleans())
@example(needle="s", before="\u017f", after="", inside=False)  # long s: a regex match lower() does not see
@example(needle="i", before="\u0131", after="", inside=False)  # dotless i, the same
@example(needle="k", before="\u0130", after="k", inside=False)  # dotted I lower-cases to two characters
def test_a_plain_query_matches_where_the_case_ignoring_pattern_does(needle, before, after, inside):
    query = parse_query(needle)
    text = before + (needle.swapcase() if inside else "") + after
    found = re.compile(re.escape(needle), re.IGNORECASE).search(text)
    assert query.search(text) == (found.span() if found else None)


def reference_fields(raw):
    """The fields find searches, as a plain recursive generator (the definition)."""

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, Mapping):
            for inner in value.values():
                yield from strings(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from strings(inner)

    content = raw.get("content")
    parts = [{"text": content}] if isinstance(content, str) else content if isinstance(content, list) else []
    for part in parts:
        text = part.get("text") if isinstance(part, Mapping) else None
        value = text.get("value") if isinstance(text, Mapping) else text
        if isinstance(value, str):
            yield "text", value
    for name in ("id", "role"):
        if isinstance(raw.get(name), str):
            yield name, raw[name]
    metadata = raw.get("metadata")
    if isinstance(metadata, Mapping):
        for key, value in metadata.items():
            yield "metadata", str(key)
            if isinstance(value, str):
                yield "metadata", value
    for part in parts:
        text = part.get("text") if isinstance(part, Mapping) else None
        annotations = (text.get("annotations") if isinstance(text, Mapping) else None) or (
            part.get("annotations") if isinstance(part, Mapping) else None)
        yield from (("annotation", value) for value in strings(annotations or []))
    calls = raw.get("tool_calls")
    for call in calls if isinstance(calls, list) else []:
        function = call.get("function") if isinstance(call, Mapping) else None
        if isinstance(function, Mapping):
            for key in ("name", "arguments"):
                if isinstance(function.get(key), str):
                    yield "tool_call", function[key]
    yield from (("plugin_call", value) for value in strings(raw.get("plugin_call") or {}))


JSON = st.recursive(st.none() | st.booleans() | st.integers() | TEXT,
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=10)
PART = st.fixed_dictionaries({}, optional={"type": TEXT, "text": TEXT | st.fixed_dictionaries(
    {}, optional={"value": TEXT | JSON, "annotations": JSON}) | JSON, "annotations": JSON})
OBJECT = st.fixed_dictionaries({}, optional={
    "id": TEXT | JSON, "role": TEXT | JSON, "content": TEXT | st.lists(PART | JSON, max_size=3) | JSON,
    "metadata": st.dictionaries(TEXT | st.integers(), TEXT | JSON, max_size=3) | JSON,
    "tool_calls": st.lists(st.fixed_dictionaries({}, optional={"function": st.fixed_dictionaries(
        {}, optional={"name": TEXT | JSON, "arguments": TEXT | JSON}) | JSON}) | JSON, max_size=2) | JSON,
    "plugin_call": JSON, "status": JSON})


@settings(max_examples=300, deadline=None, derandomize=True)
@given(raw=OBJECT, needle=NEEDLE | TEXT)
def test_the_searched_fields_and_the_first_match_are_those_of_the_plain_walk(raw, needle):
    fields = list(reference_fields(raw))
    assert searched_fields(raw) == fields
    query = parse_query(needle)
    first = next(((field, text) for field, text in fields if query.pattern.search(text)), None)
    expected = (first[0], _snippet(first[1], *query.pattern.search(first[1]).span())) if first else None
    assert match_object(raw, query) == expected
