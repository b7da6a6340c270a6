"""The browser's store: what the UI shows, and the only place that changes it.

Workers fetch and hand results to the store's `apply_*` methods; widgets render from the
store when it tells its listeners what changed. It holds one page at a time (memory stays
flat however far the user pages) plus the cursors to move from it:

- `n` asks for the page after the last message shown (`after` cursor);
- `p` goes back through a stack of the cursors that led here, so it returns to exactly
  the page seen before; when there is no stack (after jumping to the end), it asks for
  the page just before the first message shown (`before` cursor);
- `G` fetches the newest-or-oldest end by reversing the order, then flips the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from tui.api.models import Message

ORDER_WORDS = {"desc": "newest first", "asc": "oldest first"}


class PageRequest(NamedTuple):
    """What to fetch for a page, and how the result should be placed."""

    after: str | None = None
    before: str | None = None
    reverse: bool = False  # fetch in the opposite order and flip (the last page)
    kind: str = "first"  # first | next | prev | last | refresh | around
    keep_selection: str | None = None


@dataclass
class BrowserStore:
    """State of one thread's browser."""

    thread_id: str
    page_size: int = 20
    order: str = "desc"
    filter: dict[str, str] = field(default_factory=dict)
    page: list[Message] = field(default_factory=list)
    selected_id: str | None = None
    loading: bool = False
    error: str | None = None
    can_next: bool = False
    can_prev: bool = False
    page_number: int | None = 0  # None once we jumped to the end: the position is then unknown
    at_end: bool = False
    cursors: list[str | None] = field(default_factory=lambda: [None])  # `after` cursor of each page walked
    current_request: PageRequest = field(default_factory=PageRequest)
    _listeners: list[Callable[[str], None]] = field(default_factory=list, repr=False)

    # -- listening -------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[str], None]) -> None:
        """Call `listener(what)` after every change; `what` is page, selection, loading or error."""
        self._listeners.append(listener)

    def _changed(self, what: str) -> None:
        for listener in list(self._listeners):
            listener(what)

    # -- derived ---------------------------------------------------------------------------

    @property
    def selected(self) -> Message | None:
        return next((m for m in self.page if m.id == self.selected_id), None)

    @property
    def selected_index(self) -> int | None:
        return next((i for i, m in enumerate(self.page) if m.id == self.selected_id), None)

    def position_label(self) -> str:
        """E.g. "messages 21–40 · newest first · more below"."""
        words = ORDER_WORDS[self.order]
        if not self.page:
            where = "no messages" if not self.filter else "no messages match the filter"
        elif self.page_number is None:
            where = f"{'last' if self.at_end else ''} {len(self.page)} messages".strip()
        else:
            start = self.page_number * self.page_size + 1
            where = f"messages {start}–{start + len(self.page) - 1}"
        parts = [where, words]
        if self.filter:
            parts.append("filter " + " ".join(f"{k}={v}" for k, v in self.filter.items()))
        more = [w for w, ok in (("more above", self.can_prev), ("more below", self.can_next)) if ok]
        parts.extend(more)
        return " · ".join(parts)

    # -- requests (what to fetch next) -----------------------------------------------------

    def request_first(self) -> PageRequest:
        return PageRequest(kind="first")

    def request_next(self) -> PageRequest | None:
        if not self.can_next or not self.page:
            return None
        return PageRequest(after=self.page[-1].id, kind="next")

    def request_prev(self) -> PageRequest | None:
        if not self.can_prev or not self.page:
            return None
        if self.page_number is not None and self.page_number > 0:
            return PageRequest(after=self.cursors[self.page_number - 1], kind="prev")
        return PageRequest(before=self.page[0].id, kind="prev")

    def request_last(self) -> PageRequest:
        return PageRequest(reverse=True, kind="last")

    def request_refresh(self) -> PageRequest:
        return PageRequest(
            after=self.current_request.after, before=self.current_request.before,
            reverse=self.current_request.reverse, kind="refresh", keep_selection=self.selected_id,
        )

    # -- changes ---------------------------------------------------------------------------

    def set_loading(self, loading: bool) -> None:
        self.loading = loading
        if loading:
            self.error = None
        self._changed("loading")

    def set_error(self, message: str) -> None:
        self.error = message
        self.loading = False
        self._changed("error")

    def apply_page(self, request: PageRequest, messages: list[Message], has_more: bool) -> None:
        """Place a fetched page (already in display order) according to how it was asked for."""
        previous_number = self.page_number
        self.loading = False
        self.error = None
        self.current_request = request
        if request.kind == "first":
            self.page_number, self.cursors, self.at_end = 0, [None], False
            self.can_prev, self.can_next = False, has_more
        elif request.kind == "next":
            self.at_end = False
            if previous_number is not None:
                self.page_number = previous_number + 1
                del self.cursors[self.page_number:]
                self.cursors.append(request.after)
            self.can_prev, self.can_next = True, has_more
        elif request.kind == "prev":
            self.at_end = False
            if request.before is None and previous_number is not None:
                self.page_number = previous_number - 1
                self.can_prev = self.page_number > 0
            else:
                self.can_prev = has_more
            self.can_next = True
        elif request.kind == "last":
            self.page_number, self.cursors, self.at_end = None, [], True
            self.can_prev, self.can_next = has_more, False
        elif request.kind == "around":
            self.page_number, self.cursors, self.at_end = None, [], False
            self.can_prev, self.can_next = True, has_more
        elif request.kind == "refresh":
            if self.page_number is None:
                self.can_next = has_more if not request.reverse else False
                self.can_prev = has_more if request.reverse else self.can_prev
            else:
                self.can_next = has_more
        self.page = messages
        keep = request.keep_selection or self.selected_id
        if keep is None or not any(m.id == keep for m in messages):
            keep = messages[0].id if messages else None
        self.selected_id = keep
        self._changed("page")

    def select(self, message_id: str | None) -> None:
        if message_id != self.selected_id:
            self.selected_id = message_id
            self._changed("selection")

    def set_order(self, order: str) -> None:
        self.order = order

    def set_filter(self, metadata: dict[str, str]) -> None:
        self.filter = dict(metadata)

    def replace_message(self, message: Message) -> None:
        """Put a re-read message (after an edit) in place of its old copy."""
        for index, old in enumerate(self.page):
            if old.id == message.id:
                self.page[index] = message
                self._changed("page")
                return
