"""Paging examples on the demo's 2,500-message thread and on growing threads, driven on the session."""

from __future__ import annotations

import httpx
import pytest

from tui.api import DashScopeClient
from tui.emulator import create_app
from tui.emulator.demo import AGENT_LOOP
from tui.session import Notice, Session, ThreadSource


@pytest.fixture
async def client(tmp_path):
    app = create_app(tmp_path / "db.sqlite3", demo_data=True)
    async with DashScopeClient(api_key="test-key", base_url="http://emulator.test/api/v1",
                               transport=httpx.ASGITransport(app=app)) as c:
        yield c


def ids(session):
    return [m.id for m in session.store.page]


async def test_walking_forward_and_back_matches_iter_messages(client):
    session = Session(ThreadSource(client, AGENT_LOOP), page_size=100)
    notices = []
    session.subscribe(notices.append)
    await session.first()
    expected = [m.id async for m in client.iter_messages(AGENT_LOOP, order="desc", page_size=100)]
    pages = [ids(session)]
    while session.store.can_next:
        await session.next_page()
        await session.prefetch()
        pages.append(ids(session))
    assert sum(pages, []) == expected and len(pages) == 25
    assert "messages 2401–2500" in session.store.position_label()
    assert not await session.next_page() and notices == [Notice("This is the last page.")]
    for page in reversed(pages[:-1]):
        await session.prev_page()
        assert ids(session) == page
    assert not session.store.can_prev and session.store.page_number == 0


async def test_last_page_then_previous_is_contiguous(client):
    session = Session(ThreadSource(client, AGENT_LOOP), page_size=50)
    oldest = [m.id async for m in client.iter_messages(AGENT_LOOP, order="asc", page_size=100)]
    await session.last()
    assert ids(session) == oldest[:50][::-1]
    assert not session.store.can_next and session.store.can_prev
    await session.prev_page()
    assert ids(session) == oldest[50:100][::-1]
    await session.first()
    assert ids(session)[0] == oldest[-1]


async def test_paging_while_the_thread_grows_never_repeats_or_loses(client):
    thread = await client.create_thread()
    original = [(await client.create_message(thread.id, f"m{i}")).id for i in range(45)]
    session = Session(ThreadSource(client, thread.id), page_size=10)
    await session.first()
    seen = ids(session)
    for step in range(6):
        await session.prefetch()
        if step in (1, 3):
            for i in range(3):
                await client.create_message(thread.id, f"new {step}.{i}")
        if not session.store.can_next:
            break
        await session.next_page()
        seen += ids(session)
    assert seen == original[::-1]
    await session.first()
    assert [m.text for m in session.store.page[:6]] == ["new 3.2", "new 3.1", "new 3.0", "new 1.2", "new 1.1", "new 1.0"]


async def test_oldest_first_with_pages_fetched_ahead_sees_every_new_message(client):
    """In oldest-first order new messages arrive at the end the pages walk towards; a page
    fetched ahead must not hide them."""
    thread = await client.create_thread()
    for i in range(25):
        await client.create_message(thread.id, f"m{i}")
    session = Session(ThreadSource(client, thread.id), page_size=10)
    await session.first()
    session.toggle_order()
    await session.first()
    seen = [m.text for m in session.store.page]
    added = 0
    while session.store.can_next:
        await session.prefetch()
        await client.create_message(thread.id, f"new {added}")  # after the next page was fetched ahead
        added += 1
        await session.next_page()
        seen += [m.text for m in session.store.page]
    expected = [m.text async for m in client.iter_messages(thread.id, order="asc")]
    assert seen == expected and added >= 2


async def test_refresh_keeps_a_selection_that_newer_messages_pushed_off_the_page(client):
    thread = await client.create_thread()
    for i in range(10):
        await client.create_message(thread.id, f"m{i}")
    session = Session(ThreadSource(client, thread.id), page_size=5)
    await session.first()
    session.select(session.store.page[-1].id)  # m5
    for i in range(3):
        await client.create_message(thread.id, f"new {i}")
    await session.refresh()
    assert session.store.selected.text == "m5"
    assert len(session.store.page) == 5 and session.store.can_prev and session.store.can_next
