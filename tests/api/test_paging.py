"""iter_messages walks every page with the cursor: each message exactly once, in order, even while the thread grows."""

import asyncio

import pytest


async def test_iter_messages_yields_each_once_in_order(client):
    thread = await client.create_thread()
    ids = [(await client.create_message(thread.id, f"m{i}")).id for i in range(250)]
    seen = [m.id async for m in client.iter_messages(thread.id, order="asc", page_size=7)]
    assert seen == ids
    newest_first = [m.id async for m in client.iter_messages(thread.id, order="desc", page_size=7)]
    assert newest_first == ids[::-1]


async def test_iter_messages_while_messages_are_added(client):
    thread = await client.create_thread()
    ids = [(await client.create_message(thread.id, f"m{i}")).id for i in range(250)]
    seen = []
    async for message in client.iter_messages(thread.id, order="asc", page_size=7):
        seen.append(message.id)
        # Add while the walk is mid-thread (a message added after the last page was read can't be seen).
        if len(seen) % 20 == 0 and len(seen) <= 240:
            ids.append((await client.create_message(thread.id, f"late {len(ids)}")).id)
    # Messages added behind the cursor are reached too; nothing twice, nothing skipped.
    assert len(ids) == 262
    assert seen == ids


async def test_concurrent_writer_and_reader(client):
    thread = await client.create_thread()
    first = [(await client.create_message(thread.id, f"m{i}")).id for i in range(100)]
    written: list[str] = []

    async def writer():
        for i in range(60):
            written.append((await client.create_message(thread.id, f"w{i}")).id)
            await asyncio.sleep(0)

    async def reader():
        return [m.id async for m in client.iter_messages(thread.id, order="asc", page_size=9)]

    _, seen = await asyncio.gather(writer(), reader())
    assert len(set(seen)) == len(seen)
    # Every message that existed when the walk began is there, in order, and what was
    # written during the walk appears in the order it was written.
    assert seen[:100] == first
    assert seen[100:] == written[: len(seen) - 100]


async def test_metadata_filter_pages(client):
    thread = await client.create_thread()
    tagged = []
    for i in range(30):
        meta = {"kind": "bug"} if i % 3 == 0 else {"kind": "chat"}
        message = await client.create_message(thread.id, f"m{i}", metadata=meta)
        if i % 3 == 0:
            tagged.append(message.id)
    seen = [m.id async for m in client.iter_messages(thread.id, page_size=4, metadata={"kind": "bug"})]
    assert seen == tagged


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_before_cursor_pages_backwards(client, order):
    thread = await client.create_thread()
    ids = [(await client.create_message(thread.id, f"m{i}")).id for i in range(10)]
    ordered = ids if order == "asc" else ids[::-1]
    page = await client.list_messages(thread.id, order=order, before=ordered[6], limit=3)
    assert [m.id for m in page.data] == ordered[3:6]
    assert page.first_id == ordered[3] and page.last_id == ordered[5]


# -- the next page goes out while this one is decoded and consumed ----------------------------


def test_peek_next_cursor_reads_the_cursor_from_either_end_of_the_bytes():
    from tui.api.calls import peek_next_cursor

    data = b'[' + b",".join(b'{"id":"message_%d","content":"x"}' % i for i in range(50)) + b"]"
    assert peek_next_cursor(b'{"object":"list","data":' + data + b',"first_id":"message_0","last_id":"message_49","has_more":true}') == "message_49"
    assert peek_next_cursor(b'{"has_more": true, "last_id": "message_49", "data": ' + data + b"}") == "message_49"
    assert peek_next_cursor(b'{"data":' + data + b',"last_id":"message_49","has_more":false}') is None
    assert peek_next_cursor(b'{"data":[],"has_more":true}') is None
    assert peek_next_cursor(b"<html>502 Bad Gateway</html>") is None


async def test_a_wrong_cursor_guess_is_dropped_and_nothing_is_skipped():
    """Cursors before `data`, and a first message whose plugin_call looks like a cursor:
    the guess read from the bytes is wrong; the walk must still be exact."""
    import json

    import httpx

    from tui.api import DashScopeClient

    ids = [f"message_{i:04d}" for i in range(25)]
    asked: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        after = request.url.params.get("after")
        asked.append(after)
        if after is not None and after not in ids:
            return httpx.Response(400, json={"code": "InvalidParameter", "message": "after: no such message", "request_id": "r"})
        start = 0 if after is None else ids.index(after) + 1
        chunk = ids[start : start + 10]
        has_more = start + 10 < len(ids)
        data = [{"id": i, "object": "thread.message", "created_at": 1, "thread_id": "thread_x", "role": "user",
                 "content": [], "plugin_call": {"has_more": True, "last_id": "message_bogus"}} for i in chunk]
        body = {"object": "list", "first_id": chunk[0], "last_id": chunk[-1], "has_more": has_more, "data": data}
        return httpx.Response(200, content=json.dumps(body).encode())

    async with DashScopeClient(api_key="k", base_url="http://test/api/v1", transport=httpx.MockTransport(handler)) as client:
        seen = [m.id async for m in client.iter_messages("thread_x", page_size=10)]
    assert seen == ids
    assert "message_bogus" in asked  # the guess was tried, and its 400 dropped quietly
    assert [a for a in asked if a != "message_bogus"] == [None, "message_0009", "message_0019"]


async def test_next_page_is_on_the_wire_before_this_page_is_consumed(live_server):
    import httpx

    from tui.api import DashScopeClient

    server = live_server()
    started: list[str | None] = []

    class Recording(httpx.AsyncHTTPTransport):
        async def handle_async_request(self, request):
            if request.method == "GET":
                started.append(request.url.params.get("after"))
            return await super().handle_async_request(request)

    async with DashScopeClient(api_key="k", base_url=server.base_url, transport=Recording()) as client:
        thread = await client.create_thread()
        for i in range(25):
            await client.create_message(thread.id, f"m{i}")
        requests_at_each_page_start = []
        count = 0
        async for _ in client.iter_messages(thread.id, page_size=10):
            if count % 10 == 0:
                requests_at_each_page_start.append(len(started))
            count += 1
    assert count == 25
    # When the first message of a page is handed out, the next page has been asked for.
    assert requests_at_each_page_start == [2, 3, 3]


async def test_a_prefetch_that_cannot_go_out_yet_is_not_spun_on():
    """A transport that holds the second request (a retry backoff, a slow proxy): the first
    page is still handed out, and the walk finishes once the request is released."""
    import json

    import httpx

    from tui.api import DashScopeClient

    release = asyncio.Event()
    ids = [f"message_{i}" for i in range(4)]

    async def handler(request: httpx.Request) -> httpx.Response:
        after = request.url.params.get("after")
        if after is not None:
            await release.wait()
        chunk = ids[:2] if after is None else ids[2:]
        body = {"object": "list", "data": [{"id": i, "created_at": 1, "thread_id": "thread_x", "role": "user"} for i in chunk],
                "first_id": chunk[0], "last_id": chunk[-1], "has_more": after is None}
        return httpx.Response(200, content=json.dumps(body).encode())

    async def walk() -> list[str]:
        seen = []
        async with DashScopeClient(api_key="k", base_url="http://t/api/v1", transport=httpx.MockTransport(handler)) as client:
            async for message in client.iter_messages("thread_x", page_size=2):
                seen.append(message.id)
                if len(seen) == 2:
                    release.set()  # only reachable if the first page was handed out
        return seen

    assert await asyncio.wait_for(walk(), timeout=30) == ids  # the timeout only guards against a hang
