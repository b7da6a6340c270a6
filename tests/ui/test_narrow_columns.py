"""At 80 columns a table shows that a value is cut ("…") instead of scrolling it out of sight (item 19.5)."""

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from textual.widgets import DataTable

from tui.emulator.demo import DEMO_THREADS
from tui.widgets.columns import cut_middle, fit


def id_cells(table: DataTable) -> dict[str, str]:
    return {row.value: str(table.get_cell(row, "thread")) for row in table.rows}


async def test_the_ledger_fits_80_columns_and_marks_every_cut_id(make_harness, no_system_clipboard):
    h = make_harness()
    async with h.app.run_test(size=(80, 24)) as pilot:
        await h.settle(pilot)
        table = h.app.screen.query_one(DataTable)
        assert table.max_scroll_x == 0  # nothing hides to the right
        cells = id_cells(table)
        assert set(cells) >= {thread_id for thread_id, *_ in DEMO_THREADS}
        for full, shown in cells.items():
            head, _, tail = shown.partition("…")
            assert tail and full.startswith(head) and full.endswith(tail), shown
            assert len(head) >= 12 and len(tail) >= 12  # the kind and the distinctive end both show
        await pilot.press("i")
        await h.settle(pilot)
        assert h.app.clipboard == next(iter(cells))  # the whole id, not what the cell shows


async def test_the_ledger_lays_out_again_on_resize(make_harness):
    h = make_harness()
    async with h.app.run_test(size=(80, 24)) as pilot:
        await h.settle(pilot)
        await pilot.resize_terminal(160, 30)
        await h.settle(pilot)
        table = h.app.screen.query_one(DataTable)
        assert all(shown == full for full, shown in id_cells(table).items())
        await pilot.resize_terminal(60, 24)
        await h.settle(pilot)
        assert table.max_scroll_x == 0
        assert all("…" in shown for shown in id_cells(table).values())


@given(st.text(min_size=0, max_size=60), st.integers(min_value=2, max_value=70))
def test_cut_middle_keeps_head_and_tail_within_the_width(text, width):
    shown = cut_middle(text, width)
    assert cell_len(shown) <= width
    if cell_len(text) <= width:
        assert shown == text
    else:
        head, _, tail = shown.partition("…")
        assert text.startswith(head) and text.endswith(tail)


def test_fit_narrows_in_the_given_order_and_never_below_a_floor():
    natural = {"a": 10, "b": 30, "c": 30}
    assert fit(natural, 100, [("b", 5)]) == natural
    assert fit(natural, 60, [("b", 20), ("c", 25), ("b", 5)]) == {"a": 10, "b": 20, "c": 30}
    assert fit(natural, 40, [("b", 20), ("c", 25), ("b", 5)]) == {"a": 10, "b": 5, "c": 25}
    assert fit(natural, 10, [("b", 20), ("missing", 1)]) == {"a": 10, "b": 20, "c": 30}


async def test_the_migration_board_at_80_columns_cuts_the_conversation_id_visibly(make_harness, no_system_clipboard):
    from tui.emulator.demo import ORDER_BOT

    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=(80, 24)) as pilot:
        await h.settle(pilot)
        await pilot.press("M")
        await h.settle(pilot)
        await pilot.press("enter")
        await h.settle(pilot)
        table = h.app.screen.query_one(DataTable)
        conversation_id = h.app.screen.board.row(ORDER_BOT).conversation_id
        shown = str(table.get_cell(ORDER_BOT, "conversation"))
        assert table.max_scroll_x == 0
        head, _, tail = shown.partition("…")
        assert tail and conversation_id.startswith(head) and conversation_id.endswith(tail)
        await pilot.press("i")
        await h.settle(pilot)
        assert h.app.clipboard == conversation_id


async def test_find_results_at_80_columns_are_two_lines_each_cut_with_an_ellipsis(make_harness):
    from textual.widgets import Input, OptionList

    from tui.emulator.demo import AGENT_LOOP

    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=(80, 24)) as pilot:
        await h.settle(pilot)
        await pilot.press("ctrl+f")
        await pilot.pause()
        h.app.screen.query_one(Input).value = "check_facts"
        await pilot.press("enter")
        await h.settle(pilot)
        results = h.app.screen.query_one(OptionList)
        assert results.option_count == 625
        assert results.virtual_size.height == 2 * results.option_count  # a long snippet does not wrap
        assert results.max_scroll_x == 0
