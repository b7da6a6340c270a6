"""The status line's choice of forms, as properties over widths and parts (newcomer #5): one row
that fits whenever any form can, keeps the position and error words whole, and a backend that
does not change form as the position changes length."""

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.widgets.status_bar import HEADS, POSITION_ROOM, _head, _tail, status_line

BACKENDS = [("embedded emulator (demo data)", "emulator"),
            ("custom http://127.0.0.1:8765/api/v1", "custom 127.0.0.1:8765"),
            ("DashScope intl (dashscope-intl.aliyuncs.com)", "DashScope intl")]
PLACES = ["thread_603909b3-682a-488e-a331-a14b15e357df", "conv_337a973c-5e49-4dcd-81a1-6d8b33d8a196",
          "threads and conversations"]
ERRORS = [None, "not found", "HTTP 401", "HTTP 500 · 2 retries", "cannot connect · 2 retries"]


@st.composite
def positions(draw):
    noun = draw(st.sampled_from(["message", "item"]))
    n = draw(st.integers(1, 2500))
    where = draw(st.sampled_from([
        f"no {noun}s", f"{noun}s {n:,}–{n + 19:,}", f"{n:,} {noun}s · position not counted",
        f"around {noun} {n:,} of 2,500", f"{noun} {n:,}", f"around {noun} 603909b3…"]))
    order = draw(st.sampled_from(["newest first", "oldest first"]))
    more = draw(st.sampled_from(["", " · more above", " · more below", " · more above · more below"]))
    return f"{where} · {order}{more}"


@st.composite
def status_parts(draw, position=None):
    backend, brief = draw(st.sampled_from(BACKENDS))
    return dict(backend=backend, backend_brief=brief, profile=draw(st.sampled_from([None, "work"])),
                workspace=draw(st.sampled_from([None, "ws-1234"])), where=draw(st.sampled_from(PLACES)),
                position=draw(positions()) if position is None else position, loading=draw(st.booleans()),
                error=draw(st.sampled_from(ERRORS)), family=draw(st.sampled_from(["Assistant API", "Conversations API"])))


def backend_part(line: str) -> str:
    return line.split(" │ ", 1)[0]


@settings(max_examples=300, deadline=None)
@given(status_parts(), st.integers(40, 220))
def test_the_line_fits_and_keeps_the_position_and_the_error_whole(parts, width):
    line = status_line(parts, width).plain
    narrowest = _head(parts, HEADS[-1]) + _tail(parts, compact=True)
    if narrowest.cell_len > width:
        return  # no form fits: the CSS ends the row in "…"
    assert len(line) <= width
    kept = _tail(parts, compact=True).plain, _tail(parts, compact=False).plain
    assert line.endswith(kept), (line, kept)  # the position, loading mark and error, whole
    if parts["error"]:
        assert line.endswith(f"⚠ {parts['error']}")


@settings(max_examples=300, deadline=None)
@given(status_parts(), positions(), st.integers(60, 220))
def test_the_backend_keeps_its_form_while_the_position_changes(parts, other, width):
    moved = dict(parts, position=other)
    if max(_tail(p, compact=True).cell_len for p in (parts, moved)) > POSITION_ROOM:
        return  # a position longer than the room kept for it: the width demands a change
    assert backend_part(status_line(parts, width).plain) == backend_part(status_line(moved, width).plain)


@given(status_parts())
def test_with_room_to_spare_everything_is_said_in_full(parts):
    line = status_line(parts, 400).plain
    assert line.startswith(parts["backend"])
    if not (parts["loading"] and parts["position"].startswith("no ")):  # "no messages" waits for the page
        assert parts["position"] in line
    if parts["where"].startswith(("thread_", "conv_")):
        assert parts["where"] in line and parts["family"] in line
