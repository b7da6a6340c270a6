"""The migration record: what was planned, sent and confirmed, so nothing is lost or doubled.

One SQLite file (WAL) in the user data directory. Per migration (one thread into one
conversation): the target and its state; per batch the message ids, the items as sent, the
item the batch follows (`after_item`), its state (planned → sent → confirmed) and the item
ids the server returned; per message its item id, or why it was skipped, what the item
could not hold, and its metadata. A batch is written before it is sent and after it is
confirmed, each a committed transaction: a kill -9 between the two leaves "sent", which the
next run checks against the conversation before sending again.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from tui.api.errors import ThreadscopeError
from tui.migrate.mapping import MappedMessage

RECORD_NAME = "migrations.sqlite3"

SCHEMA = """
CREATE TABLE IF NOT EXISTS migrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    backend TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    into_id TEXT NOT NULL DEFAULT '',          -- the --into conversation, '' for a new one
    conversation_id TEXT,                      -- NULL until the conversation is known
    start_item TEXT,                           -- newest item of an --into conversation when we began
    non_text TEXT NOT NULL,
    state TEXT NOT NULL,                       -- creating, copying, done, failed
    read_cursor TEXT,                          -- last source message already planned
    started_at TEXT NOT NULL,
    finished_at TEXT,
    result TEXT                                -- the final result object (JSON)
);
CREATE INDEX IF NOT EXISTS migrations_by_thread ON migrations (backend, thread_id, into_id, id);
CREATE TABLE IF NOT EXISTS batches (
    migration_id INTEGER NOT NULL REFERENCES migrations (id),
    seq INTEGER NOT NULL,
    message_ids TEXT NOT NULL,
    items TEXT NOT NULL,
    state TEXT NOT NULL,                       -- planned, sent, confirmed
    after_item TEXT,                           -- the item this batch follows (NULL: the conversation's start)
    item_ids TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (migration_id, seq)
);
CREATE TABLE IF NOT EXISTS messages (
    migration_id INTEGER NOT NULL REFERENCES migrations (id),
    message_id TEXT NOT NULL,
    batch INTEGER,
    item_id TEXT,
    skipped TEXT,
    notes TEXT NOT NULL DEFAULT '[]',
    metadata TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (migration_id, message_id)
);
"""


class RecordBusy(ThreadscopeError):
    """Another process is migrating with the same record."""

    hint = "wait for it to finish (or stop it), then run the command again: it resumes"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass
class Migration:
    """One row of `migrations`."""

    id: int
    thread_id: str
    into_id: str
    conversation_id: str | None
    start_item: str | None
    non_text: str
    state: str
    read_cursor: str | None
    started_at: str
    finished_at: str | None
    result: dict[str, Any] | None


@dataclass
class Batch:
    """One row of `batches`: up to 20 items, sent in one create call."""

    migration_id: int
    seq: int
    message_ids: list[str]
    items: list[dict[str, Any]]
    state: str
    after_item: str | None
    item_ids: list[str] | None


class MigrationRecord:
    """The record file; every method is one committed transaction (safe from several tasks)."""

    def __init__(self, path: str | Path, backend: str) -> None:
        self.path = Path(path)
        self.backend = backend
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # It keeps message metadata: readable by its owner only (SQLite gives -wal and -shm the same mode).
        os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        self._lock = threading.Lock()
        self._claim: TextIO | None = None
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a committed transaction survives the process being killed.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()
        self.release()

    def claim(self) -> None:
        """Hold the record for this process, or RecordBusy: two runs sending the same batches could double them.

        An OS file lock, so a process that dies (even by kill -9) lets go of it at once.
        """
        if self._claim is not None:
            return
        handle = open(self.path.with_name(self.path.name + ".lock"), "a+")  # held until release()
        try:
            import fcntl
        except ImportError:  # not POSIX: no OS lock to take
            self._claim = handle
            return
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise RecordBusy(f"another threadscope migrate is writing with this record ({self.path})") from None
        self._claim = handle

    def release(self) -> None:
        """Let go of `claim` (closing the file drops the lock)."""
        if self._claim is not None:
            self._claim.close()
            self._claim = None

    def _write(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, args)

    def _transaction(self, statements: list[tuple[str, tuple]]) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for sql, args in statements:
                    self._db.execute(sql, args)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    # -- migrations ------------------------------------------------------------------------

    def latest(self, thread_id: str, into_id: str | None = None) -> Migration | None:
        """The newest migration of this thread (into this target) on this backend."""
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM migrations WHERE backend = ? AND thread_id = ? AND into_id = ? ORDER BY id DESC LIMIT 1",
                (self.backend, thread_id, into_id or ""),
            ).fetchone()
        return self._migration(row) if row else None

    def migration(self, migration_id: int) -> Migration:
        with self._lock:
            row = self._db.execute("SELECT * FROM migrations WHERE id = ?", (migration_id,)).fetchone()
        return self._migration(row)

    @staticmethod
    def _migration(row: tuple) -> Migration:
        (mid, _backend, thread_id, into_id, conv, start_item, non_text, state, cursor, started, finished, result) = row
        return Migration(mid, thread_id, into_id, conv, start_item, non_text, state, cursor, started, finished,
                         json.loads(result) if result else None)

    def begin(self, thread_id: str, into_id: str | None, non_text: str) -> Migration:
        """A new migration, before its conversation exists (state `creating`)."""
        cursor = self._write(
            "INSERT INTO migrations (backend, thread_id, into_id, non_text, state, started_at) VALUES (?, ?, ?, ?, 'creating', ?)",
            (self.backend, thread_id, into_id or "", non_text, _now()),
        )
        return self.migration(cursor.lastrowid)

    def set_target(self, migration_id: int, conversation_id: str, start_item: str | None) -> None:
        """The conversation is known (created, or given with --into): copying starts."""
        self._write(
            "UPDATE migrations SET conversation_id = ?, start_item = ?, state = 'copying' WHERE id = ?",
            (conversation_id, start_item, migration_id),
        )

    def finish(self, migration_id: int, state: str, result: dict[str, Any]) -> None:
        """`done` (verified) or `failed` (differences, a deleted conversation, a conflict)."""
        self._write(
            "UPDATE migrations SET state = ?, finished_at = ?, result = ? WHERE id = ?",
            (state, _now(), _dumps(result), migration_id),
        )

    # -- batches and messages --------------------------------------------------------------

    def plan(self, migration_id: int, seq: int | None, batch: list[MappedMessage], skipped: list[MappedMessage],
             cursor: str | None) -> Batch | None:
        """Record a batch as planned (and the skipped messages read with it); None when `batch` is empty."""
        statements: list[tuple[str, tuple]] = []
        for message in skipped:
            statements.append((
                "INSERT OR IGNORE INTO messages (migration_id, message_id, skipped, notes, metadata) VALUES (?, ?, ?, ?, ?)",
                (migration_id, message.message_id, message.skipped, _dumps(message.notes), _dumps(message.metadata)),
            ))
        planned = None
        if batch:
            assert seq is not None
            ids = [m.message_id for m in batch]
            items = [m.item for m in batch]
            statements.append((
                "INSERT INTO batches (migration_id, seq, message_ids, items, state, updated_at) VALUES (?, ?, ?, ?, 'planned', ?)",
                (migration_id, seq, _dumps(ids), _dumps(items), _now()),
            ))
            for message in batch:
                statements.append((
                    "INSERT OR IGNORE INTO messages (migration_id, message_id, batch, notes, metadata) VALUES (?, ?, ?, ?, ?)",
                    (migration_id, message.message_id, seq, _dumps(message.notes), _dumps(message.metadata)),
                ))
            planned = Batch(migration_id, seq, ids, items, "planned", None, None)  # type: ignore[arg-type]
        if cursor is not None:
            statements.append(("UPDATE migrations SET read_cursor = ? WHERE id = ?", (cursor, migration_id)))
        if statements:
            self._transaction(statements)
        return planned

    def mark_sent(self, batch: Batch, after_item: str | None) -> None:
        """Written before the create call goes out."""
        self._write(
            "UPDATE batches SET state = 'sent', after_item = ?, updated_at = ? WHERE migration_id = ? AND seq = ?",
            (after_item, _now(), batch.migration_id, batch.seq),
        )
        batch.state, batch.after_item = "sent", after_item

    def confirm(self, batch: Batch, item_ids: list[str]) -> None:
        """Written once the server's answer (or the conversation itself) shows the batch is there."""
        statements: list[tuple[str, tuple]] = [(
            "UPDATE batches SET state = 'confirmed', item_ids = ?, updated_at = ? WHERE migration_id = ? AND seq = ?",
            (_dumps(item_ids), _now(), batch.migration_id, batch.seq),
        )]
        for message_id, item_id in zip(batch.message_ids, item_ids, strict=True):
            statements.append((
                "UPDATE messages SET item_id = ? WHERE migration_id = ? AND message_id = ?",
                (item_id, batch.migration_id, message_id),
            ))
        self._transaction(statements)
        batch.state, batch.item_ids = "confirmed", item_ids

    def batches(self, migration_id: int) -> list[Batch]:
        """Every batch of a migration, in order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT migration_id, seq, message_ids, items, state, after_item, item_ids FROM batches "
                "WHERE migration_id = ? ORDER BY seq", (migration_id,),
            ).fetchall()
        return [Batch(r[0], r[1], json.loads(r[2]), json.loads(r[3]), r[4], r[5], json.loads(r[6]) if r[6] else None)
                for r in rows]

    def skipped(self, migration_id: int) -> list[tuple[str, str]]:
        """(message id, reason) of every skipped message (in the order they were recorded)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT message_id, skipped FROM messages WHERE migration_id = ? AND skipped IS NOT NULL ORDER BY rowid",
                (migration_id,),
            ).fetchall()
        return [(r[0], r[1]) for r in rows]

    def messages(self, migration_id: int) -> list[dict[str, Any]]:
        """Every recorded message: its item id (or why skipped), notes and metadata."""
        with self._lock:
            rows = self._db.execute(
                "SELECT message_id, item_id, skipped, notes, metadata FROM messages WHERE migration_id = ? ORDER BY rowid",
                (migration_id,),
            ).fetchall()
        return [{"message_id": r[0], "item_id": r[1], "skipped": r[2], "notes": json.loads(r[3]),
                 "metadata": json.loads(r[4])} for r in rows]

    def verified_links(self) -> dict[str, str]:
        """thread id → conversation id of each thread's newest verified migration on this backend."""
        with self._lock:
            rows = self._db.execute(
                "SELECT thread_id, conversation_id FROM migrations WHERE backend = ? AND state = 'done' "
                "AND conversation_id IS NOT NULL ORDER BY id", (self.backend,),
            ).fetchall()
        return {thread_id: conversation_id for thread_id, conversation_id in rows}
