"""The page around one message or item, from the cursors the API has: a jump, not a walk.

Two list calls with the entry as the `after` cursor, one in each order (items have no
`before`; for a thread `after=ID` the other way round is `before=ID`), and a retrieve of the
entry itself, all at once: the page is built around it, about half of it on either side,
full whenever the thread holds enough entries. Each list asks for about half a page; near an
end, where one side runs short, the other side is asked again for a whole page.
"""

from __future__ import annotations

import asyncio
from typing import NamedTuple

from tui.session.source import Entry, Page, Source


class Around(NamedTuple):
    """A page in display order, whether more lie beyond it, and the cursor the page follows."""

    entries: list[Entry]
    can_prev: bool
    can_next: bool
    after: str | None  # the entry just above the page (None: the page starts at the top end)


def flipped(order: str) -> str:
    return "asc" if order == "desc" else "desc"


def entry_word(source: Source) -> str:
    """What one entry is called: a thread holds messages, a conversation items."""
    return "item" if source.kind == "conversation" else "message"


def admits(entry: Entry, metadata: dict[str, str]) -> bool:
    """True when the entry has every pair of the metadata filter."""
    held = entry.metadata_dict
    return all(held.get(key) == value for key, value in metadata.items())


async def fetch_around(source: Source, entry_id: str, *, order: str, size: int,
                       metadata: dict[str, str] | None) -> tuple[Entry, Page, Page]:
    """The entry, the entries above it (nearest first) and those below it, fetched together.

    Each side is asked for about half a page, all the page needs (above: one more, the cursor
    the page follows); only near an end, where one side runs short, the other is asked again
    for a whole page so the page stays full.
    """
    room = size - 1
    above_limit, below_limit = room // 2 + 1, max(1, room - room // 2)  # the API's limit is at least 1
    entry, above, below = await fetch_sides(source, entry_id, order=order, above=above_limit, below=below_limit,
                                            metadata=metadata)
    wanted_above = taken_above(below, size)
    if above.has_more and len(above.entries) <= wanted_above:  # few below: the page reaches further up
        above = await source.list_page(limit=size, order=flipped(order), after=entry_id, metadata=metadata)
    elif below.has_more and len(below.entries) < room - min(len(above.entries), wanted_above):  # few above
        below = await source.list_page(limit=size, order=order, after=entry_id, metadata=metadata)
    return entry, above, below


async def fetch_sides(source: Source, entry_id: str, *, order: str, above: int, below: int,
                      metadata: dict[str, str] | None) -> tuple[Entry, Page, Page]:
    """The entry, up to `above` entries above it (nearest first) and `below` below it: one round trip."""
    results = await asyncio.gather(
        source.retrieve(entry_id),
        source.list_page(limit=above, order=flipped(order), after=entry_id, metadata=metadata),
        source.list_page(limit=below, order=order, after=entry_id, metadata=metadata),
        return_exceptions=True,
    )
    for result in results:  # the retrieve's error first: "not found" says more than a refused cursor
        if isinstance(result, BaseException):
            raise result
    entry, above_page, below_page = results
    return entry, above_page, below_page


def page_from(held: list[Entry], above: Page, below: Page, size: int) -> Around:
    """A page of up to `size` entries starting with `held` (the entry, or nothing), then those below it;
    only when too few follow does it begin higher up, so that it is full."""
    take_below = min(len(below.entries), size - len(held))
    take_above = min(len(above.entries), size - len(held) - take_below)
    return assemble(held, above, take_above, below, take_below)


def taken_above(below: Page, size: int) -> int:
    """How many entries above the target the page wants, given those below: half, or what below leaves."""
    room = size - 1
    return max(room // 2, room - len(below.entries))


def build_around(entry: Entry, above: Page, below: Page, size: int) -> Around:
    """A page of up to `size` entries with `entry` in it: half above when both sides have enough."""
    room = size - 1
    take_above = min(len(above.entries), taken_above(below, size))
    take_below = min(len(below.entries), room - take_above)
    return assemble([entry], above, take_above, below, take_below)


def assemble(held: list[Entry], above: Page, take_above: int, below: Page, take_below: int) -> Around:
    """The page of `take_above` entries above `held` and `take_below` below it, in display order."""
    entries = above.entries[:take_above][::-1] + held + below.entries[:take_below]
    can_prev = take_above < len(above.entries) or above.has_more
    can_next = take_below < len(below.entries) or below.has_more
    after = above.entries[take_above].id if take_above < len(above.entries) else None
    return Around(entries, can_prev, can_next, after)
