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
