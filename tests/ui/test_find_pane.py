"""Find in the whole thread (ctrl+f) and jumps, driven by keys on the demo's 2,500-message thread."""

from __future__ import annotations

import asyncio

from textual.widgets import Input, OptionList, Static

from tui.emulator.demo import AGENT_LOOP, ORDER_BOT
from tui.screens.browser import BrowserScreen
from tui.screens.find import FindScreen

SIZE = (100, 30)
STATUS_CHECKS = [251 + 250 * i for i in range(9)]  # "Status check #n" is message 250·n + 1


async def find(h, pilot, text):
    await pilot.press("ctrl+f")
    await pilot.pause()
    assert isinstance(h.app.screen, FindScreen)
    h.app.screen.query_one(Input).value = text
    await pilot.press("enter")


def results(screen) -> list[str]:
    options = screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_find_streams_matches_in_thread_order_and_enter_jumps(make_harness):
    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        session = h.browser.session
        await find(h, pilot, "status CHECK")
        await h.settle(pilot)
        pane = h.app.screen
        found = session.found
        assert [m.position for m in found.matches] == STATUS_CHECKS and found.done
        lines = results(pane)
        assert len(lines) == 9 and lines[0].startswith("message 251 of 2,500  user")
        assert "text: Status check #1: are you still making progress?" in lines[0]
        assert pane.query_one("#find-progress", Static).visual.plain == "Searched all 2,500 messages · 9 matches"
        await pilot.press("end", "enter")
        await h.settle(pilot)
        assert isinstance(h.app.screen, BrowserScreen)
        last = found.matches[-1].id
        assert h.store.selected_id == last and len(h.store.page) == 20
        await pilot.press("left_square_bracket")
        await h.settle(pilot)
        assert h.store.selected_id == found.matches[-2].id and len(h.store.page) == 20
        await pilot.press("right_square_bracket", "right_square_bracket")
        await h.settle(pilot)
        assert h.store.selected_id == last and h.notices()[-1] == "No further match."


async def test_a_match_on_the_page_on_show_is_selected_without_a_fetch(make_harness):
    h = make_harness(page_size=20, open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await find(h, pilot, "re:.")
        await h.settle(pilot)
        await pilot.press("escape")
        matches = h.browser.session.found.matches
        assert len(matches) > 1
        shown = [m.id for m in h.store.page]
        await pilot.press("right_square_bracket")
        await h.settle(pilot)
        assert h.store.selected_id == matches[0].id and [m.id for m in h.store.page] == shown


async def test_escape_cancels_mid_stream_and_the_browser_stays_usable(make_harness):
    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        session = h.browser.session
        real_find, held = session.find, asyncio.Event()
        two_found = asyncio.Event()

        async def held_after_two(query, progress=None):
            async for count, match in _counted(real_find(query, progress)):
                yield match
                if count == 2:
                    two_found.set()
                    await held.wait()  # the rest of the thread never arrives

        session.find = held_after_two
        await find(h, pilot, "status check")
        await asyncio.wait_for(two_found.wait(), 30)
        await pilot.pause()
        assert [m.position for m in session.found.matches] == STATUS_CHECKS[:2]
        assert "Searching… " in h.app.screen.query_one("#find-progress", Static).visual.plain
        await pilot.press("escape")
        await h.settle(pilot)  # returns: the worker is cancelled, not waiting on the held stream
        assert isinstance(h.app.screen, BrowserScreen)
        assert session.found.cancelled and not session.found.done
        before = [m.id for m in h.store.page]
        await pilot.press("n")
        await h.settle(pilot)
        assert [m.id for m in h.store.page] != before and "messages 21–40" in h.store.position_label()
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert len(results(h.app.screen)) == 2
        assert h.app.screen.query_one("#find-progress", Static).visual.plain == (
            "Cancelled after 501 messages · 2 matches")


async def _counted(stream):
    count = 0
    async for item in stream:
        count += 1
        yield count, item


async def test_a_bad_regular_expression_is_a_clear_message(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await find(h, pilot, "re:lookup_(order")
        await h.settle(pilot)
        progress = h.app.screen.query_one("#find-progress", Static)
        assert progress.visual.plain == "Bad regular expression 'lookup_(order': missing ), unterminated subpattern at position 7."
        assert progress.has_class("-error") and h.app.screen.session.found.matches == []


async def test_o_takes_a_message_id_and_jumps(make_harness):
    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        oldest = [m.id async for m in h.client.iter_messages(AGENT_LOOP, order="asc", page_size=100)]
        await pilot.press("o")
        await pilot.pause()
        h.app.screen.query_one(Input).value = oldest[700]
        await pilot.press("enter")
        await h.settle(pilot)
        assert h.store.selected_id == oldest[700] and len(h.store.page) == 20
        await pilot.press("o")
        await pilot.pause()
        h.app.screen.query_one(Input).value = "message_not-here"
        await pilot.press("enter")
        await h.settle(pilot)
        assert h.store.selected_id == oldest[700]
        assert any(f"Message message_not-here is not in thread {AGENT_LOOP}." in n for n in h.notices())


async def test_open_at_a_message(make_harness):
    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    oldest = [m.id async for m in h.client.iter_messages(AGENT_LOOP, order="asc", page_size=100)]
    h.app.start_message = oldest[1203]
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        assert h.store.selected_id == oldest[1203] and len(h.store.page) == 20


async def test_open_at_a_message_not_in_the_thread_says_so_and_shows_the_first_page(make_harness):
    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    h.app.start_message = "message_not-here"
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        assert any(f"Message message_not-here is not in thread {AGENT_LOOP}." in n for n in h.notices())
        assert "messages 1–20 · newest first" in h.store.position_label()


async def test_find_is_in_the_command_palette(make_harness):
    from textual.command import CommandPalette

    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(h.app.screen, CommandPalette)
        await pilot.press(*"Find in thread")
        await h.settle(pilot)
        await pilot.press("enter")
        await h.settle(pilot)
        assert isinstance(h.app.screen, FindScreen)


async def test_a_new_find_while_one_runs_replaces_it_and_its_results(make_harness):
    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        session = h.browser.session
        real_find, held, two_found = session.find, asyncio.Event(), asyncio.Event()

        async def held_after_two(query, progress=None):
            async for count, match in _counted(real_find(query, progress)):
                yield match
                if count == 2:
                    two_found.set()
                    await held.wait()

        session.find = held_after_two
        await find(h, pilot, "status check")
        await asyncio.wait_for(two_found.wait(), 30)
        first = session.found
        session.find = real_find
        pane = h.app.screen
        pane.query_one(Input).value = "re:Step 12\\d\\d:"
        pane.query_one(Input).focus()
        await pilot.press("enter")
        await h.settle(pilot)
        assert first.cancelled and session.found is not first and session.found.done
        lines = results(pane)
        assert len(lines) == 99 and lines[0].startswith("message 1,201 of 2,500")
        assert all("Status check" not in line for line in lines)  # step 1250 is a status check: 99 steps


async def test_find_and_jump_in_a_conversation(make_harness):
    from tui.emulator.demo_conversations import LONG_CHAT

    h = make_harness(page_size=20, open_thread=LONG_CHAT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await find(h, pilot, "re:turn (10|100|1000): pong")
        await h.settle(pilot)
        lines = results(h.app.screen)
        assert [line.split("  ")[0] for line in lines] == ["item 20 of 2,400", "item 200 of 2,400", "item 2,000 of 2,400"]
        assert "Find in conversation" in str(h.app.screen.query_one("#find-title", Static).visual)
        await pilot.press("enter")
        await h.settle(pilot)
        assert h.store.selected_id == h.browser.session.found.matches[0].id and len(h.store.page) == 20


async def test_a_server_error_mid_find_is_reported_and_the_pane_says_where_it_stopped(make_harness):
    from tui.emulator.faults import parse_faults

    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        h.faults.rules = parse_faults("list:500")
        await find(h, pilot, "status check")
        await h.settle(pilot)
        progress = h.app.screen.query_one("#find-progress", Static).visual.plain
        assert progress.startswith("Stopped after 0 messages · 0 matches · ") and "HTTP 500" in progress
        assert any("HTTP 500" in n for n in h.notices())
        h.faults.rules = []
        await pilot.press("escape", "n")
        await h.settle(pilot)
        assert "messages 21–40" in h.store.position_label()
