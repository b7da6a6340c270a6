"""The edit journal: every metadata edit, before and after, kept across restarts so `u` can undo it.

It also keeps the JSON of every conversation item deleted with `D` (an item cannot be put
back with its id, so that copy is all there is).

An append-only JSON Lines file in the user data dir. An edit is written *before* it is sent
(state "pending"), then marked "saved" or "failed": if the app dies mid-request the user's
intended metadata is still on disk. Entries are kept per backend, like the thread ledger.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tui.api.client import DashScopeClient
from tui.api.models import Conversation, Message, Thread
from tui.inert import make_inert

RUN = uuid.uuid4().hex  # this process: `u` asks before undoing an edit an earlier run made


class UndoRefused(Exception):
    """Undo would clobber something or has nothing to do; the message says which."""


@dataclass
class JournalEntry:
    """One edit of one message's (or thread's, or conversation's) metadata, or one item deleted.

    `thread_id` is the thread or conversation; `message_id` the message or item (for an edit
    of a thread or conversation itself, its id again).
    """

    id: str
    backend: str
    thread_id: str
    message_id: str
    before: dict[str, str]
    after: dict[str, str]
    state: str = "pending"  # pending → saved | failed; saved → undone
    at: str = ""
    kind: str = "edit"  # "edit", "undo" or "delete"
    error: str = ""
    target: str = "message"  # what the edit or delete was of: "message", "thread", "conversation" or "item"
    deleted: dict = field(default_factory=dict)  # a deleted item's JSON as the server last sent it
    history: list[str] = field(default_factory=list)
    run: str = ""  # the process that wrote it (empty in records of earlier versions)


def metadata_diff(before: dict[str, str], after: dict[str, str]) -> tuple[list[str], list[str], list[str]]:
    """(added, changed, removed) keys going from `before` to `after`, each sorted."""
    added = sorted(k for k in after if k not in before)
    removed = sorted(k for k in before if k not in after)
    changed = sorted(k for k in after if k in before and before[k] != after[k])
    return added, changed, removed


def describe_diff(before: dict[str, str], after: dict[str, str]) -> str:
    """'added a, b; changed c; removed d' (or 'no change')."""
    added, changed, removed = metadata_diff(before, after)
    parts = [f"{label} {', '.join(keys)}" for label, keys in (("added", added), ("changed", changed), ("removed", removed)) if keys]
    return "; ".join(parts) or "no change"


class EditJournal:
    """Append-only; the latest record for an entry id wins."""

    def __init__(self, path: Path, backend: str = "", run: str = RUN) -> None:
        self.path = Path(path)
        self.backend = backend
        self.run = run

    def _append(self, record: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(record, ensure_ascii=False) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def entries(self) -> list[JournalEntry]:
        """Every entry of this backend, oldest first, in its latest state."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        by_id: dict[str, JournalEntry] = {}
        known = set(JournalEntry.__dataclass_fields__)
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a torn last line after a crash: skip it, keep the rest
            if not isinstance(record, dict) or record.get("backend", "") != self.backend:
                continue
            entry_id = record.get("id")
            if "state_of" in record:
                entry = by_id.get(record["state_of"])
                if entry is not None:
                    entry.state = record.get("state", entry.state)
                    entry.error = record.get("error", "")
                    entry.history.append(entry.state)
                continue
            if entry_id and {"thread_id", "message_id", "before", "after"} <= record.keys():
                by_id[entry_id] = JournalEntry(**{k: v for k, v in record.items() if k in known})
        return list(by_id.values())

    def begin(self, message: Message, before: dict[str, str], after: dict[str, str], kind: str = "edit") -> JournalEntry:
        """Write the intended edit of a message's metadata to disk before it is sent."""
        return self.begin_write(message.thread_id, message.id, before, after, kind=kind)

    def begin_owner_edit(self, owner: Thread | Conversation, before: dict[str, str], after: dict[str, str],
                         kind: str = "edit") -> JournalEntry:
        """Write the intended edit of a thread's or conversation's own metadata before it is sent."""
        target = "conversation" if isinstance(owner, Conversation) else "thread"
        return self.begin_write(owner.id, owner.id, before, after, kind=kind, target=target)

    def begin_delete(self, conversation_id: str, item_id: str, item_json: dict) -> JournalEntry:
        """Keep an item's JSON on disk before it is deleted."""
        return self.begin_write(conversation_id, item_id, {}, {}, kind="delete", target="item", deleted=item_json)

    def begin_write(self, thread_id: str, message_id: str, before: dict[str, str], after: dict[str, str], *,
                    kind: str = "edit", target: str = "message", deleted: dict | None = None) -> JournalEntry:
        entry = JournalEntry(
            id=uuid.uuid4().hex, backend=self.backend, thread_id=thread_id, message_id=message_id,
            before=dict(before), after=dict(after), at=datetime.now(UTC).isoformat(timespec="seconds"), kind=kind,
            target=target, deleted=dict(deleted or {}), run=self.run,
        )
        record = {k: v for k, v in entry.__dict__.items() if k not in ("history", "error")}
        if target == "message":  # the records of message edits keep the shape earlier versions wrote
            del record["target"], record["deleted"]
        self._append(record)
        return entry

    def mark(self, entry: JournalEntry, state: str, error: str = "") -> None:
        entry.state = state
        entry.error = error
        self._append({"backend": self.backend, "state_of": entry.id, "state": state, "error": error,
                      "at": datetime.now(UTC).isoformat(timespec="seconds")})

    def last_saved_edit(self, owner_id: str | None = None) -> JournalEntry | None:
        """The most recent saved edit that has not been undone; of `owner_id` (a thread or conversation,
        itself or one of its messages) when given, else of any."""
        for entry in reversed(self.entries()):
            if entry.kind == "edit" and entry.state == "saved" and owner_id in (None, entry.thread_id):
                return entry
        return None

    def current(self, entry: JournalEntry) -> JournalEntry | None:
        """`entry` as the file holds it now (another process may have undone it meanwhile)."""
        return next((e for e in self.entries() if e.id == entry.id), None)


def edit_target(entry: JournalEntry) -> str:
    """What an edit changed, in words: 'message msg_…' or 'thread thread_…' (ids made inert)."""
    return f"{entry.target} {make_inert(entry.message_id)}"


async def undo_last_edit(client: DashScopeClient, journal: EditJournal, owner_id: str | None = None, *,
                         entry: JournalEntry | None = None) -> Message | Thread | Conversation:
    """Put back the metadata an edit replaced, if nobody changed it since.

    The edit is `entry`, else the last saved edit of `owner_id` (a thread or conversation), else
    (neither given, as before) the last saved edit of any.
    """
    if entry is None:
        entry = journal.last_saved_edit(owner_id)
    elif (now_entry := journal.current(entry)) is None or now_entry.state != "saved":
        raise UndoRefused(f"Not undoing: the edit of the metadata of {edit_target(entry)} was undone meanwhile.")
    if entry is None:
        where = "" if owner_id is None else f" of {make_inert(owner_id)}"
        raise UndoRefused(f"Nothing to undo: no saved metadata edit{where} in the journal.")
    read, write = _undo_calls(client, entry)
    current = await read()
    now = current.metadata_dict
    if now != entry.after:
        key = "e" if entry.target == "message" else "E"
        raise UndoRefused(
            f"Not undoing: the metadata of {make_inert(entry.message_id)} changed on the server since your edit "
            f"({describe_diff(entry.after, now)}). Edit it by hand with {key}."
        )
    undo = journal.begin_write(entry.thread_id, entry.message_id, entry.after, entry.before, kind="undo",
                               target=entry.target)
    try:
        await write(entry.before)
    except Exception as exc:
        journal.mark(undo, "failed", error=str(exc))
        raise
    journal.mark(undo, "saved")
    journal.mark(entry, "undone")
    return await read()


def _undo_calls(client: DashScopeClient, entry: JournalEntry):
    """(read, write) of the metadata an entry edited."""
    if entry.target == "thread":
        return (lambda: client.retrieve_thread(entry.thread_id),
                lambda metadata: client.modify_thread(entry.thread_id, metadata=metadata))
    if entry.target == "conversation":
        return (lambda: client.retrieve_conversation(entry.thread_id),
                lambda metadata: client.update_conversation(entry.thread_id, metadata=metadata))
    return (lambda: client.retrieve_message(entry.thread_id, entry.message_id),
            lambda metadata: client.modify_message(entry.thread_id, entry.message_id, metadata=metadata))
