"""Where the highlighted entry stands after a jump: from the find's counts, against a plain model of the thread."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from tui.api.models import Message
from tui.find import Match, Snippet
from tui.session import Session


def session_on(size: int, *, start: int, length: int, order: str, matched: set[int], selected: int,
               filtered: bool = False) -> Session:
    """A session showing thread positions start..start+length-1 (1-based, oldest first) in `order`,
    after a find that matched the positions in `matched`."""
    session = Session(SimpleNamespace(id="thread_x", entry_word="message"))
    positions = list(range(start, start + length))
    shown = positions if order == "asc" else positions[::-1]
    page = [Message(id=f"message_{p}", role="user", content=[], created_at=0, thread_id="thread_x") for p in shown]
    session.store.order = order
    session.store.filter = {"k": "v"} if filtered else {}
    found = session.new_find("x")
    found.matches = [Match(f"message_{p}", p, "user", 0, "text", Snippet("x", 0, 1)) for p in sorted(matched)]
    found.seen, found.done = size, True
    session.store.show_page(page, can_prev=True, can_next=True, offset=None, selected_id=f"message_{shown[selected]}",
                            around=page[0].id)
    return session


@st.composite
def jumps(draw):
    size = draw(st.integers(1, 60))
    start = draw(st.integers(1, size))
    length = draw(st.integers(1, size - start + 1))
    matched = draw(st.sets(st.integers(1, size), max_size=8))
    return size, start, length, matched, draw(st.sampled_from(["asc", "desc"])), draw(st.integers(0, length - 1))


@given(jumps())
def test_the_highlighted_entry_is_placed_exactly_when_the_page_holds_a_counted_entry(case):
    size, start, length, matched, order, selected = case
    session = session_on(size, start=start, length=length, order=order, matched=matched, selected=selected)
    truth = int(session.store.selected_id.removeprefix("message_"))
    on_page = any(start <= p < start + length for p in matched)
    assert session.highlighted_position() == (f"message {truth:,} of {size:,}" if on_page else None)


def test_a_filtered_page_places_only_the_counted_entries_themselves():
    args = dict(start=10, length=5, order="desc", matched={12})
    assert session_on(50, **args, selected=2, filtered=True).highlighted_position() == "message 12 of 50"
    assert session_on(50, **args, selected=0, filtered=True).highlighted_position() is None  # rows skip entries
    assert session_on(50, **args, selected=0).highlighted_position() == "message 14 of 50"


def test_while_the_find_runs_the_position_has_no_total_yet():
    session = session_on(50, start=10, length=5, order="asc", matched={12}, selected=4)
    session.found.done = False
    assert session.highlighted_position() == "message 14"
