"""The message list: rows cut to its width, mouse and keys, and drawing only what changed."""

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from textual.geometry import Region

from tests.security.screen import region_text
from tui.emulator.demo import AGENT_LOOP, CODE_REVIEW, ORDER_BOT
from tui.widgets.message_detail import MessageDetail
from tui.widgets.message_list import MessageList, fit, row_pieces

SIZE = (120, 40)
A, B, FILL = Style(bold=True), Style(italic=True), Style(dim=True)


def test_a_row_is_cut_with_an_ellipsis_in_the_style_of_what_was_cut():
    segments = fit([("abc", A), ("你好世界", B)], 6, FILL)
    assert [(s.text, s.style) for s in segments] == [("abc", A), ("你…", B)]
    # Half of a wide character does not fit: it becomes a space, the row is still 5 cells.
    segments = fit([("abc", A), ("你好世界", B)], 5, FILL)
    assert [(s.text, s.style) for s in segments] == [("abc", A), (" …", B)]
    # Cut inside the first piece: nothing of the second is drawn.
    assert [(s.text, s.style) for s in fit([("abcdef", A), ("xyz", B)], 4, FILL)] == [("abc…", A)]
    # The first piece fills the row exactly and more follows: its last cell becomes the "…".
    assert [(s.text, s.style) for s in fit([("ab", A), ("cd", B)], 2, FILL)] == [("a…", A)]
    assert [(s.text, s.style) for s in fit([("ab", A), ("", B)], 2, FILL)] == [("ab", A), ("", B)]
    # A thousand characters: only what can show is looked at, the result is the same.
    assert [(s.text, s.style) for s in fit([("ab", A), ("—" * 1000, B)], 6, FILL)] == [("ab", A), ("———…", B)]


def test_a_short_row_is_padded_to_the_width_and_an_exact_one_is_left_alone():
    assert [(s.text, s.style) for s in fit([("ab", A), ("你", B)], 7, FILL)] == [("ab", A), ("你", B), ("   ", FILL)]
    assert [(s.text, s.style) for s in fit([("ab", A), ("你", B)], 4, FILL)] == [("ab", A), ("你", B)]


async def test_a_wide_list_shows_as_much_of_each_text_as_fits(make_harness):
    h = make_harness(open_thread=CODE_REVIEW)
    async with h.app.run_test(size=(220, 40)) as pilot:
        await h.settle(pilot)
        message_list = h.browser.query_one(MessageList)
        width = message_list.scrollable_content_region.width
        assert width > 100
        lines = region_text(h.app, message_list).splitlines()
        cut = 0
        for message, line in zip(h.store.page, lines[: len(h.store.page)], strict=True):
            plain = "".join(text for text, _ in row_pieces(message))
            if cell_len(plain) > width:
                cut += 1
                assert line[:width] == set_cell_size(plain, width - 1) + "…"
            else:
                assert line[:width] == plain + " " * (width - cell_len(plain))
        assert cut  # some texts are longer than even this width: they end in "…" at its edge


async def test_clicking_a_row_selects_it_and_clicking_it_again_opens_it(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        message_list = h.browser.query_one(MessageList)
        await pilot.click(MessageList, offset=(10, 3))
        await h.settle(pilot)
        assert h.store.selected_id == h.store.page[3].id
        assert message_list.highlighted == 3
        assert h.app.focused is message_list
        await pilot.click(MessageList, offset=(10, 3))
        await h.settle(pilot)
        assert h.app.focused is h.browser.query_one(MessageDetail)
        assert h.store.selected_id == h.store.page[3].id


async def test_hovering_a_row_marks_it_until_the_mouse_leaves(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        message_list = h.browser.query_one(MessageList)

        def background(row: int):
            strip = message_list.render_lines(Region(0, row, message_list.size.width, 1))[0]
            return list(strip)[0].style.bgcolor

        plain = background(5)
        await pilot.hover(MessageList, offset=(10, 4))
        await pilot.pause()
        assert background(4) != plain and background(5) == plain
        assert h.store.selected_id == h.store.page[0].id  # hovering does not select
        await pilot.hover(MessageDetail, offset=(5, 5))
        await pilot.pause()
        assert background(4) == plain


async def test_list_keys_move_within_the_page(make_harness):
    h = make_harness(page_size=50, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        page = [m.id for m in h.store.page]
        height = h.browser.query_one(MessageList).scrollable_content_region.height
        await pilot.press("end")
        await h.settle(pilot)
        assert h.store.selected_id == page[-1]
        await pilot.press("home")
        await h.settle(pilot)
        assert h.store.selected_id == page[0]
        await pilot.press("pagedown")
        await h.settle(pilot)
        assert h.store.selected_id == page[height]
        await pilot.press("end", "j")  # past the last row: on to the next page's first (no wrap)
        await h.settle(pilot)
        assert h.store.page_number == 1 and h.store.selected_index == 0
        await pilot.press("k")  # before the first row: back to the previous page's last
        await h.settle(pilot)
        assert [m.id for m in h.store.page] == page and h.store.selected_id == page[-1]
        await pilot.press("home", "up")  # ↑ as k
        await h.settle(pilot)
        assert h.store.page_number == 0 and h.store.selected_id == page[0]  # the first page: nothing above


async def test_moving_the_highlight_redraws_only_the_two_rows_it_changes(make_harness, monkeypatch):
    drawn: list[int] = []
    original = MessageList.render_line

    def spy(self, y):
        drawn.append(self.scroll_offset.y + y)
        return original(self, y)

    monkeypatch.setattr(MessageList, "render_line", spy)
    h = make_harness(page_size=50, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        message_list = h.browser.query_one(MessageList)
        drawn.clear()
        await pilot.press("j")
        await h.settle(pilot)
        assert message_list.highlighted == 1
        assert sorted(set(drawn)) == [0, 1]
        # A page turn draws the rows on screen, not the whole page.
        drawn.clear()
        await pilot.press("n")
        await h.settle(pilot)
        height = message_list.scrollable_content_region.height
        assert len(h.store.page) == 50 > height
        assert set(drawn) == set(range(height))


async def test_the_detail_follows_the_list_and_shows_where_keys_stop(make_harness, monkeypatch):
    shown: list[str] = []
    original = MessageDetail.show

    def spy(self, message, **kwargs):
        if message is not None:
            shown.append(message.id)
        return original(self, message, **kwargs)

    monkeypatch.setattr(MessageDetail, "show", spy)
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        shown.clear()
        await pilot.press(*"jjjj")
        await h.settle(pilot)
        assert h.store.selected_id == h.store.page[4].id
        assert shown[-1] == h.store.selected_id
        assert h.browser.query_one(MessageDetail).message.id == h.store.selected_id


async def test_the_separator_and_the_rows_stay_put_when_focus_moves(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        message_list = h.browser.query_one(MessageList)

        def edge() -> tuple[int, str]:
            width, height = message_list.outer_size
            rows = message_list.render_lines(Region(0, 0, width, height))
            return message_list.scrollable_content_region.width, "".join(row.text[width - 1] for row in rows)

        focused = edge()
        await pilot.press("enter")
        await h.settle(pilot)
        assert h.app.focused is h.browser.query_one(MessageDetail)
        assert edge() == focused and set(focused[1]) == {"▕"}



async def test_the_list_keeps_no_strip_it_drew(make_harness):
    # Textual's Strip caches results that are itself (a cycle): one the list kept across keys
    # would be freed only by a full collection. The list keeps the segments and hands out a new Strip.
    import sys

    h = make_harness(page_size=50, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        message_list = h.browser.query_one(MessageList)
        strip = message_list.render_line(0)
        again = message_list.render_line(0)
        assert list(again) == list(strip) and again is not strip  # the same row, from the kept segments
        assert sys.getrefcount(strip) == 2  # this name and the call's argument: nobody else holds it
