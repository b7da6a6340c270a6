"""Jumping to a message by id on the demo's 2,500-message thread: the page around it, highlighted."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tui.api import DashScopeClient
from tui.emulator import create_app
from tui.emulator.demo import AGENT_LOOP, ORDER_BOT
from tui.session import LoadFailed, Notice, Session, ThreadSource

SIZE = 20


class CountingTransport(httpx.AsyncBaseTransport):
    """The emulator's transport, counting the requests a jump costs."""

    def __init__(self, app) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.requests: list[httpx.Request] = []
        self.events: list[str] = []  # "sent" and "answered", in the order they happened

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.events.append("sent")
        await asyncio.sleep(0)  # a network would not answer before the loop turns: let others go out
        try:
            return await self.inner.handle_async_request(request)
        finally:
            self.events.append("answered")

    def round_trips(self) -> int:
        """How many times the requests waited for answers before the next went out."""
        return sum(1 for i, event in enumerate(self.events) if event == "sent" and (i == 0 or self.events[i - 1] != "sent"))


@pytest.fixture
async def transport(tmp_path):
    return CountingTransport(create_app(tmp_path / "db.sqlite3", demo_data=True))


@pytest.fixture
async def client(transport):
    async with DashScopeClient(api_key="test-key", base_url="http://emulator.test/api/v1", transport=transport) as c:
        yield c


@pytest.fixture
async def oldest_first(client):
    return [m.id async for m in client.iter_messages(AGENT_LOOP, order="asc", page_size=100)]


def ids(session):
    return [m.id for m in session.store.page]


@pytest.mark.parametrize("order", ["desc", "asc"])
@pytest.mark.parametrize("index", [0, 1249, 2499])
async def test_jump_lands_on_a_full_page_with_the_message_highlighted(client, transport, oldest_first, order, index):
    session = Session(ThreadSource(client, AGENT_LOOP), page_size=SIZE, order=order)
    await session.first()
    target = oldest_first[index]
    transport.requests.clear()
    transport.events.clear()
    assert await session.jump_to(target)
    # The message and about half a page each way, at once; near an end (the first and the last
    # message) one side is short and the other is asked again for a whole page.
    near_an_end = index in (0, 2499)
    assert len(transport.requests) == (4 if near_an_end else 3)
    assert transport.round_trips() == (2 if near_an_end else 1)
    lists = [int(r.url.params["limit"]) for r in transport.requests[1:3]]
    assert sum(lists) == SIZE  # what the page needs, and the cursor above it
    assert session.store.selected_id == target and session.store.selected.id == target
    page = ids(session)
    assert len(page) == SIZE
    # The page is the thread's own run of entries around the target, in the order on show.
    start = min(max(0, index - (SIZE - 1) // 2), len(oldest_first) - SIZE)
    if order == "desc":
        start = min(max(0, index - SIZE // 2), len(oldest_first) - SIZE)
    expected = oldest_first[start:start + SIZE]
    assert page == (expected if order == "asc" else expected[::-1])
    top, bottom = (index == 0, index == 2499) if order == "asc" else (index == 2499, index == 0)
    assert session.store.can_prev is not top and session.store.can_next is not bottom


async def test_paging_on_from_a_jump_is_contiguous(client, oldest_first):
    session = Session(ThreadSource(client, AGENT_LOOP), page_size=SIZE, order="asc")
    await session.jump_to(oldest_first[1000])
    shown = ids(session)
    await session.next_page()
    assert ids(session) == oldest_first[oldest_first.index(shown[-1]) + 1:][:SIZE]
    await session.prev_page()
    await session.prev_page()
    assert ids(session) == oldest_first[oldest_first.index(shown[0]) - SIZE:oldest_first.index(shown[0])]
    await session.jump_to(oldest_first[1000])
    await session.refresh()
    assert ids(session) == shown and session.store.selected_id == oldest_first[1000]


async def test_an_id_not_in_the_thread_is_said_in_words_and_the_page_stays(client, oldest_first):
    session = Session(ThreadSource(client, ORDER_BOT), page_size=SIZE)
    events = []
    session.subscribe(events.append)
    await session.first()
    before = ids(session)
    assert not await session.jump_to(oldest_first[5])  # a message of another thread
    assert not await session.jump_to("msg_nope")
    headlines = [e.headline for e in events if isinstance(e, LoadFailed)]
    assert headlines == [f"Message {oldest_first[5]} is not in thread {ORDER_BOT}.",
                         f"Message msg_nope is not in thread {ORDER_BOT}."]
    assert ids(session) == before and not session.store.loading and session.store.error is None


async def test_a_filter_the_message_does_not_match_is_cleared(client):
    thread = await client.create_thread()
    tagged = [(await client.create_message(thread.id, f"t{i}", metadata={"k": "v"})).id for i in range(3)]
    plain = (await client.create_message(thread.id, "plain")).id
    session = Session(ThreadSource(client, thread.id), page_size=SIZE)
    events = []
    session.subscribe(events.append)
    await session.set_filter({"k": "v"})
    assert ids(session) == tagged[::-1]
    assert await session.jump_to(tagged[1])
    assert ids(session) == tagged[::-1] and session.store.filter == {"k": "v"}
    assert await session.jump_to(plain)
    assert session.store.filter == {} and ids(session) == [plain, *tagged[::-1]]
    assert Notice(f"The filter is cleared: message {plain} does not match it.") in events


async def test_find_then_step_through_the_matches_both_ways(client, oldest_first):
    from tui.find import parse_query

    session = Session(ThreadSource(client, AGENT_LOOP), page_size=SIZE)
    events, told = [], []
    session.subscribe(events.append)
    await session.first()
    assert not await session.step_match(1)
    found = session.new_find("status check")
    await session.run_find(parse_query("status check"), found, lambda: told.append(len(found.matches)))
    expected = [oldest_first[250 * n] for n in range(1, 10)]
    assert [m.id for m in found.matches] == expected and found.done and found.total == 2500
    assert told[-1] == 9 and found.progress_label() == "Searched all 2,500 messages · 9 matches"
    assert found.position_label(found.matches[3]) == "message 1,001 of 2,500"
    landed = []
    while await session.step_match(1):
        landed.append(session.store.selected_id)
        assert len(session.store.page) == SIZE
    assert landed == expected
    while await session.step_match(-1):
        landed.append(session.store.selected_id)
    assert landed[9:] == expected[-2::-1]
    assert [e.text for e in events if isinstance(e, Notice)] == [
        "No find yet: ctrl+f finds in the whole thread.", "No further match.", "No earlier match."]


def test_progress_while_running_and_after_a_cancel():
    from tui.find import Match, Snippet
    from tui.session.found import Found

    found = Found("x", seen=1200)
    found.matches.append(Match("message_1", 1204, "user", None, "text", Snippet("x", 0, 1)))
    assert found.progress_label() == "Searching… 1,200 messages so far · 1 match"
    assert found.position_label(found.matches[0], "item") == "item 1,204"
    found.cancelled = True
    assert found.progress_label("item") == "Cancelled after 1,200 items · 1 match"


@pytest.mark.parametrize("order", ["desc", "asc"])
async def test_jump_in_a_conversation_uses_after_both_ways(client, transport, order):
    from tui.emulator.demo_conversations import LONG_CHAT
    from tui.session import ConversationSource

    oldest = [item["id"] async for item in client.iter_raw_items(LONG_CHAT, order="asc", page_size=100)]
    session = Session(ConversationSource(client, LONG_CHAT), page_size=SIZE, order=order)
    events = []
    session.subscribe(events.append)
    for index in (0, len(oldest) // 2, len(oldest) - 1):
        transport.requests.clear()
        assert await session.jump_to(oldest[index])
        assert all("before" not in request.url.params for request in transport.requests)
        assert session.store.selected_id == oldest[index] and len(session.store.page) == SIZE
        shown = [m.id for m in session.store.page]
        start = oldest.index(shown[0] if order == "asc" else shown[-1])
        assert shown == (oldest[start:start + SIZE] if order == "asc" else oldest[start:start + SIZE][::-1])
    assert not await session.jump_to("item_nope")
    assert [e.headline for e in events if isinstance(e, LoadFailed)] == [
        f"Item item_nope is not in conversation {LONG_CHAT}."]
