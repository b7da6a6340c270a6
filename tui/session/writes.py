"""The write flows of a session: a metadata save (re-read, stale guard, journal, save) and compose.

Each step answers a typed outcome; the screens decide how to show it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from tui.api.errors import APIError, ProtocolError, ThreadscopeError, TransportError
from tui.api.models import Message
from tui.journal import EditJournal
from tui.session.source import Source


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
    """Replace an entry's metadata carefully: re-read first, journal before sending."""

    def __init__(self, source: Source, journal: EditJournal | None, saved: Callable[[Message], None]) -> None:
        self.source = source
        self.journal = journal
        self.saved = saved

    async def save(self, entry_id: str, baseline: dict[str, str], metadata: dict[str, str]) -> SaveOutcome:
        """Send `metadata` unless the server's copy is no longer `baseline` (what the editor started from)."""
        try:
            current = await self.source.retrieve(entry_id)
        except ThreadscopeError as exc:
            return SaveFailed(exc, "Could not re-read the message before saving; nothing was sent.")
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
        entry = self.journal.begin(current, server, metadata) if self.journal else None
        try:
            await self.source.modify_metadata(current.id, metadata)
        except ThreadscopeError as exc:
            if entry is not None:
                self.journal.mark(entry, "failed", error=exc.describe())
            return SaveFailed(exc, "The server did not save the metadata.")
        if entry is not None:
            self.journal.mark(entry, "saved")
        try:
            saved = await self.source.retrieve(current.id)
        except ThreadscopeError:
            saved = None
        if saved is not None:
            self.saved(saved)
        return Saved(saved, server, metadata)


def may_have_landed(error: ThreadscopeError) -> bool:
    """Whether a failed create could still have created the message on the server."""
    if isinstance(error, APIError):
        return error.status >= 500 or error.status == 408
    if isinstance(error, TransportError):
        return error.maybe_sent  # a timeout or a reset: unknown; no connection at all: certainly not
    return isinstance(error, ProtocolError)  # an unreadable answer: the server may have acted


@dataclass(frozen=True)
class Posted:
    """The message exists; `earlier` when a previous, failed-looking attempt had created it."""

    message: Message
    earlier: bool = False


@dataclass(frozen=True)
class SendFailed:
    error: ThreadscopeError
    headline: str
    uncertain: bool  # it may still have reached the server: the next send looks for it first


class ComposeFlow:
    """One message being composed: sent once, never blindly again.

    Creating is not idempotent and a request that timed out or got a 5xx may still have
    created it, so after such a failure the next send first looks at the newest messages
    for this exact text, posted since the first attempt, and adopts it if it is there.
    """

    SKEW_MS = 5_000  # allowed difference between our clock and the server's

    def __init__(self, source: Source, now_ms: Callable[[], int] = lambda: int(time.time() * 1000)) -> None:
        self.source = source
        self.now_ms = now_ms
        self.first_attempt_ms: int | None = None
        self.uncertain = False

    async def send(self, content: str, metadata: dict[str, str] | None) -> Posted | SendFailed:
        if self.uncertain:
            try:
                found = await self.find_landed(content)
            except ThreadscopeError as exc:
                return SendFailed(exc, "Could not check whether the last attempt created the message; "
                                       "nothing was sent.", True)
            if found is not None:
                return Posted(found, earlier=True)
        if self.first_attempt_ms is None:
            self.first_attempt_ms = self.now_ms()
        try:
            created = await self.source.create(content, metadata or None)
        except ThreadscopeError as exc:
            self.uncertain = self.uncertain or may_have_landed(exc)
            headline = ("The send failed, and it may still have reached the server." if self.uncertain
                        else "The message was not created.")
            return SendFailed(exc, headline, self.uncertain)
        return Posted(created)

    async def find_landed(self, content: str) -> Message | None:
        page = await self.source.list_page(limit=20, order="desc", after=None, metadata=None)
        since = (self.first_attempt_ms or 0) - self.SKEW_MS
        for message in page.entries:
            if message.role == "user" and message.text == content and message.created_at >= since:
                return message
        return None
