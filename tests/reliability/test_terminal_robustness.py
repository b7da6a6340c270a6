"""Resizing and leaving: no crash down to 40×10, no overlap down to 60×20, no lost edit on ctrl+c."""

import pytest

from tui.emulator.demo import CODE_REVIEW, ORDER_BOT
from tui.screens.browser import BrowserScreen
from tui.screens.choice import ChoiceScreen
from tui.screens.metadata_editor import MetadataEditor
from tui.widgets.message_detail import MessageDetail
from tui.widgets.message_list import MessageList

SIZES = [(120, 40), (100, 30), (99, 30), (80, 24), (60, 20), (50, 15), (40, 10), (60, 20), (120, 40)]


async def test_resize_down_to_40x10_and_back(make_harness):
    h = make_harness(open_thread=CODE_REVIEW)
    async with h.app.run_test(size=(120, 40)) as pilot:
        await h.settle(pilot)
        selected = h.store.selected_id
        for width, height in SIZES:
            await pilot.resize_terminal(width, height)
            await h.settle(pilot)
            browser = h.browser
            assert browser.has_class("-narrow") == (width < 100)
            if width >= 60:
                list_region = browser.query_one(MessageList).region
                detail_region = browser.query_one(MessageDetail).region
                assert not list_region.overlaps(detail_region), (width, height, list_region, detail_region)
                assert list_region.height > 0 and detail_region.height > 0
            await pilot.press("j", "k")
            await h.settle(pilot)
        assert h.store.selected_id == selected
        assert h.app.is_running


@pytest.mark.parametrize("size", [(60, 20), (40, 10)])
async def test_modals_survive_small_terminals(make_harness, size):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=size) as pilot:
        await h.settle(pilot)
        for keys in (["e"], ["escape", "c"], ["escape", "question_mark"], ["escape", "y"]):
            await pilot.press(*keys)
            await h.settle(pilot)
        await pilot.press("escape")
        await h.settle(pilot)
        assert isinstance(h.app.screen, BrowserScreen)


async def test_ctrl_c_asks_before_dropping_an_unsaved_edit(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=(120, 40)) as pilot:
        await h.settle(pilot)
        await pilot.press("e")
        await h.settle(pilot)
        await pilot.press("ctrl+n", *"k")
        await pilot.press("ctrl+c")
        await h.settle(pilot)
        assert isinstance(h.app.screen, ChoiceScreen) and h.app.is_running
        await pilot.press("k")
        await h.settle(pilot)
        assert isinstance(h.app.screen, MetadataEditor)
        await pilot.press("ctrl+c")
        await h.settle(pilot)
        await pilot.press("q")
        await h.settle(pilot)
    assert h.app.return_code == 0


async def test_ctrl_c_quits_at_once_with_nothing_unsaved(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=(120, 40)) as pilot:
        await h.settle(pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not h.app.is_running
