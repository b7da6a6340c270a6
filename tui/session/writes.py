"""The write flows of a session: a metadata save (re-read, stale guard, journal, save), compose, delete.

Each step answers a typed outcome; the screens decide how to show it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from tui.api.errors import APIError, ProtocolError, ThreadscopeError, TransportError
from tui.api.models import Item, Message
from tui.journal import EditJournal, JournalEntry
from tui.session.source import ConversationSource, Entry, Owner, Source


@dataclass(frozen=True)
class Saved:
    """The server took the metadata; `message` is its re-read copy (None if that read failed)."""

    message: Message | None
    before: dict[str, str]
    after: dict[str, str]


@dataclass(frozen=True)
class AlreadySaved:
    """The server already holds exactly this metadata (e.g. an earlier attempt did land)."""

    message: Message


@dataclass(frozen=True)
class Conflict:
    """Someone changed the metadata since the editor opened; nothing was sent."""

    current: Message


@dataclass(frozen=True)
class SaveFailed:
    error: ThreadscopeError
    headline: str


SaveOutcome = Saved | AlreadySaved | Conflict | SaveFailed


class MetadataWrites:
    """Replace a message's metadata carefully: re-read first, journal before sending."""

    what = "message"  # the word in failure headlines

    def __init__(self, source: Source, journal: EditJournal | None, saved: Callable[[Message], None],
                 sending: Callable[[], None] | None = None) -> None:
        self.source = source
        self.journal = journal
        self.saved = saved
        self.sending = sending  # told before a write goes out: what is shown may be stale from then on

    async def read(self, entry_id: str):
        return await self.source.retrieve(entry_id)

    async def write(self, entry_id: str, metadata: dict[str, str]) -> None:
        await self.source.modify_metadata(entry_id, metadata)

    def journal_begin(self, current, before: dict[str, str], after: dict[str, str]) -> JournalEntry:
        return self.journal.begin(current, before, after)

    async def save(self, entry_id: str, baseline: dict[str, str], metadata: dict[str, str]) -> SaveOutcome:
        """Send `metadata` unless the server's copy is no longer `baseline` (what the editor started from)."""
        try:
            current = await self.read(entry_id)
        except ThreadscopeError as exc:
            return SaveFailed(exc, f"Could not re-read the {self.what} before saving; nothing was sent.")
        server = current.metadata_dict
        if server == metadata:
            self.saved(current)
            return AlreadySaved(current)
        if server != baseline:
            return Conflict(current)
        return await self.overwrite(current, metadata)

    async def overwrite(self, current: Message, metadata: dict[str, str]) -> Saved | SaveFailed:
        """Send `metadata` in place of `current`'s, written to the journal first."""
        server = current.metadata_dict
        entry = self.journal_begin(current, server, metadata) if self.journal else None
        if self.sending is not None:
            self.sending()
        try:
            await self.write(current.id, metadata)
        except ThreadscopeError as exc:
            if entry is not None:
                self.journal.mark(entry, "failed", error=exc.describe())
            if may_have_landed(exc):
                await self._show_server_state(current.id)
            return SaveFailed(exc, "The server did not save the metadata.")
        if entry is not None:
            self.journal.mark(entry, "saved")
        try:
            saved = await self.read(current.id)
        except ThreadscopeError:
            saved = None
        if saved is not None:
            self.saved(saved)
        return Saved(saved, server, metadata)


    async def _show_server_state(self, entry_id: str) -> None:
        """After a write whose answer was lost, what is shown (and remembered) is re-read from the server."""
        try:
            self.saved(await self.read(entry_id))
        except ThreadscopeError:
            pass  # the editor keeps the edit either way; the next page load asks the server again


class OwnerWrites(MetadataWrites):
    """The same careful save, of the open thread's or conversation's own metadata (`E`)."""

    def __init__(self, source: Source, journal: EditJournal | None, saved: Callable[[Owner], None]) -> None:
        super().__init__(source, journal, saved)
        self.what = source.kind

    async def read(self, entry_id: str) -> Owner:
        return await self.source.retrieve_owner()

    async def write(self, entry_id: str, metadata: dict[str, str]) -> None:
        await self.source.update_owner(metadata)

    def journal_begin(self, current, before: dict[str, str], after: dict[str, str]) -> JournalEntry:
        return self.journal.begin_owner_edit(current, before, after)


def may_have_landed(error: ThreadscopeError) -> bool:
    """Whether a failed create could still have created the message on the server."""
    if isinstance(error, APIError):
        return error.status >= 500 or error.status == 408
    if isinstance(error, TransportError):
        return error.maybe_sent  # a timeout or a reset: unknown; no connection at all: certainly not
    return isinstance(error, ProtocolError)  # an unreadable answer: the server may have acted


@dataclass(frozen=True)
class Posted:
    """The entry exists; `earlier` when a previous, failed-looking attempt had created it."""

    message: Entry
    earlier: bool = False


@dataclass(frozen=True)
class SendFailed:
    error: ThreadscopeError
    headline: str
    uncertain: bool  # it may still have reached the server: the next send looks for it first


class ComposeFlow:
    """One message or item being composed: sent once, never blindly again.

    Creating is not idempotent and a request that timed out or got a 5xx may still have
    created it, so after such a failure the next send first looks at the newest entries
    for this exact text and role, posted since the first attempt, and adopts it if it is
    there. Messages say when they were posted; items do not, so for a conversation the
    newest items are noted before the first attempt and only an item not among them counts.
    """

    SKEW_MS = 5_000  # allowed difference between our clock and the server's
    LOOK_BACK = 20  # newest entries checked for an earlier attempt

    def __init__(self, source: Source, now_ms: Callable[[], int] = lambda: int(time.time() * 1000)) -> None:
        self.source = source
        self.now_ms = now_ms
        self.first_attempt_ms: int | None = None
        self.known_before: set[str] | None = None  # item ids that existed before the first attempt
        self.uncertain = False
        self.word = source.entry_word

    async def send(self, content: str, metadata: dict[str, str] | None, role: str = "user") -> Posted | SendFailed:
        if self.uncertain:
            try:
                found = await self.find_landed(content, role)
            except ThreadscopeError as exc:
                return SendFailed(exc, f"Could not check whether the last attempt created the {self.word}; "
                                       "nothing was sent.", True)
            if found is not None:
                return Posted(found, earlier=True)
        if self.first_attempt_ms is None:
            if not self.source.entries_have_metadata:  # items have no created_at: note what is there now
                try:
                    self.known_before = await self.newest_ids()
                except ThreadscopeError as exc:
                    return SendFailed(exc, f"Could not read the newest {self.word}s before sending; "
                                           "nothing was sent.", False)
            self.first_attempt_ms = self.now_ms()
        try:
            created = await self.source.create(content, metadata or None, role)
        except ThreadscopeError as exc:
            self.uncertain = self.uncertain or may_have_landed(exc)
            headline = ("The send failed, and it may still have reached the server." if self.uncertain
                        else f"The {self.word} was not created.")
            return SendFailed(exc, headline, self.uncertain)
        return Posted(created)

    async def newest(self) -> list[Entry]:
        page = await self.source.list_page(limit=self.LOOK_BACK, order="desc", after=None, metadata=None)
        return page.entries

    async def newest_ids(self) -> set[str]:
        return {entry.id for entry in await self.newest()}

    async def find_landed(self, content: str, role: str = "user") -> Entry | None:
        since = (self.first_attempt_ms or 0) - self.SKEW_MS
        for entry in await self.newest():
            if entry.role != role or entry.text != content:
                continue
            if isinstance(entry, Item):
                if self.known_before is not None and entry.id not in self.known_before:
                    return entry
            elif entry.created_at >= since:
                return entry
        return None


@dataclass(frozen=True)
class Deleted:
    """The item is gone; its JSON is in the journal (`entry`, None without a journal)."""

    item: Item
    entry: JournalEntry | None


@dataclass(frozen=True)
class DeleteFailed:
    error: ThreadscopeError
    headline: str


async def delete_item(source: ConversationSource, item: Item, journal: EditJournal | None) -> Deleted | DeleteFailed:
    """Delete one item, its JSON written to the journal first (an item cannot be re-created with its id)."""
    entry = journal.begin_delete(source.id, item.id, item.raw) if journal else None
    try:
        await source.delete(item.id)
    except ThreadscopeError as exc:
        if entry is not None:
            journal.mark(entry, "failed", error=exc.describe())
        return DeleteFailed(exc, f"The server did not delete {item.id}.")
    if entry is not None:
        journal.mark(entry, "saved")
    return Deleted(item, entry)
