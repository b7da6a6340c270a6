"""Text typed and ctrl+s in one input burst (a paste, a fast typist, a loaded machine): the whole text is sent.

The keys are posted to the app at once, as the terminal driver does with one read of input,
instead of one by one with a pause between them as the pilot's `press` does.
"""

from textual import events

from tui.emulator.demo import EMPTY, ORDER_BOT
from tui.emulator.demo_conversations import EMPTY_CHAT
from tui.screens.compose import ComposeScreen
from tui.screens.metadata_editor import MetadataEditor

SIZE = (120, 40)


def burst(app, *keys: str) -> None:
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


async def test_compose_text_then_ctrl_s_in_one_burst_sends_the_whole_text(make_harness):
    h = make_harness(open_thread=EMPTY)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("c")
        await h.settle(pilot)
        assert isinstance(h.app.screen, ComposeScreen)
        burst(h.app, *"Is it shipped yet?", "ctrl+s")
        await h.settle(pilot)
        sent = [m.text async for m in h.client.iter_messages(EMPTY, order="asc")]
        assert sent == ["Is it shipped yet?"], h.notices()


async def test_a_new_item_then_ctrl_s_in_one_burst_sends_the_whole_text(make_harness):
    h = make_harness(open_thread=EMPTY_CHAT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("c")
        await h.settle(pilot)
        burst(h.app, *"Is it shipped yet?", "ctrl+s")
        await h.settle(pilot)
        items = [item async for item in h.client.iter_items(EMPTY_CHAT, order="asc")]
        assert [item.text for item in items] == ["Is it shipped yet?"], h.notices()


async def test_an_edited_value_then_ctrl_s_in_one_burst_saves_the_whole_value(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        message_id = h.store.selected_id
        await pilot.press("e")
        await h.settle(pilot)
        assert isinstance(h.app.screen, MetadataEditor)
        await pilot.press("ctrl+n")
        await h.settle(pilot)
        burst(h.app, *"k", "tab", *"value", "ctrl+s")
        await h.settle(pilot)
        await pilot.press("enter")  # the diff
        await h.settle(pilot)
        saved = (await h.client.retrieve_message(ORDER_BOT, message_id)).metadata_dict
        assert saved.get("k") == "value", (saved, h.notices())


async def test_a_value_then_ctrl_r_in_one_burst_shows_the_whole_value_in_the_raw_json(make_harness):
    from textual.widgets import TextArea

    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("e")
        await h.settle(pilot)
        editor = h.app.screen
        await pilot.press("ctrl+n")
        await h.settle(pilot)
        burst(h.app, *"k", "tab", *"value", "ctrl+r")
        await h.settle(pilot)
        assert editor.raw_mode and '"k": "value"' in editor.query_one("#editor-raw", TextArea).text


async def test_enter_on_the_diff_and_ctrl_c_in_one_burst_ask_about_the_save_on_its_way(make_harness):
    from tui.screens.choice import ChoiceScreen, QuitQuestion

    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        message_id = h.store.selected_id
        await pilot.press("e")
        await h.settle(pilot)
        editor = h.app.screen
        await pilot.press("ctrl+n")
        await h.settle(pilot)
        await pilot.press(*"landed", "tab", *"yes", "ctrl+s")
        await h.settle(pilot)
        assert isinstance(h.app.screen, ChoiceScreen)  # the diff
        h.set_faults("update:delay=0.5s")
        burst(h.app, "enter", "ctrl+c")
        for _ in range(100):
            if isinstance(h.app.screen, QuitQuestion):
                break
            await pilot.pause()
        assert h.app.screen.title_text == "A save is on its way to the server"
        assert h.app.screen_stack[-2] is editor  # the diff was answered, not left under the question
        await pilot.press("w")
        await h.settle(pilot)
    assert (await h.client.retrieve_message(ORDER_BOT, message_id)).metadata_dict.get("landed") == "yes"


async def test_two_answers_in_one_burst_answer_once(make_harness):
    from tui.screens.browser import BrowserScreen
    from tui.screens.choice import ChoiceScreen

    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("c")
        await h.settle(pilot)
        await pilot.press(*"draft", "escape")
        await h.settle(pilot)
        assert isinstance(h.app.screen, ChoiceScreen)
        burst(h.app, "k", "k")  # keep writing, twice: the second must not close compose too
        await h.settle(pilot)
        assert isinstance(h.app.screen, ComposeScreen)
        await pilot.press("escape")
        await h.settle(pilot)
        burst(h.app, "d", "d")  # discard, twice: the second must not close the browser under it
        await h.settle(pilot)
        assert isinstance(h.app.screen, BrowserScreen) and h.app.is_running
