"""The progress screen's rows (tui/migrate/board.py) against a plain model of one thread's run."""

import math

from hypothesis import given
from hypothesis import strategies as st

from tui.migrate import BATCH_SIZE, Progress, ThreadResult
from tui.migrate.board import Board
from tui.migrate.plan import ThreadPlan


class FakePlan(ThreadPlan):
    """A plan of `items` items, none skipped (only the counts matter to the board)."""

    def __init__(self, items: int) -> None:
        super().__init__("thread_a", None, {})
        self._items = items

    @property
    def items(self) -> int:
        return self._items


def expected(items: int, written: int, done: bool) -> str:
    """The model: writing shows the batch being written (1-based), then verifying."""
    if done or written >= items:
        return "verifying"
    return f"batch {written // BATCH_SIZE + 1} of {math.ceil(items / BATCH_SIZE)}"


@given(st.integers(0, 250), st.lists(st.integers(0, BATCH_SIZE), max_size=20), st.sampled_from(["ok", "error", "diff", "stop"]))
def test_rows_follow_the_engine_and_finish_once(items, steps, ending):
    board = Board.of([("thread_a", "A"), ("thread_b", "B")])
    board.planned("thread_a", FakePlan(items))
    board.unreadable("thread_b", "HTTP 404")
    row = board.row("thread_a")
    assert board.runnable() == ["thread_a"] and row.describe().startswith(f"planned · {items} item")
    written = 0
    for step in steps:
        written = min(items, written + step)
        board.progress(Progress("thread_a", read=items, written=written))
        assert row.describe() == expected(items, written, False)
        assert 1 <= row.batch <= max(1, math.ceil(items / BATCH_SIZE)) or row.state == "verifying"
    if ending == "stop":
        board.stop({"thread_a": "conv_x"})
        assert row.describe() == "stopped: M resumes it" and row.conversation_id == "conv_x"
    else:
        result = ThreadResult("thread_a", "conv_a", items, verified=ending == "ok",
                              error="HTTP 500" if ending == "error" else None,
                              differences=["item 3: text differs"] if ending == "diff" else [])
        board.finished(result)
        assert row.describe() == {"ok": f"verified · {items} item" + ("" if items == 1 else "s"),
                                  "error": "failed: HTTP 500",
                                  "diff": "failed: 1 difference: item 3: text differs"}[ending]
        assert board.conversations() == ({"thread_a": "conv_a"} if ending == "ok" else {})
    final = row.describe()
    board.progress(Progress("thread_a", read=items, written=0))  # a late callback changes nothing
    board.stop({})
    assert row.describe() == final and board.done()
    assert board.row("thread_b").describe() == "cannot read it: HTTP 404"
