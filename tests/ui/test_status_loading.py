"""While the first page of a thread is on its way, the status says it is loading, not that the
thread is empty — and at 80 columns the loading mark is what stays, not a cut 'no'."""

import pytest
from textual.app import App, ComposeResult

from tui.widgets.status_bar import StatusBar

LINE = dict(backend="custom http://127.0.0.1:8799/api/v1", profile=None, workspace=None,
            family="Assistant API", where="thread_155176dc-6e0e-4de6-bfb7-cdc2a774ac98")


class OneLine(App):
    def compose(self) -> ComposeResult:
        yield StatusBar()


@pytest.mark.parametrize("width", [80, 160])
async def test_loading_with_nothing_shown_says_loading_not_no_messages(width):
    app = OneLine()
    async with app.run_test(size=(width, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.show(**LINE, position="no messages · newest first", loading=True)
        await pilot.pause()
        text = bar.visual.plain
        assert "⟳ loading…" in text
        assert "no messages" not in text


async def test_an_empty_thread_once_loaded_says_no_messages():
    app = OneLine()
    async with app.run_test(size=(80, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.show(**LINE, position="no messages · newest first", loading=False)
        await pilot.pause()
        assert "no messages" in bar.visual.plain


async def test_loading_the_next_page_keeps_the_position():
    app = OneLine()
    async with app.run_test(size=(160, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.show(**LINE, position="messages 1–20 · newest first · more below", loading=True)
        await pilot.pause()
        assert "messages 1–20 · newest first · more below │ ⟳ loading…" in bar.visual.plain
