"""ctrl+c with input the server has not got asks first, whatever question is open over it (item 19)."""

from textual.widgets import TextArea

from tests.write.test_metadata_editor import START, edit_keep_change_drop_add, open_editor, server_metadata
from tui.emulator.demo import ORDER_BOT
from tui.screens.choice import ChoiceScreen, QuitQuestion
from tui.screens.compose import ComposeScreen
from tui.screens.metadata_editor import MetadataEditor

SIZE = (120, 40)


async def ctrl_c_asks_then_k_goes_back(h, pilot, expected_screen) -> None:
    await pilot.press("ctrl+c")
    await h.settle(pilot)
    assert h.app.is_running and isinstance(h.app.screen, QuitQuestion)
    await pilot.press("k")
    await h.settle(pilot)
    assert h.app.screen is expected_screen


async def test_ctrl_c_at_the_stale_edit_question_asks_and_a_second_ctrl_c_quits(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        message_id, editor = await open_editor(h, pilot)
        await h.client.modify_message(ORDER_BOT, message_id, metadata={**START, "reviewer": "bob"})
        await edit_keep_change_drop_add(h, pilot, editor)
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        await pilot.press("enter")  # the diff
        await h.settle(pilot)
        conflict = h.app.screen
        assert isinstance(conflict, ChoiceScreen) and "changed on the server" in conflict.title_text
        await ctrl_c_asks_then_k_goes_back(h, pilot, conflict)
        await pilot.press("ctrl+c")
        await h.settle(pilot)
        await pilot.press("ctrl+c")  # the second ctrl+c answers the quit question
        await h.settle(pilot)
        assert not h.app.is_running
    assert await server_metadata(h, message_id) == {**START, "reviewer": "bob"}  # nothing was sent


async def test_ctrl_c_at_the_diff_confirmation_asks(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        message_id, editor = await open_editor(h, pilot)
        await edit_keep_change_drop_add(h, pilot, editor)
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        diff = h.app.screen
        assert isinstance(diff, ChoiceScreen)
        await ctrl_c_asks_then_k_goes_back(h, pilot, diff)
        await pilot.press("escape")
        await h.settle(pilot)
        assert h.app.screen is editor
    assert await server_metadata(h, message_id) == START


async def test_ctrl_c_in_the_raw_json_editor_with_a_change_asks(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        _, editor = await open_editor(h, pilot)
        await pilot.press("ctrl+r")
        await h.settle(pilot)
        assert editor.raw_mode
        editor.query_one("#editor-raw", TextArea).focus()
        await pilot.press("end", *" ")  # whitespace only: nothing changed, so no question
        await pilot.pause()
        area = editor.query_one("#editor-raw", TextArea)
        area.text = area.text.replace('"old"', '"new"')
        await h.settle(pilot)
        await ctrl_c_asks_then_k_goes_back(h, pilot, editor)
        assert isinstance(h.app.screen, MetadataEditor) and editor.raw_mode


async def test_ctrl_c_in_compose_with_text_and_at_its_discard_question_asks(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("c")
        await h.settle(pilot)
        compose = h.app.screen
        assert isinstance(compose, ComposeScreen)
        await pilot.press(*"not sent yet")
        await pilot.pause()
        await ctrl_c_asks_then_k_goes_back(h, pilot, compose)
        await pilot.press("escape")
        await h.settle(pilot)
        discard = h.app.screen
        assert isinstance(discard, ChoiceScreen) and discard.title_text.startswith("Discard")
        await ctrl_c_asks_then_k_goes_back(h, pilot, discard)
        assert compose.query_one("#compose-text", TextArea).text == "not sent yet"
