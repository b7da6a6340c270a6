"""Opening a thread with page size "auto": the first page is asked for as the browser mounts, at
the size the list will have, so it can be in the first frame (not after a layout and a round trip)."""

from urllib.parse import parse_qs

import pytest

from tui.emulator.demo import AGENT_LOOP
from tui.screens import browser
from tui.widgets.message_list import MessageList


class ListRequests:
    """ASGI middleware: every message-list request, with the list widget's size when it arrived."""

    def __init__(self, app, pilot_app):
        self.app = app
        self.pilot_app = pilot_app
        self.seen: list[tuple[dict[str, list[str]], tuple[int, int] | None]] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].endswith("/messages") and scope["method"] == "GET":
            lists = self.pilot_app.screen.query(MessageList)
            size = tuple(lists.first().size) if lists else None
            self.seen.append((parse_qs(scope["query_string"].decode()), size))
        await self.app(scope, receive, send)

    def first_pages(self):
        return [(query, size) for query, size in self.seen if "after" not in query]


def record_lists(h) -> ListRequests:
    recorder = ListRequests(h.faults.app, h.app)
    h.faults.app = recorder
    return recorder


@pytest.mark.parametrize("size", [(120, 40), (80, 24), (99, 33), (60, 12)])
async def test_the_first_page_is_asked_for_once_before_the_list_is_laid_out_at_its_size(make_harness, size):
    h = make_harness(page_size="auto", open_thread=AGENT_LOOP)
    recorder = record_lists(h)
    async with h.app.run_test(size=size) as pilot:
        await h.settle(pilot)
        rows = h.browser.query_one(MessageList).scrollable_content_region.height
        [(query, list_size)] = recorder.first_pages()
        assert list_size == (0, 0)  # sent before the list's first layout
        assert query["limit"] == [str(rows)] and len(h.store.page) == rows == h.store.page_size


async def test_a_wrong_guess_of_the_list_size_is_corrected_once_it_is_laid_out(make_harness, monkeypatch):
    monkeypatch.setattr(browser, "list_rows", lambda width, height: 5)
    h = make_harness(page_size="auto", open_thread=AGENT_LOOP)
    recorder = record_lists(h)
    async with h.app.run_test(size=(120, 40)) as pilot:
        await h.settle(pilot)
        rows = h.browser.query_one(MessageList).scrollable_content_region.height
        assert [query["limit"] for query, _ in recorder.first_pages()] == [["5"], [str(rows)]]
        assert len(h.store.page) == rows == h.store.page_size
        assert f"messages 1–{rows} · newest first" in h.store.position_label()
