"""`u` by its key: only the open thread's or conversation's edits, and an earlier run's edit asks first (newcomer #1)."""

from tui.emulator.demo import ORDER_BOT
from tui.emulator.demo_conversations import METADATA, SUPPORT_CHAT
from tui.screens.browser import BrowserScreen
from tui.screens.choice import ChoiceScreen

SIZE = (120, 40)


async def press(h, pilot, *keys):
    await pilot.press(*keys)
    await h.settle(pilot)


async def edit_conversation(h, pilot):
    """E on the open conversation, a new pair topic=demo, ctrl+s, enter on the diff."""
    await press(h, pilot, "E", "ctrl+n", *"topic", "tab", *"demo", "ctrl+s", "enter")
    assert isinstance(h.app.screen, BrowserScreen)


async def test_u_in_another_thread_leaves_an_earlier_runs_conversation_edit_alone(make_harness):
    h = make_harness(open_thread=SUPPORT_CHAT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await edit_conversation(h, pilot)
    edited = {**METADATA[SUPPORT_CHAT], "topic": "demo"}
    later = make_harness(open_thread=ORDER_BOT)  # the order thread, never edited
    async with later.app.run_test(size=SIZE) as pilot:
        await later.settle(pilot)
        thread_before = (await later.client.retrieve_thread(ORDER_BOT)).metadata_dict
        await press(later, pilot, "u")
        assert isinstance(later.app.screen, BrowserScreen)
        assert "Nothing to undo in this thread." in later.notices()
        assert (await later.client.retrieve_conversation(SUPPORT_CHAT)).metadata_dict == edited
        assert (await later.client.retrieve_thread(ORDER_BOT)).metadata_dict == thread_before


async def test_u_on_an_earlier_runs_edit_names_it_enter_keeps_and_u_undoes(make_harness):
    h = make_harness(open_thread=SUPPORT_CHAT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await edit_conversation(h, pilot)
    later = make_harness(open_thread=SUPPORT_CHAT)
    async with later.app.run_test(size=SIZE) as pilot:
        await later.settle(pilot)
        await press(later, pilot, "u")
        question = later.app.screen
        assert isinstance(question, ChoiceScreen)
        assert question.title_text == f"Undo an edit made before this session, of conversation {SUPPORT_CHAT}?"
        assert "- topic (was demo)" in str(question.query_one("#choice-body").render())
        assert str(question.query_one("#choice-keys").render()).startswith("k Keep it (enter)   u Undo it")
        await press(later, pilot, "enter")
        assert (await later.client.retrieve_conversation(SUPPORT_CHAT)).metadata_dict["topic"] == "demo"
        await press(later, pilot, "u", "u")
        assert (await later.client.retrieve_conversation(SUPPORT_CHAT)).metadata_dict == METADATA[SUPPORT_CHAT]
        assert f"Restored the metadata of conversation {SUPPORT_CHAT} (removed topic)." in later.notices()


async def test_u_right_after_an_edit_here_undoes_it_without_asking(make_harness):
    h = make_harness(open_thread=SUPPORT_CHAT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await edit_conversation(h, pilot)
        await press(h, pilot, "u")
        assert isinstance(h.app.screen, BrowserScreen)
        assert (await h.client.retrieve_conversation(SUPPORT_CHAT)).metadata_dict == METADATA[SUPPORT_CHAT]
