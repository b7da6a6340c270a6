"""The emulator's database file: one SQLite file in WAL mode, its schema, and what every store shares.

Messages and items carry an insertion sequence (`seq`, the primary key): many share a
`created_at` millisecond, so order and cursors follow `seq`, never time. The indexes on
(parent, seq) make every page, however deep, an index search; a cursor is found through the
unique index on `id`. Each row is stored as its JSON text, ready to splice into a response.
Every write is committed before it is acknowledged, so an acknowledged write survives the
process being killed. Writes go through one connection under a lock; reads through a
connection per thread, so a slow read (run off the event loop by the routes) holds up no
other request.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

SCHEMA = """
CREATE TABLE IF NOT EXISTS threads (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    thread_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_thread ON messages (thread_id, seq);
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS items (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS items_by_conversation ON items (conversation_id, seq);
"""

BULK_BATCH = 20_000


class Missing(LookupError):
    """A thread, message, conversation or item that does not exist (or belongs to another parent)."""


class BadCursor(ValueError):
    """An `after`/`before` cursor that is not a message of this thread (an item of this conversation)."""


class Page(NamedTuple):
    """One page of message or item bodies (JSON texts) and its cursors."""

    bodies: list[str]
    first_id: str | None
    last_id: str | None
    has_more: bool


def now_ms() -> int:
    return int(time.time() * 1000)


def dumps(obj: Any) -> str:
    """Compact JSON text with raw non-ASCII, as the provider sends it."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class Database:
    """One SQLite file: a writer connection under a lock, a reader connection per thread."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # It holds the user's messages: readable by its owner only (SQLite gives -wal and -shm the same mode).
        os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        self._lock = threading.RLock()
        self._db = self._connect()
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a committed write survives the process dying (kill -9); only power loss can undo it.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._readers = threading.local()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA busy_timeout=5000")
        return db

    def _reader(self) -> sqlite3.Connection:
        """This thread's read connection (WAL: reads see every committed write and block no one)."""
        db = getattr(self._readers, "db", None)
        if db is None:
            db = self._readers.db = self._connect()
            db.execute("PRAGMA query_only=ON")
        return db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """All the writes inside, or none of them."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        """Close the database connections of this thread."""
        with self._lock:
            self._db.close()
        reader = getattr(self._readers, "db", None)
        if reader is not None:
            reader.close()
            self._readers.db = None

    def _bulk_insert(self, sql: str, rows: Iterable[tuple]) -> int:
        """Insert many rows in large transactions (demo data and benchmarks)."""
        count = 0
        batch: list[tuple] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BULK_BATCH:
                with self._transaction() as db:
                    db.executemany(sql, batch)
                count, batch = count + len(batch), []
        if batch:
            with self._transaction() as db:
                db.executemany(sql, batch)
            count += len(batch)
        return count


def page_of(rows: list[tuple[str, str]], limit: int, *, reverse: bool = False) -> Page:
    """A page from up to `limit + 1` (id, body) rows: the extra row only says there is more."""
    has_more = len(rows) > limit
    rows = rows[:limit]
    if reverse:
        rows.reverse()
    return Page(
        bodies=[row[1] for row in rows],
        first_id=rows[0][0] if rows else None,
        last_id=rows[-1][0] if rows else None,
        has_more=has_more,
    )
