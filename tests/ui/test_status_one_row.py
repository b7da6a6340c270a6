"""The status bar is one row that keeps, when narrow: the position, a short error word, then the
backend in its shorter forms (newcomer report #5) — checked on the line as it is drawn."""

import asyncio

import pytest
from textual.app import App, ComposeResult

from tests.ui.test_browser import detail_text
from tui.emulator.demo import AGENT_LOOP, ORDER_BOT
from tui.emulator.demo_conversations import LONG_CHAT
from tui.widgets.status_bar import StatusBar

MISSING = "thread_00000000-0000-4000-8000-00000000dead"
CUSTOM = "http://127.0.0.1:8768/api/v1"


def drawn(h_or_app) -> str:
    """The status row as it is on screen (padding stripped)."""
    app = getattr(h_or_app, "app", h_or_app)
    bar = app.screen.query_one(StatusBar)
    assert bar.size.height == 1
    return "".join(segment.text for segment in bar.render_line(0)).strip()


def as_custom_server(h) -> None:
    """The status as for `--base-url` (the requests still go to the harness's emulator)."""
    h.settings.base_url = CUSTOM


@pytest.mark.parametrize("width", [80, 120])
async def test_a_server_error_keeps_the_position_and_says_the_status_and_retries(make_harness, width):
    h = make_harness(open_thread=ORDER_BOT)
    as_custom_server(h)
    h.set_faults("list:500")
    async with h.app.run_test(size=(width, 24)) as pilot:
        await h.settle(pilot)
        line = drawn(h)
        assert line.endswith("│ no messages · newest first │ ⚠ HTTP 500 · 2 retries"), line
        assert line.startswith("custom 127.0.0.1:8768 "), line  # the URL's short form: no room for both
        assert any("HTTP 500" in notice and "request_id" in notice for notice in h.notices())  # the whole error


@pytest.mark.parametrize("width", [80, 120])
async def test_a_missing_thread_says_not_found_after_the_toast_is_gone(make_harness, width):
    h = make_harness(open_thread=MISSING)
    async with h.app.run_test(size=(width, 24)) as pilot:
        await h.settle(pilot)
        h.app.clear_notifications()
        await pilot.pause()
        line = drawn(h)
        assert line.endswith("│ no messages · newest first │ ⚠ not found"), line
        assert "…" in line.split("│")[-3]  # only the id is cut
        assert "emulator" in line


@pytest.mark.parametrize("width", [80, 120])
async def test_an_uncounted_position_is_kept_whole(make_harness, width):
    h = make_harness(open_thread=AGENT_LOOP, page_size=7)
    async with h.app.run_test(size=(width, 24)) as pilot:
        await h.settle(pilot)
        await pilot.press("G")  # the last page: from there on, the offset is not counted
        await h.settle(pilot)
        await pilot.press("p")
        await h.settle(pilot)
        line = drawn(h)
        assert line.endswith("│ 7 messages · position not counted · newest first ↑ ↓"), line


class OneLine(App):
    def compose(self) -> ComposeResult:
        yield StatusBar()


POSITIONS = ["items 1–20 · newest first · more below", "items 21–40 · newest first · more above · more below",
             "around item 751 of 2,500 · newest first · more above · more below",
             "20 items · position not counted · newest first · more below", "item 2,500 · newest first"]


@pytest.mark.parametrize("width", [80, 120])
async def test_the_backend_does_not_switch_forms_as_the_position_changes(width):
    app = OneLine()
    async with app.run_test(size=(width, 3)) as pilot:
        bar = app.query_one(StatusBar)
        heads = set()
        for position in POSITIONS:
            bar.show(backend="embedded emulator (demo data)", backend_brief="emulator", profile=None, workspace=None,
                     family="Conversations API", where=LONG_CHAT, position=position)
            await pilot.pause()
            line = drawn(app)
            assert line.startswith("emulator │ " if width == 80 else "embedded emulator (demo data) │ Conversations API")
            heads.add(line.split(" │ ")[0])
            assert "…" != line[-1], line
        assert len(heads) == 1


async def test_too_narrow_for_every_form_ends_in_an_ellipsis():
    app = OneLine()
    async with app.run_test(size=(40, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.show(backend="embedded emulator (demo data)", backend_brief="emulator", profile=None, workspace=None,
                 family="Assistant API", where=ORDER_BOT, position="messages 1–20 · newest first · more below",
                 error="HTTP 500 · 2 retries")
        await pilot.pause()
        line = drawn(app)
        assert line.startswith("emulator │ 1–20 · newest first ↓ │ ⚠")
        assert line.endswith("…")


async def test_a_profile_without_its_key_says_so_and_shows_no_workspace(make_harness, monkeypatch):
    from tests.cli.test_profile_key_unset import README_CONFIG, WARNING, write_config

    write_config(README_CONFIG)
    monkeypatch.delenv("WORK_DASHSCOPE_KEY", raising=False)
    h = make_harness()
    async with h.app.run_test(size=(120, 24)) as pilot:
        await h.settle(pilot)
        assert WARNING in h.notices()
        assert drawn(h) == "embedded emulator (demo data) · profile work │ threads and conversations"


class HeldLists:
    """ASGI middleware: message lists wait until the test lets them through (a slow server)."""

    def __init__(self, app):
        self.app, self.go = app, asyncio.Event()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"].endswith("/messages"):
            await self.go.wait()
        await self.app(scope, receive, send)


async def test_the_detail_says_loading_until_the_first_page_arrives(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    gate = h.faults.app = HeldLists(h.faults.app)
    async with h.app.run_test(size=(120, 30)) as pilot:
        for _ in range(3):
            await pilot.pause()
        assert "Loading messages…" in detail_text(h.browser)
        assert "⟳ loading…" in drawn(h)
        gate.go.set()
        await h.settle(pilot)
        assert h.store.page and not h.browser.query_one("#detail-empty").display


async def test_a_first_page_that_failed_says_nothing_loaded(make_harness):
    h = make_harness(open_thread=MISSING)
    async with h.app.run_test(size=(120, 30)) as pilot:
        await h.settle(pilot)
        text = detail_text(h.browser)
        assert "No messages loaded." in text and "Loading" not in text
