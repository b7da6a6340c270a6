"""enter never destroys: in every question whose answer cannot be taken back, enter keeps (newcomer #2)."""

from tui.emulator.demo import DEMO_THREADS, ORDER_BOT
from tui.emulator.demo_conversations import SUPPORT_CHAT
from tui.ledger import ThreadLedger
from tui.screens.browser import BrowserScreen
from tui.screens.choice import ChoiceScreen
from tui.screens.compose import ComposeScreen
from tui.screens.ledger import LedgerScreen
from tui.screens.metadata_editor import MetadataEditor

SIZE = (120, 40)


async def press(h, pilot, *keys):
    await pilot.press(*keys)
    await h.settle(pilot)


def keys_line(h) -> str:
    return str(h.app.screen.query_one("#choice-keys").render())


async def test_enter_at_delete_item_keeps_the_item_and_d_deletes(make_harness):
    h = make_harness(open_thread=SUPPORT_CHAT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        doomed = h.store.selected
        await press(h, pilot, "D")
        assert isinstance(h.app.screen, ChoiceScreen) and keys_line(h).startswith("k Keep it (enter)   d Delete")
        await press(h, pilot, "enter")
        assert isinstance(h.app.screen, BrowserScreen)
        assert doomed.id in [i.id async for i in h.client.iter_items(SUPPORT_CHAT)]
        await press(h, pilot, "D", "d")
        assert doomed.id not in [i.id async for i in h.client.iter_items(SUPPORT_CHAT)]


async def test_enter_at_discard_this_message_keeps_writing(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await press(h, pilot, "c", *"draft", "escape")
        assert isinstance(h.app.screen, ChoiceScreen) and keys_line(h).startswith("k Keep writing (enter)")
        await press(h, pilot, "enter")
        compose = h.app.screen
        assert isinstance(compose, ComposeScreen) and compose.query_one("TextArea").text == "draft"
        await press(h, pilot, "escape", "d")
        assert isinstance(h.app.screen, BrowserScreen)


async def test_enter_at_discard_your_changes_keeps_editing(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await press(h, pilot, "e", "ctrl+n", *"mine")
        editor = h.app.screen
        assert isinstance(editor, MetadataEditor)
        await press(h, pilot, "escape")
        assert isinstance(h.app.screen, ChoiceScreen) and keys_line(h).startswith("k Keep editing (enter)")
        await press(h, pilot, "enter")
        assert h.app.screen is editor and editor.has_unsaved()
        await press(h, pilot, "escape", "d")
        assert isinstance(h.app.screen, BrowserScreen)


async def test_enter_at_forget_the_pinned_keeps_it(make_harness):
    pinned = DEMO_THREADS[0][0]
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await press(h, pilot, "x", "d")
        assert isinstance(h.app.screen, ChoiceScreen) and keys_line(h).startswith("k Keep it (enter)")
        await press(h, pilot, "enter")
        assert isinstance(h.app.screen, LedgerScreen)
        assert ThreadLedger(h.settings.ledger_path, h.settings.backend_id).get(pinned).pinned
