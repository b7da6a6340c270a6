"""The same session core behind a conversation: items page with the `after` cursor only."""

from __future__ import annotations

import httpx
import pytest

from tui.api import DashScopeClient
from tui.emulator import create_app
from tui.session import ConversationSource, Session


@pytest.fixture
async def conversation(tmp_path):
    app = create_app(tmp_path / "db.sqlite3")
    async with DashScopeClient(api_key="test-key", base_url="http://emulator.test/api/v1",
                               transport=httpx.ASGITransport(app=app)) as client:
        conv = await client.create_conversation(items=[{"role": "user", "content": f"item {i}"} for i in range(10)])
        yield client, conv.id


def texts(session):
    return [entry.text for entry in session.store.page]


async def test_a_conversation_pages_forward_back_and_flips_like_a_thread(conversation):
    client, conv_id = conversation
    newest_first = [item.text async for item in client.iter_items(conv_id, order="desc")]
    session = Session(ConversationSource(client, conv_id), page_size=3)
    await session.first()
    pages = [texts(session)]
    while session.store.can_next:
        await session.next_page()
        pages.append(texts(session))
    assert sum(pages, []) == newest_first and len(pages) == 4
    for page in reversed(pages[:-1]):
        await session.prev_page()  # the page after its first item in the other order, flipped: no `before`
        assert texts(session) == page
    await session.last()
    assert texts(session) == newest_first[-3:] and session.store.can_prev and not session.store.can_next
    session.toggle_order()
    assert texts(session) == ["item 0", "item 1", "item 2"] and session.store.position_label().startswith(
        "items 1–3 · oldest first")


async def test_a_new_item_is_shown_and_selected(conversation):
    client, conv_id = conversation
    session = Session(ConversationSource(client, conv_id), page_size=3)
    await session.first()
    outcome = await session.compose_flow().send("hello", None)
    await session.show_created(outcome.message)
    assert texts(session)[0] == "hello" and session.store.selected_id == outcome.message.id
