"""After a jump the status says where the user is, the 404 hint talks about the id, ctrl+f is on the key bar (22)."""

from textual.widgets import Input

from tests.ui.test_find_pane import find
from tests.ui.test_key_bar import drawn
from tui.api.models import Message
from tui.emulator.demo import AGENT_LOOP
from tui.store import BrowserStore
from tui.widgets.key_bar import KeyBar
from tui.widgets.message_list import short_id
from tui.widgets.status_bar import StatusBar

SIZE = (160, 30)  # wide enough for the full status line


def status(h) -> str:
    return h.browser.query_one(StatusBar).visual.plain


async def oldest_ids(h) -> list[str]:
    return [m.id async for m in h.client.iter_messages(AGENT_LOOP, order="asc", page_size=100)]


async def test_a_jump_from_find_says_the_position_the_find_counted(make_harness):
    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await find(h, pilot, "status CHECK")
        await h.settle(pilot)
        await pilot.press("end", "enter")
        await h.settle(pilot)
        assert "around message 2,251 of 2,500 · newest first · more above · more below" in status(h)
        assert "20 messages" not in status(h)
        await pilot.press("left_square_bracket")  # the previous match: another jump
        await h.settle(pilot)
        assert "around message 2,001 of 2,500" in status(h)
        await pilot.press("n")  # paged away: the position is no longer known, and it says so
        await h.settle(pilot)
        assert "20 messages · position not counted" in status(h)


async def test_a_jump_by_id_names_the_message_it_is_around(make_harness):
    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        target = (await oldest_ids(h))[700]
        await pilot.press("o")
        await pilot.pause()
        h.app.screen.query_one(Input).value = target
        await pilot.press("enter")
        await h.settle(pilot)
        assert f"around message {short_id(target)}… · newest first" in status(h)
        await pilot.press("s")  # the same page, the other way up: still around it
        await h.settle(pilot)
        assert f"around message {short_id(target)}…" in status(h)


async def test_a_message_not_in_the_thread_says_check_the_id_not_the_region(make_harness):
    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("o")
        await pilot.pause()
        h.app.screen.query_one(Input).value = "message_not-here"
        await pilot.press("enter")
        await h.settle(pilot)
        [notice] = [n for n in h.notices() if "is not in thread" in n]
        assert "Hint: check the message id, and that it is one of this thread's" in notice
        assert "region" not in notice and "workspace" not in notice


async def test_ctrl_f_is_on_the_key_bar_at_80_columns_with_help_and_quit(make_harness):
    h = make_harness(open_thread=AGENT_LOOP)
    async with h.app.run_test(size=(80, 24)) as pilot:
        await h.settle(pilot)
        line = drawn(h.browser.query_one(KeyBar))
        assert "^f Find in thread" in line and "? Help  q Quit" in line, line


def test_the_last_page_after_G_still_says_last():
    store = BrowserStore("thread_x")
    page = [Message(id=f"message_{i}", role="user", content=[], created_at=0, thread_id="thread_x") for i in range(3)]
    store.show_page(page, can_prev=True, can_next=False, offset=None, selected_id=None)
    assert store.position_label().startswith("last 3 messages ·")


async def test_after_a_jump_the_status_follows_the_highlight_not_the_message_jumped_to(make_harness):
    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await find(h, pilot, "Step 123")  # Step 123 and Steps 1230–1239: message 1,240 is Step 1239
        await h.settle(pilot)
        await pilot.press("end", "enter")
        await h.settle(pilot)
        assert "around message 1,240 of 2,500 ·" in status(h)
        await pilot.press("left_square_bracket")  # Step 1238, on the same page: no new jump
        await h.settle(pilot)
        assert h.browser.store.selected.text.startswith("Step 1238:")
        assert "around message 1,239 of 2,500 ·" in status(h)
        await pilot.press("k", "k")  # Step 1240, no match: placed by the matches on its page
        await h.settle(pilot)
        assert h.browser.store.selected.text.startswith("Step 1240:")
        assert "around message 1,241 of 2,500 ·" in status(h)
        await pilot.press("s")  # oldest first: the same rows the other way up, the same message
        await h.settle(pilot)
        assert "around message 1,241 of 2,500 · oldest first" in status(h)
        await pilot.press("j")
        await h.settle(pilot)
        assert h.browser.store.selected.text.startswith("Step 1241:")
        assert "around message 1,242 of 2,500 ·" in status(h)


async def test_after_a_jump_by_id_the_status_names_the_highlighted_message(make_harness):
    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        oldest = await oldest_ids(h)
        await pilot.press("o")
        await pilot.pause()
        h.app.screen.query_one(Input).value = oldest[700]
        await pilot.press("enter")
        await h.settle(pilot)
        await pilot.press("j")  # newest first: one older
        await h.settle(pilot)
        assert f"around message {short_id(oldest[699])}… · newest first" in status(h)
