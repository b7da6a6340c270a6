"""Every conversation call against the real emulator, each way a client reaches it
(httpx.ASGITransport, as the embedded demo does, and a real uvicorn socket)."""

import contextlib

import pytest

from tests.conftest import TEST_BASE_URL, LiveServer, emulator_client, no_sleep
from tui.api import (
    DashScopeClient,
    InvalidParameterError,
    NotFoundError,
    OutcomeUnknownError,
    ProtocolError,
    ThreadscopeError,
    Timeouts,
)
from tui.emulator.faults import FaultInjector


@contextlib.asynccontextmanager
async def reaching(app, route, **kwargs):
    """A client on `app` by `route`: "asgi" or "socket"."""
    kwargs.setdefault("sleep", no_sleep)
    if route == "asgi":
        async with emulator_client(app, **kwargs) as client:
            yield client
        return
    server = LiveServer(app, None)
    try:
        async with DashScopeClient(api_key="test-key", base_url=server.base_url, **kwargs) as client:
            yield client
    finally:
        server.stop()


def say(role, text):
    return {"role": role, "content": text}


async def test_every_call_round_trips(client):
    conv = await client.create_conversation(items=[say("system", "be brief"), say("user", "hi")], metadata={"a": "1", "b": "2"})
    assert conv.id.startswith("conv_") and conv.metadata == {"a": "1", "b": "2"}
    assert conv.created_at > 10**12  # milliseconds
    assert (await client.retrieve_conversation(conv.id)).raw == conv.raw

    updated = await client.update_conversation(conv.id, metadata={"b": "3"})
    assert updated.metadata == {"b": "3"}  # replaced, not merged
    assert (await client.retrieve_conversation(conv.id)).metadata == {"b": "3"}
    assert (await client.update_conversation(conv.id, metadata={})).metadata == {}

    created = await client.create_items(conv.id, [say("assistant", "ok"), {"type": "message", "role": "developer",
                                                  "content": [{"type": "input_text", "text": "dev note"}]}])
    assert [(i.role, i.text) for i in created.data] == [("assistant", "ok"), ("developer", "dev note")]
    assert created.data[0].parts == [{"type": "output_text", "text": "ok"}]
    assert created.has_more is False and "object" not in created.raw

    newest = await client.list_items(conv.id, limit=2)
    assert [i.text for i in newest.data] == ["dev note", "ok"] and newest.has_more
    following = await client.list_items(conv.id, limit=2, after=newest.last_id)
    assert [i.text for i in following.data] == ["hi", "be brief"] and not following.has_more
    oldest = await client.list_items(conv.id, order="asc", limit=3)
    assert [i.role for i in oldest.data] == ["system", "user", "assistant"]

    one = await client.retrieve_item(conv.id, created.data[0].id)
    assert one.raw == created.data[0].raw
    gone = await client.delete_item(conv.id, one.id)
    assert (gone.id, gone.object, gone.deleted) == (one.id, "conversation.item.deleted", True)
    with pytest.raises(NotFoundError) as info:
        await client.retrieve_item(conv.id, one.id)
    assert info.value.code == "not_found" and info.value.request_id

    deleted = await client.delete_conversation(conv.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (conv.id, "conversation.deleted", True)
    for call in (client.retrieve_conversation(conv.id), client.list_items(conv.id)):
        with pytest.raises(NotFoundError):
            await call


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_iter_items_yields_each_once_in_order_across_pages(client, order):
    conv = await client.create_conversation()
    texts = [f"m{i}" for i in range(47)]
    for start in range(0, len(texts), 20):
        await client.create_items(conv.id, [say("user", t) for t in texts[start:start + 20]])
    seen = [i.text async for i in client.iter_items(conv.id, order=order, page_size=6)]
    assert seen == (texts if order == "asc" else texts[::-1])


async def test_iter_items_while_items_are_added(client):
    conv = await client.create_conversation(items=[say("user", f"m{i}") for i in range(20)])
    expected = [f"m{i}" for i in range(20)]
    seen = []
    async for item in client.iter_items(conv.id, page_size=7):
        seen.append(item.text)
        # Added while the first page is read: behind the cursor, so reached (an item added once
        # the last page was fetched, which the prefetch does early, cannot be seen).
        if len(seen) in (2, 4):
            added = f"late {len(seen)}"
            await client.create_items(conv.id, [say("assistant", added)])
            expected.append(added)
    assert seen == expected


async def test_a_cursor_the_server_does_not_know_is_its_400(client):
    conv = await client.create_conversation(items=[say("user", "x")])
    with pytest.raises(InvalidParameterError) as info:
        await client.list_items(conv.id, after="msg_unknown")
    assert info.value.status == 400 and info.value.request_id


async def test_the_legacy_prefix_serves_the_same_conversations(emulator_app):
    async with emulator_client(emulator_app) as client:
        conv = await client.create_conversation(items=[say("user", "hi")])
    legacy = TEST_BASE_URL.replace("/api/v1", "/api/v2/apps/protocols/compatible-mode/v1")
    async with emulator_client(emulator_app, compat_base_url=legacy) as client:
        assert [i.text async for i in client.iter_items(conv.id)] == ["hi"]


# -- create items never doubled after a lost answer -----------------------------------------------


@pytest.mark.parametrize("route", ["asgi", "socket"])
@pytest.mark.parametrize("fault", ["lost", "drop", "500", "503", "delay=5s"])
async def test_create_items_is_never_doubled_when_its_answer_is_lost(emulator_app, route, fault):
    async with reaching(emulator_app, route) as setup:
        conv = await setup.create_conversation(items=[say("user", "before")])
    faults = FaultInjector(emulator_app, f"create_items:{fault}")
    async with reaching(faults, route, timeouts=Timeouts(connect=2, read=0.5, total=1.0)) as client:
        with pytest.raises(ThreadscopeError) as info:
            await client.create_items(conv.id, [say("user", "once")])
    assert faults.seen["create_items"] == 1
    async with reaching(emulator_app, "asgi") as check:
        texts = [i.text async for i in check.iter_items(conv.id)]
    landed = fault in ("lost", "drop")  # carried out, then the answer was lost
    assert texts == (["before", "once"] if landed else ["before"])
    if route == "asgi" and fault == "drop":  # no socket to drop: the answer is cut short instead
        assert isinstance(info.value, ProtocolError)
    else:
        assert isinstance(info.value, OutcomeUnknownError)
        assert "may have landed on the server, so it was not sent again" in str(info.value)


@pytest.mark.parametrize("route", ["asgi", "socket"])
async def test_create_conversation_is_never_doubled_when_its_answer_is_lost(emulator_app, route):
    faults = FaultInjector(emulator_app, "create_conversation:lost")
    async with reaching(faults, route) as client:
        with pytest.raises(OutcomeUnknownError) as info:
            await client.create_conversation(metadata={"probe": route})
    assert faults.seen["create_conversation"] == 1  # one request: one conversation at most
    assert info.value.status == 504 and "HTTP 504" in str(info.value)


@pytest.mark.parametrize("route", ["asgi", "socket"])
async def test_safe_conversation_calls_retry_through_faults(emulator_app, route):
    async with reaching(emulator_app, route) as setup:
        conv = await setup.create_conversation(items=[say("user", "x")])
    faults = FaultInjector(emulator_app, "list_items:503x2,get_conversation:429x1,update_conversation:500x2")
    async with reaching(faults, route) as client:
        assert [i.text for i in (await client.list_items(conv.id)).data] == ["x"]
        assert (await client.retrieve_conversation(conv.id)).id == conv.id
        assert (await client.update_conversation(conv.id, metadata={"k": "v"})).metadata == {"k": "v"}
    assert (faults.seen["list_items"], faults.seen["get_conversation"], faults.seen["update_conversation"]) == (3, 2, 3)


async def test_iter_items_asks_for_the_next_page_before_this_one_is_consumed(live_server):
    import httpx

    server = live_server()
    started: list[str | None] = []

    class Recording(httpx.AsyncHTTPTransport):
        async def handle_async_request(self, request):
            if request.method == "GET":
                started.append(request.url.params.get("after"))
            return await super().handle_async_request(request)

    async with DashScopeClient(api_key="k", base_url=server.base_url, transport=Recording()) as client:
        conv = await client.create_conversation(items=[say("user", f"m{i}") for i in range(20)])
        await client.create_items(conv.id, [say("user", f"m{i}") for i in range(20, 25)])
        at_page_start, count = [], 0
        async for _ in client.iter_items(conv.id, page_size=10):
            if count % 10 == 0:
                at_page_start.append(len(started))
            count += 1
    assert count == 25
    assert at_page_start == [2, 3, 3]  # when a page's first item is handed out, the next page was asked for


@pytest.mark.parametrize("operation", ["delete_item", "delete_conversation", "delete_thread"])
async def test_a_delete_whose_answer_was_lost_is_not_reported_as_not_found_on_the_retry(emulator_app, operation):
    async with reaching(emulator_app, "asgi") as setup:
        conv = await setup.create_conversation(items=[say("user", "x")])
        item = (await setup.list_items(conv.id)).data[0].id
        thread = await setup.create_thread()
    faults = FaultInjector(emulator_app, f"{operation}:dropx1")  # carried out, then the connection closes
    async with reaching(faults, "socket") as client:
        if operation == "delete_item":
            deleted = await client.delete_item(conv.id, item)
            assert (deleted.id, deleted.object) == (item, "conversation.item.deleted")
            with pytest.raises(NotFoundError):
                await client.retrieve_item(conv.id, item)
        elif operation == "delete_conversation":
            deleted = await client.delete_conversation(conv.id)
            assert (deleted.id, deleted.object) == (conv.id, "conversation.deleted")
        else:
            deleted = await client.delete_thread(thread.id)
            assert (deleted.id, deleted.object) == (thread.id, "thread.deleted")
        assert deleted.deleted is True
        assert faults.seen[operation] == 2  # the lost try, then the retry that found it gone
        with pytest.raises(NotFoundError):  # a plain 404, with no lost try before it, is still an error
            if operation == "delete_thread":
                await client.delete_thread(thread.id)
            else:
                await client.delete_conversation(conv.id if operation == "delete_conversation" else "conv_missing")
