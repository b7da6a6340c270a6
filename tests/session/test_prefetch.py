"""Pages ahead of a key: `n` or `p` after the prefetch landed, or back to the page just left, asks
the server nothing; what it shows is still the server's own run of entries."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tui.api import DashScopeClient
from tui.api.errors import TransportError
from tui.emulator import create_app
from tui.emulator.demo import AGENT_LOOP
from tui.session import Session, ThreadSource

SIZE = 50


class CountingTransport(httpx.AsyncBaseTransport):
    """The emulator's transport, recording every request."""

    def __init__(self, app) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)


@pytest.fixture
async def transport(tmp_path):
    return CountingTransport(create_app(tmp_path / "db.sqlite3", demo_data=True))


@pytest.fixture
async def client(transport):
    async with DashScopeClient(api_key="test-key", base_url="http://emulator.test/api/v1", transport=transport) as c:
        yield c


def ids(session):
    return [m.id for m in session.store.page]


async def server_page(client, session, start: int) -> list[str]:
    """The `SIZE` entries from position `start` in the order on show, as the server lists them."""
    listed = [m.id async for m in client.iter_messages(AGENT_LOOP, order=session.store.order, page_size=100)]
    return listed[start:start + SIZE]


@pytest.mark.parametrize("order", ["desc", "asc"])
async def test_back_to_the_page_just_left_sends_no_request(client, transport, order):
    session = Session(ThreadSource(client, AGENT_LOOP), page_size=SIZE, order=order)
    await session.first()
    await session.next_page()
    await session.next_page()  # page 3: page 2 has more above it, so it may be remembered
    transport.requests.clear()
    assert await session.prev_page()
    assert transport.requests == []
    assert ids(session) == await server_page(client, session, SIZE) and session.store.offset == SIZE
    transport.requests.clear()
    assert await session.next_page()  # and page 3 again, left by that `p`
    assert transport.requests == []
    assert ids(session) == await server_page(client, session, 2 * SIZE)


@pytest.mark.parametrize("order", ["desc", "asc"])
async def test_walking_back_each_p_after_the_prefetch_sends_no_request(client, transport, order):
    """The prefetch reads ahead the way the keys go: after `p`, the page before."""
    session = Session(ThreadSource(client, AGENT_LOOP), page_size=SIZE, order=order)
    await session.last()
    for _ in range(5):
        transport.requests.clear()
        await session.prefetch()
        assert len(transport.requests) == 1  # one page read ahead, the one `p` will show
        assert f"order={'asc' if order == 'desc' else 'desc'}" in str(transport.requests[0].url)
        transport.requests.clear()
        assert await session.prev_page()
        assert transport.requests == []
    listed = [m.id async for m in client.iter_messages(AGENT_LOOP, order=order, page_size=100)]
    assert ids(session) == listed[-6 * SIZE:-5 * SIZE]


async def test_walking_on_each_n_after_the_prefetch_sends_no_request(client, transport):
    session = Session(ThreadSource(client, AGENT_LOOP), page_size=SIZE)
    await session.first()
    for page in range(1, 6):
        transport.requests.clear()
        await session.prefetch()
        assert len(transport.requests) == 1
        transport.requests.clear()
        assert await session.next_page()
        assert transport.requests == []
        assert ids(session) == await server_page(client, session, page * SIZE)


async def test_a_prefetch_with_both_neighbours_remembered_sends_nothing(client, transport):
    session = Session(ThreadSource(client, AGENT_LOOP), page_size=SIZE)
    await session.first()
    for _ in range(3):
        await session.next_page()
        await session.prefetch()
    await session.prev_page()  # page 3: page 4 was fetched ahead, page 2 is the one just left
    transport.requests.clear()
    await session.prefetch()
    assert transport.requests == []


async def test_the_page_left_is_not_remembered_past_its_time(client, transport):
    """A page kept on leaving it is as old as its read from the server, not as the key."""
    now = [0.0]
    session = Session(ThreadSource(client, AGENT_LOOP), page_size=SIZE, clock=lambda: now[0])
    await session.first()
    await session.next_page()
    await session.next_page()  # page 3, read at 0
    now[0] = session.cache.ttl + 1  # the user read page 3 a while
    await session.next_page()  # page 4 read now, page 3 kept as read at 0: stale already
    transport.requests.clear()
    await session.prev_page()
    assert len(transport.requests) == 1


class Held:
    """Wraps a source's list_page: each read waits, after the server answered, until released."""

    def __init__(self, source) -> None:
        self.list_page = source.list_page
        self.answered = asyncio.Event()
        self.release = asyncio.Event()
        self.fail: Exception | None = None
        source.list_page = self

    async def __call__(self, **kwargs):
        page = await self.list_page(**kwargs)
        self.answered.set()
        await self.release.wait()
        fail, self.fail = self.fail, None  # one read fails, the next goes through
        if fail is not None:
            raise fail
        return page


async def test_n_while_the_read_ahead_of_its_page_is_out_waits_for_it(client, transport):
    source = ThreadSource(client, AGENT_LOOP)
    session = Session(source, page_size=SIZE)
    await session.first()
    held = Held(source)
    transport.requests.clear()
    prefetch = asyncio.create_task(session.prefetch())
    await held.answered.wait()
    key = asyncio.create_task(session.next_page())
    await asyncio.sleep(0)  # `n` is waiting on the read under way, not sending its own
    held.release.set()
    assert await key
    await prefetch
    assert len(transport.requests) == 1
    assert ids(session) == await server_page(client, session, SIZE)


@pytest.mark.parametrize("how", ["failed", "cancelled"])
async def test_n_reads_for_itself_when_the_read_ahead_it_waited_for_fails(client, transport, how):
    source = ThreadSource(client, AGENT_LOOP)
    session = Session(source, page_size=SIZE)
    await session.first()
    held = Held(source)
    prefetch = asyncio.create_task(session.prefetch())
    await held.answered.wait()
    key = asyncio.create_task(session.next_page())
    await asyncio.sleep(0)
    transport.requests.clear()
    if how == "cancelled":  # as when the browser's next read-ahead replaces this one
        prefetch.cancel()
    else:
        held.fail = TransportError("list messages", "connection reset")
    await asyncio.sleep(0)
    held.release.set()
    assert await key
    await asyncio.gather(prefetch, return_exceptions=True)
    assert len(transport.requests) == 1  # its own read
    assert ids(session) == await server_page(client, session, SIZE)


async def test_n_does_not_take_a_read_ahead_that_a_save_made_stale(client, transport):
    source = ThreadSource(client, AGENT_LOOP)
    session = Session(source, page_size=SIZE)
    await session.first()
    held = Held(source)
    prefetch = asyncio.create_task(session.prefetch())
    await held.answered.wait()  # the read-ahead holds page 2 as it was
    key = asyncio.create_task(session.next_page())
    await asyncio.sleep(0)
    second = (await client.list_messages(AGENT_LOOP, limit=1, order="desc", after=session.store.page[-1].id)).data[0]
    saved = await client.modify_message(AGENT_LOOP, second.id, metadata={"v": "new"})
    session.message_saved(saved)
    held.release.set()
    held.answered.clear()
    assert await key
    await prefetch
    assert {m.id: m.metadata_dict for m in session.store.page}[second.id] == {"v": "new"}


async def test_no_read_ahead_of_the_first_page_which_could_not_be_kept(client, transport):
    """Nothing precedes the first page, so it is never remembered: reading it ahead would be wasted."""
    session = Session(ThreadSource(client, AGENT_LOOP), page_size=SIZE)
    await session.first()
    for _ in range(3):
        await session.next_page()
        await session.prefetch()
    await session.prev_page()
    await session.prefetch()
    await session.prev_page()  # page 2, heading back: page 3 is remembered, page 1 would not be
    transport.requests.clear()
    await session.prefetch()
    assert transport.requests == []
    await session.prev_page()
    assert len(transport.requests) == 1 and session.store.offset == 0
