"""Pages ahead of a key: `n` or `p` after the prefetch landed, or back to the page just left, asks
the server nothing; what it shows is still the server's own run of entries."""

from __future__ import annotations

import httpx
import pytest

from tui.api import DashScopeClient
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
