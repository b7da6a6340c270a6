"""The session: paging, order, filter, selection, cache and prefetch, refresh, and the write flows."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

from tui.api.errors import NotFoundError, ThreadscopeError
from tui.api.models import Conversation, Item, Message, Thread
from tui.inert import make_inert
from tui.journal import EditJournal, JournalEntry, UndoRefused, undo_last_edit
from tui.session.cache import PageCache, Reads
from tui.session.found import Found, collect
from tui.session.jump import admits, build_around, entry_word, fetch_around, fetch_sides, page_from
from tui.session.source import ConversationSource, Entry, Owner, Page, Source
from tui.store import BrowserStore

if TYPE_CHECKING:  # find and the write flows load when first used: reading a thread needs none of them
    from tui.find import Match, Query
    from tui.session.writes import ComposeFlow, Deleted, DeleteFailed, MetadataWrites, OwnerWrites


def flipped(order: str) -> str:
    return "asc" if order == "desc" else "desc"


class PageRequest(NamedTuple):
    """How the page on show was fetched: `order` as asked of the server, after `after`."""

    order: str
    after: str | None = None


class Stamp(NamedTuple):
    """When a page was read from the server, and the cache generation its read began under."""

    read_at: float
    generation: int


class Left(NamedTuple):
    """The page on show as a step leaves it: kept as the page one step back from the next."""

    entries: list[Entry]
    can_prev: bool
    can_next: bool
    stamp: Stamp


@dataclass(frozen=True)
class Notice:
    """Something to tell the user that is not a failure ("This is the last page.")."""

    text: str
    severity: str = "information"


@dataclass(frozen=True)
class LoadFailed:
    """A page could not be fetched; the page on show stays."""

    error: ThreadscopeError
    headline: str | None = None


SessionEvent = Notice | LoadFailed

class Land(Enum):
    """Where the selection lands on a new page when no message is kept."""

    FIRST = "first"
    LAST = "last"


FIRST, LAST = Land.FIRST, Land.LAST


class Session:
    """One open thread or conversation: everything the browser shows and does, without Textual."""

    def __init__(self, source: Source, *, page_size: int = 20, order: str = "desc",
                 journal: EditJournal | None = None, on_seen: Callable[[int], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.source = source
        self.store = BrowserStore(source.id, page_size=page_size, order=order, noun=source.entry_word)
        self.request = PageRequest(order)
        self.cache = PageCache(clock)
        self.reads = Reads()
        self.shown: Stamp | None = None  # how fresh the page on show is (None: not to be kept)
        self.heading = 1  # the way the last step went: the prefetch reads ahead that way
        self.journal = journal
        self.on_seen = on_seen  # told the most entries one page showed, whenever that grows
        self.owner: Owner | None = None  # the thread or conversation as last read (for `E`)
        self._listeners: list[Callable[[SessionEvent], None]] = []
        self._seen = -1  # so the first page shown, even an empty one, is told: the id exists
        self.found = Found()  # the last find over the whole thread, for its pane and `]` / `[`

    @cached_property
    def writes(self) -> MetadataWrites:
        """Metadata saves of this thread's messages or conversation's items."""
        from tui.session.writes import MetadataWrites

        return MetadataWrites(self.source, self.journal, self.message_saved, sending=self.cache.clear)

    @cached_property
    def owner_writes(self) -> OwnerWrites:
        """Metadata saves of the thread or conversation itself."""
        from tui.session.writes import OwnerWrites

        return OwnerWrites(self.source, self.journal, self.owner_saved)

    # -- events ------------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[SessionEvent], None]) -> None:
        self._listeners.append(listener)

    def _publish(self, event: SessionEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    # -- paging ------------------------------------------------------------------------------

    async def first(self, *, keep: str | None = None) -> None:
        """The first page in the current order (newest first: the newest messages)."""
        self.cache.clear()
        await self._go(PageRequest(self.store.order), offset=0, keep=keep)

    async def last(self, *, keep: str | None = None) -> None:
        """The last page: the first one in the opposite order, flipped."""
        self.cache.clear()
        await self._go(PageRequest(flipped(self.store.order)), offset=None, keep=keep)

    async def next_page(self, *, land: Land = FIRST) -> bool:
        """The page after this one; False (and a notice) when this is the last."""
        store = self.store
        if not store.can_next or not store.page:
            self._publish(Notice("This is the last page."))
            return False
        offset = None if store.offset is None else store.offset + len(store.page)
        return await self._go(PageRequest(store.order, store.page[-1].id), offset=offset, land=land, step=1)

    async def prev_page(self, *, land: Land = FIRST) -> bool:
        """The page before this one (the page after its first entry in the opposite order)."""
        store = self.store
        if not store.can_prev or not store.page:
            self._publish(Notice("This is the first page."))
            return False
        return await self._go(PageRequest(flipped(store.order), store.page[0].id), offset=store.offset,
                              land=land, step=-1)

    async def refresh(self) -> None:
        """The same page as the server has it now; the selection stays on its message."""
        keep = self.store.selected_id
        self.cache.clear()
        await self._go(self.request, offset=self.store.offset, keep=keep)
        if keep is not None and self.store.selected_id != keep and not self.store.error:
            await self.show_around(keep)  # e.g. newer messages pushed it off the newest page

    def toggle_order(self) -> None:
        """Newest first ↔ oldest first: the same entries, the other way up, the selection kept."""
        store = self.store
        store.order = flipped(store.order)
        store.show_page(store.page[::-1], can_prev=store.can_next, can_next=store.can_prev, offset=None,
                        selected_id=store.selected_id)

    async def set_filter(self, metadata: dict[str, str]) -> None:
        self.store.filter = dict(metadata)
        await self.first()

    async def show_around(self, entry_id: str) -> None:
        """A full page holding `entry_id`, starting with it when enough entries follow it.

        The entry and the entries on either side of it are asked for together: one round trip.
        """
        store, order, size = self.store, self.store.order, self.store.page_size
        store.set_loading(True)
        stamp = self._stamp()
        try:
            entry, above, below = await fetch_sides(self.source, entry_id, order=order, above=size,
                                                    below=size, metadata=store.filter or None)
        except NotFoundError:  # it was deleted: the page on show stays, the selection on its first row
            store.set_loading(False)
            return
        except ThreadscopeError as exc:
            self._failed(exc)
            return
        held = [entry] if admits(entry, store.filter) else []  # an edit may have taken it out of the filter
        page = page_from(held, above, below, size)
        self.request = PageRequest(order, page.after)
        store.show_page(page.entries, can_prev=page.can_prev, can_next=page.can_next, offset=None,
                        selected_id=entry_id)
        self._saw(len(page.entries))
        self.shown, self.heading = stamp, 1

    async def jump_to(self, entry_id: str) -> bool:
        """The page around one message or item, highlighted; False (and why, in words) if not there."""
        store, source = self.store, self.source
        store.set_loading(True)
        stamp = self._stamp()
        try:
            entry, above, below = await fetch_around(source, entry_id, order=store.order, size=store.page_size,
                                                     metadata=store.filter or None)
            if store.filter and not admits(entry, store.filter):  # the page around it must hold it
                store.filter = {}
                self._publish(Notice(f"The filter is cleared: {entry_word(source)} {entry_id} does not match it."))
                entry, above, below = await fetch_around(source, entry_id, order=store.order,
                                                         size=store.page_size, metadata=None)
        except NotFoundError as exc:
            store.set_loading(False)
            exc.hint = f"check the {entry_word(source)} id, and that it is one of this {source.kind}'s"
            self._publish(LoadFailed(exc, f"{entry_word(source).capitalize()} {entry_id} is not in "
                                          f"{source.kind} {source.id}."))
            return False
        except ThreadscopeError as exc:
            self._failed(exc)
            return False
        around = build_around(entry, above, below, store.page_size)
        self.request = PageRequest(store.order, around.after)
        self.shown, self.heading = stamp, 1
        store.show_page(around.entries, can_prev=around.can_prev, can_next=around.can_next, offset=None,
                        selected_id=entry.id, around=entry.id)
        return True

    def find(self, query: Query, progress: Callable[[int], object] | None = None) -> AsyncIterator[Match]:
        """Every entry of the whole thread or conversation that `query` matches, oldest first, as found."""
        from tui.find import find_in

        return find_in(self.source.client, self.source.id, query, progress=progress)

    def new_find(self, text: str) -> Found:
        """Forget the last find's results: a new find of `text` starts (see `run_find`)."""
        self.found = Found(text)
        return self.found

    async def run_find(self, query: Query, found: Found, changed: Callable[[], None]) -> None:
        """Feed `found` from a find over the whole thread, `changed()` told as it grows."""

        def progress(seen: int) -> None:
            found.seen = max(found.seen, seen)
            changed()

        await collect(self.find(query, progress), found, changed)

    def highlighted_position(self) -> str | None:
        """Where the highlighted entry stands in the whole thread ("message 1,238 of 2,500"), or None.

        Known when the last find counted it, or counted another entry of the page on show: an
        unfiltered page is a run of consecutive entries, so the rows between tell the distance.
        """
        store, found = self.store, self.found
        index = store.selected_index
        if index is None or not found.matches:
            return None
        match = found.match_for(store.page[index].id)
        if match is not None:
            return found.position_label(match, store.noun)
        if store.filter:  # a filtered page skips entries: its rows are no measure of distance
            return None
        towards_newer = 1 if store.order == "asc" else -1  # positions count from the oldest
        for row, entry in enumerate(store.page):
            known = found.match_for(entry.id)
            if known is not None:
                position = known.position + (index - row) * towards_newer
                return found.label_at(position, store.noun) if position > 0 else None
        return None

    async def step_match(self, step: int) -> bool:
        """`]` / `[`: the next or previous match of the last find, its page fetched if not on show."""
        match = self.found.step(step)
        if match is None:
            found = self.found
            where = "No find yet: ctrl+f finds in the whole thread." if not found.text else (
                "No earlier match." if step < 0 else "No further match" + ("." if found.done else " yet."))
            self._publish(Notice(where, "warning"))
            return False
        if any(entry.id == match.id for entry in self.store.page):
            self.select(match.id)
            return True
        return await self.jump_to(match.id)

    async def show_created(self, message: Entry) -> None:
        """A new message or item is the newest: show the page with the newest end and select it."""
        if self.store.order == "desc":
            await self.first(keep=message.id)
        else:
            await self.last(keep=message.id)

    def set_page_size(self, rows: int) -> bool:
        """A page of `rows` entries (1–100) from the next load on; False when it already was."""
        rows = max(1, min(100, rows))
        if rows == self.store.page_size:
            return False
        self.store.page_size = rows
        return True

    # -- the selection -----------------------------------------------------------------------

    def select(self, entry_id: str | None) -> None:
        self.store.select(entry_id)

    def move_within(self, step: int) -> bool:
        """Move the selection `step` rows if that stays on the page; False at its edge."""
        store = self.store
        index = store.selected_index
        if index is None:
            if store.page:
                store.select(store.page[0].id)
            return True
        target = index + step
        if 0 <= target < len(store.page):
            store.select(store.page[target].id)
            return True
        return False

    async def move(self, step: int) -> None:
        """`j`/`k`: within the page, or on past its edge to the next or previous page."""
        if self.move_within(step):
            return
        store = self.store
        if step > 0 and store.can_next:
            await self.next_page(land=FIRST)
        elif step < 0 and store.can_prev:
            await self.prev_page(land=LAST)

    # -- background --------------------------------------------------------------------------

    def should_poll(self) -> bool:
        """Auto-refresh only while the page shows the newest end and nothing is loading."""
        store = self.store
        newest_shown = not store.can_prev if store.order == "desc" else not store.can_next
        return newest_shown and not store.loading

    async def prefetch(self) -> None:
        """Fetch ahead the page the last step headed for, so `n` or `p` paints at once.

        When that one is remembered already, the page the other way instead: one request at
        most. Errors are left for the key to report.
        """
        for request in self._neighbours():
            if self.cache.get(self._key(request, self.store.page_size)) is not None:
                continue
            try:
                await self._fetch(request, use_cache=True)
            except ThreadscopeError:
                pass
            return

    def _neighbours(self) -> list[PageRequest]:
        """How `n` and `p` would ask for the pages next to this one, the way of the last step first."""
        store = self.store
        if not store.page:
            return []
        ahead = [PageRequest(store.order, store.page[-1].id)] if store.can_next else []
        # The first page could not be kept (nothing precedes it): `p` onto it asks the server anyway.
        first_is_next = store.offset is not None and store.offset <= store.page_size
        back = [PageRequest(flipped(store.order), store.page[0].id)] if store.can_prev and not first_is_next else []
        return back + ahead if self.heading < 0 else ahead + back

    # -- writes ------------------------------------------------------------------------------

    def message_saved(self, message: Message) -> None:
        """A write flow saved `message`: remembered pages may hold its old state."""
        self.cache.clear()
        if getattr(message, "thread_id", self.source.id) == self.source.id:  # undo may restore another thread's
            self.store.replace_message(message)

    def owner_saved(self, owner: Owner) -> None:
        """`E` saved the thread's or conversation's own metadata: this is its state now."""
        if owner.id == self.source.id:
            self.owner = owner

    async def read_owner(self) -> Owner:
        """The open thread or conversation as the server has it now (for `E`)."""
        self.owner = await self.source.retrieve_owner()
        return self.owner

    def compose_flow(self) -> ComposeFlow:
        from tui.session.writes import ComposeFlow

        return ComposeFlow(self.source)

    async def delete_selected(self) -> Deleted | DeleteFailed:
        """`D`: delete the highlighted item (its JSON journaled first), then show the page without it."""
        from tui.session.writes import Deleted, delete_item

        item = self.store.selected
        if not isinstance(self.source, ConversationSource) or not isinstance(item, Item):
            raise RuntimeError("only a conversation's items can be deleted")
        outcome = await delete_item(self.source, item, self.journal)
        if isinstance(outcome, Deleted):
            await self.after_delete(item)
        return outcome

    async def after_delete(self, item: Item) -> None:
        """The page again, the selection on the row that took the deleted one's place."""
        page = self.store.page
        index = next((i for i, entry in enumerate(page) if entry.id == item.id), 0)
        neighbours = [entry.id for entry in page[index + 1:index + 2] + page[max(0, index - 1):index]]
        self.cache.clear()
        await self._go(self.request, offset=self.store.offset, keep=neighbours[0] if neighbours else None)
        if not self.store.page and self.store.can_prev:  # the only row of the last page went
            await self.last()

    def last_edit(self) -> JournalEntry | None:
        """The last saved, not undone, edit of this thread or conversation (itself or one of its entries)."""
        if self.journal is None:
            raise RuntimeError("this session has no edit journal")
        return self.journal.last_saved_edit(self.source.id)

    async def undo_last_edit(self, entry: JournalEntry | None = None) -> Message | Thread | Conversation:
        """Put back what `entry` (default: `last_edit()`) replaced; only edits of this thread or conversation.

        Raises UndoRefused (nothing to undo here, or the server changed since) or ThreadscopeError.
        """
        entry = entry or self.last_edit()
        if entry is None:
            raise UndoRefused(f"Nothing to undo in this {self.source.kind}.")
        if entry.thread_id != self.source.id:
            raise UndoRefused(f"Not undoing: that edit was made in {make_inert(entry.thread_id)}, not in this {self.source.kind}.")
        restored = await undo_last_edit(self.source.client, self.journal, entry=entry)
        if isinstance(restored, Message):
            self.message_saved(restored)
        else:
            self.owner_saved(restored)
        return restored

    # -- plumbing ----------------------------------------------------------------------------

    def _key(self, request: PageRequest, limit: int) -> tuple:
        return (request.order, request.after, limit, tuple(sorted(self.store.filter.items())))

    def _stamp(self) -> Stamp:
        return Stamp(self.cache.clock(), self.cache.generation)

    async def _fetch(self, request: PageRequest, *, limit: int | None = None, use_cache: bool = False) -> Page:
        return (await self._fetch_stamped(request, limit=limit, use_cache=use_cache))[0]

    async def _fetch_stamped(self, request: PageRequest, *, limit: int | None = None,
                             use_cache: bool = False) -> tuple[Page, Stamp]:
        limit = limit or self.store.page_size
        key = self._key(request, limit)
        if use_cache:
            found = self.cache.get_stamped(key)
            if found is not None:
                return found[0], Stamp(found[1], self.cache.generation)
            joined = await self.reads.join(key)  # e.g. `n` while the read-ahead of its page is out
            if joined is not None and joined[1].generation == self.cache.generation:
                return joined
        return await self.reads.run(key, self._read(key, request, limit))

    async def _read(self, key: tuple, request: PageRequest, limit: int) -> tuple[Page, Stamp]:
        generation = self.cache.generation
        page = await self.source.list_page(limit=limit, order=request.order, after=request.after,
                                           metadata=self.store.filter or None)
        stamp = Stamp(self.cache.clock(), generation)
        self.cache.keep(key, page, limit=limit, after=request.after, generation=generation, read_at=stamp.read_at)
        return page, stamp

    def _leaving(self) -> Left | None:
        """The page on show, if it is a full one that may be kept once a step leaves it."""
        store = self.store
        if self.shown is None or not store.page or len(store.page) != store.page_size:
            return None
        return Left(list(store.page), store.can_prev, store.can_next, self.shown)

    def _remember(self, left: Left | None, step: int) -> None:
        """Keep the page just left as the page one step back from this one: going back paints at once.

        The step fetched this page right after the one left, so asking for the page beyond this
        one's edge the other way would return exactly the entries left.
        """
        page = self.store.page
        if left is None or not page:
            return
        order = self.store.order
        if step > 0:
            request, kept = PageRequest(flipped(order), page[0].id), Page(left.entries[::-1], left.can_prev)
        else:
            request, kept = PageRequest(order, page[-1].id), Page(left.entries, left.can_next)
        limit = len(left.entries)
        self.cache.keep(self._key(request, limit), kept, limit=limit, after=request.after,
                        generation=left.stamp.generation, read_at=left.stamp.read_at)

    async def _go(self, request: PageRequest, *, offset: int | None, keep: str | None = None,
                  land: Land = FIRST, step: int = 0) -> bool:
        self.store.set_loading(True)
        try:
            page, stamp = await self._fetch_stamped(request, use_cache=step != 0)
        except ThreadscopeError as exc:
            self._failed(exc)
            return False
        if step and not page.entries:  # nothing there after all (e.g. edits took entries out of the filter)
            store = self.store
            store.show_page(store.page, can_prev=store.can_prev and step > 0, can_next=store.can_next and step < 0,
                            offset=store.offset, selected_id=store.selected_id)
            return False
        if step < 0 and offset is not None:
            offset = offset - len(page.entries)
            offset = offset if offset > 0 else None  # the thread grew above: the count is lost
        left = self._leaving() if step else None
        self._show(request, page, offset=offset, keep=keep, land=land)
        self.shown = stamp
        if step:
            self.heading = step
            self._remember(left, step)
        return True

    def _show(self, request: PageRequest, page: Page, *, offset: int | None, keep: str | None = None,
              land: Land = FIRST) -> None:
        store = self.store
        same_way = request.order == store.order
        entries = page.entries if same_way else page.entries[::-1]
        before_start = request.after is not None  # the cursor entry itself comes before the page
        can_prev, can_next = (before_start, page.has_more) if same_way else (page.has_more, before_start)
        self.request = request
        if keep is None and entries:
            keep = entries[0].id if land is FIRST else entries[-1].id
        store.show_page(entries, can_prev=can_prev, can_next=can_next, offset=offset, selected_id=keep)
        self._saw(len(entries))

    def _saw(self, count: int) -> None:
        if count > self._seen:
            self._seen = count
            if self.on_seen is not None:
                self.on_seen(count)

    def _failed(self, error: ThreadscopeError) -> None:
        source = self.source
        if isinstance(error, NotFoundError):
            self.store.set_error(f"{source.kind} {source.id} not found", error.brief())
            self._publish(LoadFailed(error, f"{source.kind.capitalize()} {source.id} was not found."))
        else:
            self.store.set_error(str(error), error.brief())
            self._publish(LoadFailed(error))
