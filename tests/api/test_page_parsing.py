"""A page of messages or items parsed in one validation call (`parse_page`) gives what parsing
each object on its own (`parse_wire`) gives: equal models, the same `.raw` (key order and
unknown fields included), and for a bad object the same objects before it and the same
ProtocolError text — through `iter_messages`/`iter_items` too."""

import asyncio
import json

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.api import DashScopeClient
from tui.api.calls import decode_json
from tui.api.errors import ProtocolError
from tui.api.models import Item, Message, parse_page, parse_wire

TEXT = st.text(st.characters(codec="utf-8"), max_size=12)  # any Unicode a JSON body can carry
KEYS = st.text(st.characters(codec="utf-8"), min_size=1, max_size=8)
JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**53, 2**53) | TEXT
                    | st.floats(allow_nan=False, allow_infinity=False),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3), max_leaves=8)
PART = st.fixed_dictionaries({"type": st.just("text"), "text": st.fixed_dictionaries(
    {"value": TEXT}, optional={"annotations": st.lists(JSON, max_size=2), "extra": JSON})})

# A value of the wrong type for a field (or the field left out), and what it breaks.
BREAKS = {
    Message: [("id", 7), ("created_at", "yesterday"), ("role", None), ("metadata", [1]), ("content", "text"),
              ("display", "maybe"), ("thread_id", ...)],
    Item: [("id", None), ("role", 3), ("status", {"a": 1}), ("id", ...)],
}


@st.composite
def wire_object(draw, model, n):
    """A JSON object of `model`'s kind: known fields in any order, unknown ones mixed in."""
    if model is Message:
        known = {"id": f"message_{n}", "object": "thread.message", "created_at": draw(st.integers(0, 2**45)),
                 "thread_id": "thread_p", "role": draw(st.sampled_from(["user", "assistant"])),
                 "content": draw(st.lists(PART | JSON, max_size=3)),
                 "metadata": draw(st.dictionaries(KEYS, TEXT, max_size=3) | st.none()), "from": draw(TEXT)}
    else:
        known = {"id": f"msg_{n}", "type": "message", "role": draw(st.sampled_from(["user", "assistant"])),
                 "content": draw(st.lists(PART | JSON, max_size=3) | TEXT), "status": "completed"}
    names = set(model.model_fields) | {f.alias for f in model.model_fields.values() if f.alias} | {"raw"}
    unknown = draw(st.dictionaries(KEYS.filter(lambda k: k not in names), JSON, max_size=3))
    keys = draw(st.permutations([*known, *unknown]))
    return {key: known[key] if key in known else unknown[key] for key in keys}


@st.composite
def page(draw, model):
    """A page as served and decoded, and the position of its broken object (None if all are valid)."""
    objects = [draw(wire_object(model, n)) for n in range(draw(st.integers(0, 8)))]
    bad = draw(st.none() | st.integers(0, len(objects) - 1)) if objects else None
    if bad is not None:
        field, value = draw(st.sampled_from(BREAKS[model]))
        if value is ...:
            del objects[bad][field]
        else:
            objects[bad][field] = value
    served = json.dumps(objects, ensure_ascii=draw(st.booleans())).encode()
    return decode_json(served), bad


def one_by_one(model, objects, operation):
    """The old path: each object parsed on its own; the models before an error, and the error."""
    models = []
    try:
        for data in objects:
            models.append(parse_wire(model, data, operation))
    except ProtocolError as exc:
        return models, str(exc)
    return models, None


def paged(model, objects, operation):
    models = []
    try:
        for obj in parse_page(model, objects, operation):
            models.append(obj)
    except ProtocolError as exc:
        return models, str(exc)
    return models, None


@settings(max_examples=150, deadline=None, derandomize=True)
@given(model=st.sampled_from([Message, Item]), data=st.data())
def test_a_page_parsed_at_once_equals_each_object_parsed_alone(model, data):
    objects, bad = data.draw(page(model))
    old, old_error = one_by_one(model, objects, "list p")
    new, new_error = paged(model, objects, "list p")
    assert new_error == old_error
    assert (new_error is None) == (bad is None)
    assert len(new) == len(old) == (len(objects) if bad is None else bad)
    for fast, slow, sent in zip(new, old, objects, strict=False):
        assert type(fast) is model
        assert fast == slow
        assert fast.model_extra == slow.model_extra
        assert fast.to_wire() == slow.to_wire()
        assert fast.raw is sent  # the object as decoded, not a copy
        assert json.dumps(fast.raw) == json.dumps(slow.raw)  # key order included


def serve(pages):
    """A list endpoint answering `pages` (lists of objects) in turn, cursors after the data."""

    def handler(request):
        index = int(request.url.params.get("after", "-1").rsplit("_", 1)[-1]) + 1
        body = {"object": "list", "data": pages[index], "first_id": None, "last_id": f"page_{index}",
                "has_more": index + 1 < len(pages)}
        return httpx.Response(200, content=json.dumps(body, ensure_ascii=False).encode())

    return httpx.MockTransport(handler)


@pytest.mark.parametrize("model", [Message, Item])
def test_a_bad_object_on_a_later_page_ends_the_walk_after_the_good_ones_with_the_same_error(model):
    good = {"id": "a_1", "object": "thread.message", "created_at": 1, "thread_id": "t", "role": "user",
            "content": [{"type": "text", "text": {"value": "héllo 👋", "annotations": []}}], "x-new": {"k": [1]}}
    bad = {**good, "id": "a_2", "created_at": "soon"} if model is Message else {**good, "id": "a_2", "role": 5}
    pages = [[good] * 3, [good, bad, good]]
    operation = "list messages of t" if model is Message else "list items of t"
    with pytest.raises(ProtocolError) as expected:
        parse_wire(model, bad, operation)

    async def walk():
        seen = []
        async with DashScopeClient(api_key="k", base_url="http://page.test/api/v1", transport=serve(pages)) as client:
            walker = client.iter_messages("t", page_size=3) if model is Message else client.iter_items("t", page_size=3)
            with pytest.raises(ProtocolError) as raised:
                async for obj in walker:
                    seen.append(obj)
        return seen, raised.value

    seen, error = asyncio.run(walk())
    assert [obj.raw for obj in seen] == [good] * 4
    assert seen[0].model_extra["x-new"] == {"k": [1]}
    assert str(error) == str(expected.value)


def test_the_page_walks_give_the_pages_the_object_walks_flatten():
    objects = [{"id": f"m_{n}", "object": "thread.message", "created_at": n, "thread_id": "t", "role": "user",
                "content": []} for n in range(7)]
    pages = [objects[:3], objects[3:6], objects[6:]]

    async def walk(kind):
        async with DashScopeClient(api_key="k", base_url="http://page.test/api/v1", transport=serve(pages)) as client:
            if kind == "pages":
                return [page async for page in client.iter_message_pages("t", page_size=3)] + \
                    [page async for page in client.iter_item_pages("c", page_size=3)]
            return [[obj async for obj in client.iter_raw_messages("t", page_size=3)],
                    [obj async for obj in client.iter_raw_items("c", page_size=3)]]

    assert asyncio.run(walk("pages")) == pages + pages
    assert asyncio.run(walk("objects")) == [objects, objects]
