"""Edits the journal still calls "pending" at start-up: the app quit (or died) before the server answered.

Each is checked against the server: if the server holds the edit, it landed; if it still holds
what the edit started from, it did not, and the user can send it again (with the same stale
guard as the editor); if it holds something else, the edit is reported with what the server has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.api.client import DashScopeClient
from tui.api.errors import ThreadscopeError
from tui.journal import EditJournal, JournalEntry
from tui.session.source import source_for

if TYPE_CHECKING:
    from tui.session.writes import MetadataWrites, SaveOutcome

LANDED, NOT_LANDED, CHANGED, UNKNOWN = "landed", "not landed", "changed", "unknown"


@dataclass(frozen=True)
class PendingCheck:
    entry: JournalEntry
    outcome: str  # LANDED, NOT_LANDED, CHANGED (the server holds neither side) or UNKNOWN (could not read)
    server: dict[str, str] | None = None
    error: ThreadscopeError | None = None

    @property
    def what(self) -> str:
        entry = self.entry
        return f"the {entry.target} {entry.message_id}" if entry.target != "message" else f"message {entry.message_id}"


def writes_for(client: DashScopeClient, journal: EditJournal, entry: JournalEntry) -> MetadataWrites:
    from tui.session.writes import MetadataWrites, OwnerWrites  # only when the journal holds a pending edit

    source = source_for(client, entry.thread_id)
    if entry.target in ("thread", "conversation"):
        return OwnerWrites(source, journal, lambda _owner: None)
    return MetadataWrites(source, journal, lambda _message: None)


def pending_edits(journal: EditJournal) -> list[JournalEntry]:
    """The metadata edits the journal holds as sent but unanswered."""
    return [entry for entry in journal.entries() if entry.state == "pending" and entry.kind in ("edit", "undo")]


async def check_pending(client: DashScopeClient, journal: EditJournal) -> list[PendingCheck]:
    """Every pending metadata edit, compared with the server; the landed ones are marked saved."""
    checks = []
    for entry in pending_edits(journal):
        try:
            current = (await writes_for(client, journal, entry).read(entry.message_id)).metadata_dict
        except ThreadscopeError as exc:
            checks.append(PendingCheck(entry, UNKNOWN, error=exc))
            continue
        if current == entry.after:
            journal.mark(entry, "saved")
            checks.append(PendingCheck(entry, LANDED, current))
        else:
            journal.mark(entry, "failed", error="not on the server when checked at the next start")
            checks.append(PendingCheck(entry, NOT_LANDED if current == entry.before else CHANGED, current))
    return checks


async def send_again(client: DashScopeClient, journal: EditJournal, entry: JournalEntry) -> SaveOutcome:
    """Send a pending edit that did not land, unless the server's copy changed since (a Conflict then)."""
    return await writes_for(client, journal, entry).save(entry.message_id, entry.before, entry.after)
