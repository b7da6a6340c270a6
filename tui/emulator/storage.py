"""The emulator's database: one SQLite file in WAL mode.

Messages carry an insertion sequence (`seq`, the primary key): many messages share a
`created_at` millisecond, so order and cursors follow `seq`, never time. The index on
(thread_id, seq) makes every page, however deep, an index search: the cost of a list
does not grow with the thread. Each message is stored as its JSON text, ready to splice
into a response. Every write is committed before it is acknowledged, so an acknowledged
write survives the process being killed.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable
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
"""

BULK_BATCH = 20_000


class Missing(LookupError):
    """A thread or message that does not exist (or belongs to another thread)."""


class BadCursor(ValueError):
    """An `after`/`before` cursor that is not a message of this thread."""


class Page(NamedTuple):
    """One page of message bodies (JSON texts) and its cursors."""

    bodies: list[str]
    first_id: str | None
    last_id: str | None
    has_more: bool


def now_ms() -> int:
    return int(time.time() * 1000)


def new_message_id() -> str:
    return f"message_{uuid.uuid4()}"


def new_thread_id() -> str:
    return f"thread_{uuid.uuid4()}"


def message_object(
    *,
    message_id: str,
    thread_id: str,
    created_at: int,
    role: str,
    text: str,
    metadata: dict[str, str] | None = None,
    assistant_id: str = "",
    run_id: str = "",
    annotations: list[Any] | None = None,
    tool_calls: list[Any] | None = None,
    plugin_call: dict[str, Any] | None = None,
    status: dict[str, Any] | None = None,
    name: str = "",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A complete `thread.message` object, every field present, in the order the reference shows."""
    obj: dict[str, Any] = {
        "id": message_id,
        "object": "thread.message",
        "created_at": created_at,
        "thread_id": thread_id,
        "assistant_id": assistant_id,
        "run_id": run_id,
        "role": role,
        "content": [{"type": "text", "text": {"value": text, "annotations": list(annotations or [])}}],
        "metadata": dict(metadata or {}),
        "from": "",
        "name": name,
        "plugin_call": dict(plugin_call or {}),
        "tool_calls": list(tool_calls or []),
        "status": dict(status or {}),
    }
    if extra:
        obj.update(extra)
    return obj


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class Storage:
    """Threads and messages in one SQLite file; safe to share between the event loop's tasks."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a committed write survives the process dying (kill -9); only power loss can undo it.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    # -- threads -------------------------------------------------------------------------

    def create_thread(self, metadata: dict[str, str] | None = None, *, thread_id: str | None = None,
                      created_at: int | None = None) -> dict[str, Any]:
        """Insert a thread; return its object."""
        thread = {
            "id": thread_id or new_thread_id(),
            "object": "thread",
            "created_at": created_at if created_at is not None else now_ms(),
            "metadata": dict(metadata or {}),
        }
        with self._lock:
            self._db.execute(
                "INSERT INTO threads (id, created_at, metadata) VALUES (?, ?, ?)",
                (thread["id"], thread["created_at"], dumps(thread["metadata"])),
            )
        return thread

    def get_thread(self, thread_id: str) -> dict[str, Any]:
        """The thread object, or Missing."""
        with self._lock:
            row = self._db.execute("SELECT id, created_at, metadata FROM threads WHERE id = ?", (thread_id,)).fetchone()
        if row is None:
            raise Missing(f"thread {thread_id} not found")
        return {"id": row[0], "object": "thread", "created_at": row[1], "metadata": json.loads(row[2])}

    def thread_exists(self, thread_id: str) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM threads WHERE id = ?", (thread_id,)).fetchone() is not None

    def update_thread(self, thread_id: str, metadata: dict[str, str]) -> dict[str, Any]:
        """Replace a thread's metadata."""
        with self._lock:
            cursor = self._db.execute("UPDATE threads SET metadata = ? WHERE id = ?", (dumps(metadata), thread_id))
        if cursor.rowcount == 0:
            raise Missing(f"thread {thread_id} not found")
        return self.get_thread(thread_id)

    def delete_thread(self, thread_id: str) -> None:
        """Delete a thread and all its messages, atomically."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                gone = self._db.execute("DELETE FROM threads WHERE id = ?", (thread_id,)).rowcount
                self._db.execute("DELETE FROM messages WHERE thread_id = ?", (thread_id,))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        if gone == 0:
            raise Missing(f"thread {thread_id} not found")

    # -- messages ------------------------------------------------------------------------

    def add_message(self, message: dict[str, Any]) -> str:
        """Insert a complete message object (see `message_object`); return its JSON text."""
        body = dumps(message)
        with self._lock:
            self._db.execute(
                "INSERT INTO messages (id, thread_id, created_at, body) VALUES (?, ?, ?, ?)",
                (message["id"], message["thread_id"], message["created_at"], body),
            )
        return body

    def bulk_insert_messages(self, messages: Iterable[dict[str, Any]]) -> int:
        """Insert many complete message objects in large transactions (for demo data and benchmarks)."""
        count = 0
        batch: list[tuple] = []
        with self._lock:
            for message in messages:
                batch.append((message["id"], message["thread_id"], message["created_at"], dumps(message)))
                if len(batch) >= BULK_BATCH:
                    count += self._insert_batch(batch)
                    batch = []
            if batch:
                count += self._insert_batch(batch)
        return count

    def _insert_batch(self, batch: list[tuple]) -> int:
        self._db.execute("BEGIN")
        try:
            self._db.executemany("INSERT INTO messages (id, thread_id, created_at, body) VALUES (?, ?, ?, ?)", batch)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return len(batch)

    def get_message(self, thread_id: str, message_id: str) -> str:
        """The message's JSON text, or Missing (also when it belongs to another thread)."""
        with self._lock:
            row = self._db.execute(
                "SELECT body FROM messages WHERE id = ? AND thread_id = ?", (message_id, thread_id)
            ).fetchone()
        if row is None:
            raise Missing(f"message {message_id} not found in thread {thread_id}")
        return row[0]

    def update_message_metadata(self, thread_id: str, message_id: str, metadata: dict[str, str]) -> str:
        """Replace a message's metadata (the whole object); return the new JSON text."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT body FROM messages WHERE id = ? AND thread_id = ?", (message_id, thread_id)
                ).fetchone()
                if row is None:
                    raise Missing(f"message {message_id} not found in thread {thread_id}")
                message = json.loads(row[0])
                message["metadata"] = metadata
                body = dumps(message)
                self._db.execute("UPDATE messages SET body = ? WHERE id = ?", (body, message_id))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return body

    def _cursor_seq(self, thread_id: str, message_id: str, name: str) -> int:
        row = self._db.execute("SELECT seq, thread_id FROM messages WHERE id = ?", (message_id,)).fetchone()
        if row is None or row[1] != thread_id:
            raise BadCursor(f"{name}={message_id} is not a message of thread {thread_id}")
        return row[0]

    def list_messages(
        self,
        thread_id: str,
        *,
        limit: int,
        order: str,
        after: str | None = None,
        before: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> Page:
        """One page in `order`; `after`/`before` are exclusive cursors that follow that order."""
        with self._lock:
            if not self.thread_exists(thread_id):
                raise Missing(f"thread {thread_id} not found")
            where = ["thread_id = ?"]
            args: list[Any] = [thread_id]
            # In asc order "after X" means seq > X; in desc order it means seq < X. "before" is the mirror.
            later, earlier = (">", "<") if order == "asc" else ("<", ">")
            if after:
                where.append(f"seq {later} ?")
                args.append(self._cursor_seq(thread_id, after, "after"))
            if before:
                where.append(f"seq {earlier} ?")
                args.append(self._cursor_seq(thread_id, before, "before"))
            for key, value in (metadata or {}).items():
                where.append("EXISTS (SELECT 1 FROM json_each(body, '$.metadata') WHERE key = ? AND value = ?)")
                args += [key, value]
            # With only `before`, the page is the `limit` messages just before the cursor: walk
            # backwards from it, then put the page back in the requested order.
            backwards = bool(before) and not after
            direction = "ASC" if (order == "asc") != backwards else "DESC"
            sql = f"SELECT id, body FROM messages WHERE {' AND '.join(where)} ORDER BY seq {direction} LIMIT ?"
            rows = self._db.execute(sql, (*args, limit + 1)).fetchall()
        has_more = len(rows) > limit
        rows = rows[:limit]
        if backwards:
            rows.reverse()
        return Page(
            bodies=[row[1] for row in rows],
            first_id=rows[0][0] if rows else None,
            last_id=rows[-1][0] if rows else None,
            has_more=has_more,
        )

    def explain_list(self, thread_id: str, *, order: str = "desc", after: str | None = None) -> list[str]:
        """The query plan of a list page (for tests that prove paging stays an index search)."""
        later = ">" if order == "asc" else "<"
        where, args = "thread_id = ?", [thread_id]
        if after:
            where += f" AND seq {later} ?"
            args.append(self._cursor_seq(thread_id, after, "after"))
        direction = "ASC" if order == "asc" else "DESC"
        with self._lock:
            rows = self._db.execute(
                f"EXPLAIN QUERY PLAN SELECT id, body FROM messages WHERE {where} ORDER BY seq {direction} LIMIT 21", args
            ).fetchall()
        return [row[-1] for row in rows]

    def count_messages(self, thread_id: str) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM messages WHERE thread_id = ?", (thread_id,)).fetchone()[0]
