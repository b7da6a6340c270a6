"""`show_around` (refresh when the kept message left the page): the entry and both sides in one round trip."""

from __future__ import annotations

import pytest

from tests.session.test_jump import CountingTransport
from tui.api import DashScopeClient
from tui.emulator import create_app
from tui.session import Session, ThreadSource


@pytest.fixture
async def transport(tmp_path):
    return CountingTransport(create_app(tmp_path / "db.sqlite3"))


@pytest.fixture
async def client(transport):
    async with DashScopeClient(api_key="test-key", base_url="http://emulator.test/api/v1", transport=transport) as c:
        yield c


async def thread_of(client, count: int, tag_every: int = 0) -> str:
    thread = await client.create_thread()
    for i in range(count):
        metadata = {"tag": "a"} if tag_every and i % tag_every == 0 else None
        await client.create_message(thread.id, f"m{i}", metadata=metadata)
    return thread.id


def texts(session: Session) -> list[str]:
    return [m.text for m in session.store.page]


async def test_refresh_finds_the_pushed_off_message_in_one_more_round_trip(client, transport):
    thread_id = await thread_of(client, 10)
    session = Session(ThreadSource(client, thread_id), page_size=5)
    await session.first()
    session.select(session.store.page[-1].id)  # m5
    for i in range(3):
        await client.create_message(thread_id, f"new {i}")
    transport.events.clear()
    transport.requests.clear()
    await session.refresh()
    # The page again (it no longer holds m5), then m5 and both its sides together.
    assert transport.round_trips() == 2 and len(transport.requests) == 4
    assert texts(session) == ["m5", "m4", "m3", "m2", "m1"] and session.store.selected.text == "m5"
    assert session.store.can_prev and session.store.can_next
    await session.prev_page()  # the cursor it keeps pages on without a gap
    assert texts(session) == ["new 2", "new 1", "new 0", "m9", "m8", "m7", "m6"][-5:]


@pytest.mark.parametrize("order, expected", [("desc", ["m4", "m3", "m2", "m1", "m0"]),
                                             ("asc", ["m5", "m6", "m7", "m8", "m9"])])
async def test_near_the_end_the_page_begins_higher_up_and_stays_full(client, transport, order, expected):
    thread_id = await thread_of(client, 10)
    session = Session(ThreadSource(client, thread_id), page_size=5, order=order)
    target = [m async for m in client.iter_messages(thread_id, order="asc")][1 if order == "desc" else 8]
    transport.events.clear()
    await session.show_around(target.id)
    assert transport.round_trips() == 1
    assert texts(session) == expected and session.store.selected_id == target.id
    assert session.store.can_prev and not session.store.can_next


async def test_a_message_gone_leaves_the_page_as_it_was(client):
    thread_id = await thread_of(client, 6)
    session = Session(ThreadSource(client, thread_id), page_size=5)
    await session.first()
    before = texts(session)
    await session.show_around("message_gone")
    assert texts(session) == before and session.store.error is None and not session.store.loading


async def test_a_message_out_of_the_filter_is_not_put_on_the_filtered_page(client):
    thread_id = await thread_of(client, 12, tag_every=2)  # m0, m2, … m10 carry tag=a
    session = Session(ThreadSource(client, thread_id), page_size=3)
    await session.set_filter({"tag": "a"})
    untagged = next(m for m in [m async for m in client.iter_messages(thread_id)] if m.text == "m5")
    await session.show_around(untagged.id)
    assert texts(session) == ["m4", "m2", "m0"]
    assert session.store.can_prev and not session.store.can_next
