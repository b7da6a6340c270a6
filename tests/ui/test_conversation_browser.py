"""A conversation in the same browser: ledger, o, paging, detail, search, copy, order, refresh, N."""

import ast

from textual.widgets import DataTable

from tests.ui.test_browser import detail_text
from tui.emulator.demo import DEMO_THREADS
from tui.emulator.demo_conversations import CN_CHAT, LONG_CHAT, LONG_SIZE, SUPPORT_CHAT
from tui.screens.browser import BrowserScreen
from tui.screens.choice import ChoiceScreen
from tui.screens.ledger import LedgerScreen
from tui.widgets.status_bar import StatusBar

SIZE = (120, 40)


async def press(h, pilot, *keys):
    await pilot.press(*keys)
    await h.settle(pilot)


async def test_enter_on_a_conversation_in_the_ledger_opens_its_items(make_harness):
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await press(h, pilot, *["j"] * len(DEMO_THREADS), "enter")  # the first conversation, after the threads
        assert h.store.thread_id == SUPPORT_CHAT
        assert [e.role for e in h.store.page] == ["user", "assistant", "user", "assistant", "user", "developer",
                                                  "system"]
        status = str(h.browser.query_one(StatusBar).render())
        assert "Conversations API" in status and "embedded emulator" in status
        text = detail_text(h.browser)
        assert "role         user" in text and "1. input_text" in text and "Thanks!" in text


async def test_o_takes_a_conversation_id_and_paging_matches_iter_items(make_harness):
    h = make_harness(page_size=100)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await press(h, pilot, "o", *LONG_CHAT, "enter")
        assert isinstance(h.app.screen, BrowserScreen) and h.store.thread_id == LONG_CHAT
        seen = []
        while True:
            seen += [e.id for e in h.store.page]
            if not h.store.can_next:
                break
            await press(h, pilot, "n")
        assert seen == [i.id async for i in h.client.iter_items(LONG_CHAT, order="desc")]
        assert len(seen) == LONG_SIZE
        await press(h, pilot, "s")  # the same entries the other way up
        assert h.store.position_label() == "items 1–100 · oldest first · more below"  # the oldest 100, oldest first


async def test_search_order_refresh_and_filter_on_items(make_harness):
    h = make_harness(open_thread=CN_CHAT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await press(h, pilot, "slash", *"税号", "enter")
        assert "税号" in h.store.selected.text
        selected = h.store.selected_id
        await press(h, pilot, "s")
        assert h.store.order == "asc" and h.store.selected_id == selected
        await h.client.create_items(CN_CHAT, [{"role": "assistant", "content": "还有其他问题吗？"}])
        await press(h, pilot, "R")
        assert h.store.page[-1].text == "还有其他问题吗？" and h.store.selected_id == selected
        await press(h, pilot, "f")
        assert isinstance(h.app.screen, BrowserScreen)
        assert "Items carry no metadata to filter on; / searches the loaded items." in h.notices()


async def test_copy_menu_gives_the_item_the_conversation_curl_and_an_openai_snippet(make_harness, no_system_clipboard):
    h = make_harness(open_thread=SUPPORT_CHAT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        item = h.store.selected
        copied = {}
        for number in "123456":
            await press(h, pilot, "y", number)
            copied[number] = h.app.clipboard
        assert copied["1"] == item.id and copied["2"] == SUPPORT_CHAT and copied["3"] == item.text
        assert f"/compatible-mode/v1/conversations/{SUPPORT_CHAT}/items/{item.id}" in copied["5"]
        assert "$DASHSCOPE_API_KEY" in copied["5"]
        snippet = copied["6"]
        ast.parse(snippet)  # it is Python
        assert "from openai import OpenAI" in snippet and "dashscope" not in snippet
        assert f"client.conversations.items.retrieve({item.id!r}, conversation_id={SUPPORT_CHAT!r})" in snippet


async def test_hostile_item_text_is_shown_inert(make_harness):
    h = make_harness(open_thread=SUPPORT_CHAT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await h.client.create_items(SUPPORT_CHAT, [{"role": "user", "content": "a\x1b]52;c;aGk=\x07b [bold]x[/]"}])
        await press(h, pilot, "R", "k")  # refresh keeps the selection; the new item is above it
        assert h.store.selected_index == 0
        text = detail_text(h.browser)
        assert "a␛]52;c;aGk=␇b [bold]x[/]" in text and "\x1b" not in text


async def test_N_asks_which_and_creates_a_conversation(make_harness):
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        assert isinstance(h.app.screen, LedgerScreen)
        await press(h, pilot, "N")
        assert isinstance(h.app.screen, ChoiceScreen) and h.app.screen.title_text == "Create a new…"
        await press(h, pilot, "c")
        conversation_id = h.store.thread_id
        assert conversation_id.startswith("conv_") and h.store.page == []
        assert (await h.client.retrieve_conversation(conversation_id)).id == conversation_id
        await press(h, pilot, "escape")
        table = h.app.screen.query_one(DataTable)
        assert conversation_id in [row.value for row in table.rows]
        assert str(table.get_cell(conversation_id, "kind")) == "conv"


async def test_delete_is_no_key_in_a_thread_and_from_the_palette_only_explains(make_harness):
    from tui.emulator.demo import ORDER_BOT
    from tui.widgets.key_bar import KeyBar

    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        shown, _ = h.browser.query_one(KeyBar).keys()
        assert "Delete item" not in [key.description for key in shown]
        before = [m.id async for m in h.client.iter_messages(ORDER_BOT)]
        await press(h, pilot, "D")
        [command] = [c for c in h.app.get_system_commands(h.browser) if c.title == "Delete item"]
        command.callback()
        await h.settle(pilot)
        assert "D deletes conversation items; a thread's messages cannot be deleted." in h.notices()
        assert [m.id async for m in h.client.iter_messages(ORDER_BOT)] == before
