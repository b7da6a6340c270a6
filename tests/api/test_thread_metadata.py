"""`modify_thread` replaces a thread's metadata (never a merge; `{}` clears), sends exactly the map
it is given, and refuses what breaks the 16/64/512 rules before anything is sent."""

import json

import httpx
import pytest

from tests.conftest import TEST_BASE_URL
from tui.api import DashScopeClient, NotFoundError, ValidationError

SEVENTEEN = {f"k{i}": "v" for i in range(17)}
LONG_KEY = "k" * 65
FULL = {f"{i:02d}" + "k" * 62: "v" * 512 for i in range(16)}


async def test_modify_thread_replaces_and_the_server_holds_the_new_map(client):
    thread = await client.create_thread(metadata={"a": "1", "b": "2"})
    changed = await client.modify_thread(thread.id, metadata={"b": "changed", "c": "3"})
    assert changed.id == thread.id and changed.metadata == {"b": "changed", "c": "3"}
    assert (await client.retrieve_thread(thread.id)).metadata == {"b": "changed", "c": "3"}


async def test_modify_thread_with_an_empty_map_clears(client):
    thread = await client.create_thread(metadata={"a": "1"})
    assert (await client.modify_thread(thread.id, metadata={})).metadata == {}
    assert (await client.retrieve_thread(thread.id)).metadata == {}


async def test_the_limits_themselves_round_trip(client):
    thread = await client.create_thread()
    assert (await client.modify_thread(thread.id, metadata=FULL)).metadata == FULL
    assert (await client.retrieve_thread(thread.id)).metadata == FULL


async def test_a_thread_that_is_not_there_is_not_found(client):
    with pytest.raises(NotFoundError) as info:
        await client.modify_thread("thread_missing", metadata={"a": "1"})
    assert "HTTP 404 NotFound: thread thread_missing not found" in str(info.value)


async def test_the_request_is_one_post_of_exactly_the_given_map():
    sent = []

    def answer(request):
        sent.append(request)
        return httpx.Response(200, json={"id": "thread_a", "object": "thread", "created_at": 1,
                                         "metadata": json.loads(request.content)["metadata"]})

    async with DashScopeClient(api_key="k", base_url=TEST_BASE_URL, transport=httpx.MockTransport(answer)) as client:
        await client.modify_thread("thread_a", metadata={"only": "this"})
        await client.modify_thread("thread_a", metadata={})
    assert [(r.method, r.url.path) for r in sent] == [("POST", "/api/v1/threads/thread_a")] * 2  # no read-and-merge
    assert [json.loads(r.content) for r in sent] == [{"metadata": {"only": "this"}}, {"metadata": {}}]


def never_called(request):
    raise AssertionError(f"nothing should be sent, but {request.method} {request.url} was")


@pytest.mark.parametrize(("metadata", "field", "message"), [
    (SEVENTEEN, "metadata", "metadata has 17 pairs; at most 16 are allowed"),
    ({LONG_KEY: "v"}, f"metadata.{LONG_KEY}", f"metadata key {LONG_KEY[:20]!r}… is 65 characters; at most 64 are allowed"),
    ({"big": "v" * 513}, "metadata.big", "metadata value of 'big' is 513 characters; at most 512 are allowed"),
    ({"n": 1}, "metadata.n", "metadata value of 'n' must be a string, not int"),
    ({"": "v"}, "metadata.", "metadata keys must be non-empty strings"),
], ids=["17-pairs", "65-key", "513-value", "number", "empty-key"])
async def test_what_breaks_the_rules_is_refused_before_sending(metadata, field, message):
    async with DashScopeClient(api_key="k", base_url=TEST_BASE_URL, transport=httpx.MockTransport(never_called)) as c:
        with pytest.raises(ValidationError) as info:
            await c.modify_thread("thread_a", metadata=metadata)
    assert (info.value.field, info.value.message) == (field, message)
