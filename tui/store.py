"""What the browser shows: one page, its boundaries, order, filter and selection.

Only the session changes it (tui/session); widgets render from it when it tells its
listeners what changed, as a `Change`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from tui.api.models import Message

ORDER_WORDS = {"desc": "newest first", "asc": "oldest first"}


class Change(Enum):
    """What changed in the store."""

    PAGE = "page"
    SELECTION = "selection"
    LOADING = "loading"
    ERROR = "error"


@dataclass
class BrowserStore:
    """State of one thread's browser."""

    thread_id: str  # the thread's or conversation's id
    page_size: int = 20
    order: str = "desc"
    filter: dict[str, str] = field(default_factory=dict)
    page: list[Message] = field(default_factory=list)
    selected_id: str | None = None
    loading: bool = False
    error: str | None = None
    error_brief: str | None = None  # the error in a few words, for the one-row status
    can_next: bool = False  # more entries below the page (in display order)
    can_prev: bool = False  # more entries above it
    offset: int | None = 0  # entries above the page, when known (not after jumping to the end)
    around: str | None = None  # the entry a jump built this page around, while it is on the page
    noun: str = "message"  # what one entry is called: "message" or "item"
    listeners: list[Callable[[Change], None]] = field(default_factory=list, repr=False)

    # -- listening -------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[Change], None]) -> None:
        """Call `listener(change)` after every change."""
        self.listeners.append(listener)

    def changed(self, what: Change) -> None:
        for listener in list(self.listeners):
            listener(what)

    # -- derived ---------------------------------------------------------------------------

    @property
    def selected(self) -> Message | None:
        return next((m for m in self.page if m.id == self.selected_id), None)

    @property
    def selected_index(self) -> int | None:
        return next((i for i, m in enumerate(self.page) if m.id == self.selected_id), None)

    @property
    def page_number(self) -> int | None:
        """0 for the first page, when the page is one of those counted from the start."""
        if self.offset is None or self.offset % self.page_size:
            return None
        return self.offset // self.page_size

    def position_label(self, around_label: str | None = None) -> str:
        """E.g. "messages 21–40 · newest first · more below".

        After a jump the offset is unknown (counting it would cost a walk): the page is then
        "around" the entry jumped to, named by `around_label` ("message 1,204 of 2,500").
        """
        nouns = f"{self.noun}s"
        count = len(self.page)
        if not self.page:
            where = f"no {nouns}" if not self.filter else f"no {nouns} match the filter"
        elif self.offset is None and self.around is not None:
            where = f"around {around_label or f'the {self.noun} jumped to'}"
        elif self.offset is None:
            where = f"{'' if self.can_next else 'last '}{count} {self.noun if count == 1 else nouns}"
            if self.can_next:
                where += " · position not counted"
        elif count == 1:
            where = f"{self.noun} {self.offset + 1}"
        else:
            where = f"{nouns} {self.offset + 1}–{self.offset + count}"
        parts = [where, ORDER_WORDS[self.order]]
        if self.filter:
            parts.append("filter " + " ".join(f"{k}={v}" for k, v in self.filter.items()))
        parts.extend(w for w, ok in (("more above", self.can_prev), ("more below", self.can_next)) if ok)
        return " · ".join(parts)

    # -- changes (made by the session) -----------------------------------------------------

    def set_loading(self, loading: bool) -> None:
        self.loading = loading
        if loading:
            self.error = self.error_brief = None
        self.changed(Change.LOADING)

    def set_error(self, message: str, brief: str | None = None) -> None:
        self.error, self.error_brief = message, brief
        self.loading = False
        self.changed(Change.ERROR)

    def show_page(self, entries: list[Message], *, can_prev: bool, can_next: bool, offset: int | None,
                  selected_id: str | None, around: str | None = None) -> None:
        """Show `entries` (in display order); the selection is `selected_id` if on it, else the first.

        `around`: the entry a jump built the page around (kept while it stays on an uncounted page).
        """
        self.loading = False
        self.error = self.error_brief = None
        self.page = entries
        self.can_prev, self.can_next = can_prev, can_next
        self.offset = 0 if not can_prev else offset
        anchor = around or self.around
        self.around = anchor if self.offset is None and any(m.id == anchor for m in entries) else None
        if selected_id is None or not any(m.id == selected_id for m in entries):
            selected_id = entries[0].id if entries else None
        self.selected_id = selected_id
        self.changed(Change.PAGE)

    def select(self, message_id: str | None) -> None:
        if message_id != self.selected_id:
            self.selected_id = message_id
            self.changed(Change.SELECTION)

    def replace_message(self, message: Message) -> None:
        """Put a re-read message (after an edit) in place of its old copy."""
        for index, old in enumerate(self.page):
            if old.id == message.id:
                self.page[index] = message
                self.changed(Change.PAGE)
                return
