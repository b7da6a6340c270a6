"""The find pane is kept while its browser lives: reopened, it shows the last find as the user left it."""

from __future__ import annotations

import asyncio

from textual.command import CommandPalette
from textual.widgets import Input, OptionList, Static

from tests.ui.test_find_pane import find, results
from tui.emulator.demo import AGENT_LOOP, ORDER_BOT
from tui.screens.browser import BrowserScreen
from tui.screens.find import HINT, FindScreen
from tui.screens.ledger import LedgerScreen

SIZE = (120, 40)


def progress(pane) -> str:
    return pane.query_one("#find-progress", Static).visual.plain


async def reopen(h, pilot) -> FindScreen:
    await pilot.press("ctrl+f")
    await pilot.pause()
    assert isinstance(h.app.screen, FindScreen)
    return h.app.screen


async def test_reopened_it_shows_the_last_query_its_results_and_the_match_the_browser_is_on(make_harness):
    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await find(h, pilot, "Step 123")
        await h.settle(pilot)
        pane = h.app.screen
        lines = results(pane)
        await pilot.press("end", "enter")  # the last of 11 matches
        await h.settle(pilot)
        await pilot.press("left_square_bracket", "left_square_bracket")  # two matches back, pane closed
        await h.settle(pilot)
        assert await reopen(h, pilot) is pane
        assert pane.query_one(Input).value == "Step 123" and results(pane) == lines
        options = pane.query_one(OptionList)
        assert options.highlighted == 8 and options.has_focus
        assert progress(pane) == "Searched all 2,500 messages · 11 matches"
        await pilot.press("up", "enter")  # on from where it was
        await h.settle(pilot)
        found = h.browser.session.found
        assert h.store.selected_id == found.matches[7].id and found.current == 7


async def test_a_line_typed_and_not_run_is_dropped_but_a_screen_over_the_pane_keeps_it(make_harness):
    h = make_harness(page_size=20, open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await find(h, pilot, "order")
        await h.settle(pilot)
        pane = h.app.screen
        pane.query_one(Input).focus()
        await pilot.press("end", *" shipped")
        await pilot.press("ctrl+p")  # the command palette over the pane, then back
        await pilot.pause()
        assert isinstance(h.app.screen, CommandPalette)
        await pilot.press("escape")
        await pilot.pause()
        assert h.app.screen is pane and pane.query_one(Input).value == "order shipped"
        await pilot.press("escape")  # closed without running it: the line would not match the results
        await pilot.pause()
        await reopen(h, pilot)
        assert pane.query_one(Input).value == "order" and progress(pane).startswith("Searched all ")


async def test_a_bad_expression_is_forgotten_on_reopening_and_no_find_yet_shows_the_hint(make_harness):
    h = make_harness(page_size=20, open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await find(h, pilot, "re:(")
        await h.settle(pilot)
        pane = h.app.screen
        assert progress(pane).startswith("Bad regular expression")
        await pilot.press("escape")
        await pilot.pause()
        await reopen(h, pilot)
        assert pane.query_one(Input).value == "" and pane.query_one(Input).has_focus
        assert progress(pane) == HINT and not pane.query_one("#find-progress").has_class("-error")


async def test_a_find_that_ends_while_the_pane_is_closed_is_shown_whole_on_reopening(make_harness):
    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        session = h.browser.session
        real_find, go_on, two_found = session.find, asyncio.Event(), asyncio.Event()

        async def held_after_two(query, progress=None):
            count = 0
            async for match in real_find(query, progress):
                yield match
                count += 1
                if count == 2:
                    two_found.set()
                    await go_on.wait()

        session.find = held_after_two
        await find(h, pilot, "status check")
        await asyncio.wait_for(two_found.wait(), 30)
        await pilot.pause()
        pane = h.app.screen
        assert results(pane)[0].startswith("message 251  user")  # no total yet
        await pilot.press("enter")  # jump to the first: the find goes on, the pane closes
        go_on.set()
        await h.settle(pilot)
        assert isinstance(h.app.screen, BrowserScreen) and session.found.done
        await reopen(h, pilot)
        lines = results(pane)
        assert len(lines) == 9 and lines[0].startswith("message 251 of 2,500  user")
        assert progress(pane) == "Searched all 2,500 messages · 9 matches"
        assert pane.query_one(OptionList).highlighted == 0


async def test_the_pane_goes_with_its_browser(make_harness):
    h = make_harness(page_size=20, open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await find(h, pilot, "order")
        await h.settle(pilot)
        pane = h.app.screen
        await pilot.press("escape", "escape")  # the pane, then the browser: back to the ledger
        await h.settle(pilot)
        assert isinstance(h.app.screen, LedgerScreen)
        assert not h.app.is_screen_installed(pane) and not pane.is_attached


async def test_quitting_with_the_pane_up_is_clean(make_harness):
    h = make_harness(page_size=20, open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await reopen(h, pilot)
        await pilot.press(*"ord")
    assert h.app.return_code in (None, 0)
