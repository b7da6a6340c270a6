"""Threads and messages, and (from `ConversationStore`) conversations and items: the emulator's storage."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable
from typing import Any

from tui.emulator.conversation_store import ConversationStore
from tui.emulator.db import BadCursor, Database, Missing, Page, dumps, now_ms, page_of

__all__ = ["BadCursor", "Missing", "Page", "Storage", "dumps", "message_object", "new_message_id", "now_ms"]


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



class Storage(ConversationStore, Database):
    """Threads and messages (and, from `ConversationStore`, conversations and items) in one SQLite file;
    safe to share between the event loop and worker threads."""

    # -- threads -------------------------------------------------------------------------

    def create_thread(self, metadata: dict[str, str] | None = None, *, thread_id: str | None = None,
                      created_at: int | None = None, messages: list[dict[str, Any]] = ()) -> dict[str, Any]:
        """Insert a thread and its first `messages` (complete objects, their thread_id filled in here),
        all or nothing; return the thread object."""
        thread = {
            "id": thread_id or new_thread_id(),
            "object": "thread",
            "created_at": created_at if created_at is not None else now_ms(),
            "metadata": dict(metadata or {}),
        }
        rows = [(m["id"], thread["id"], m["created_at"], dumps({**m, "thread_id": thread["id"]})) for m in messages]
        with self._transaction() as db:
            db.execute(
                "INSERT INTO threads (id, created_at, metadata) VALUES (?, ?, ?)",
                (thread["id"], thread["created_at"], dumps(thread["metadata"])),
            )
            db.executemany("INSERT INTO messages (id, thread_id, created_at, body) VALUES (?, ?, ?, ?)", rows)
        return thread

    def get_thread(self, thread_id: str) -> dict[str, Any]:
        """The thread object, or Missing."""
        row = self._reader().execute("SELECT id, created_at, metadata FROM threads WHERE id = ?", (thread_id,)).fetchone()
        if row is None:
            raise Missing(f"thread {thread_id} not found")
        return {"id": row[0], "object": "thread", "created_at": row[1], "metadata": json.loads(row[2])}

    def thread_exists(self, thread_id: str) -> bool:
        return self._reader().execute("SELECT 1 FROM threads WHERE id = ?", (thread_id,)).fetchone() is not None

    def update_thread(self, thread_id: str, metadata: dict[str, str]) -> dict[str, Any]:
        """Replace a thread's metadata."""
        with self._lock:
            cursor = self._db.execute("UPDATE threads SET metadata = ? WHERE id = ?", (dumps(metadata), thread_id))
        if cursor.rowcount == 0:
            raise Missing(f"thread {thread_id} not found")
        return self.get_thread(thread_id)

    def delete_thread(self, thread_id: str) -> None:
        """Delete a thread and all its messages, atomically."""
        with self._transaction() as db:
            gone = db.execute("DELETE FROM threads WHERE id = ?", (thread_id,)).rowcount
            db.execute("DELETE FROM messages WHERE thread_id = ?", (thread_id,))
        if gone == 0:
            raise Missing(f"thread {thread_id} not found")

    # -- messages ------------------------------------------------------------------------

    def add_message(self, message: dict[str, Any]) -> str:
        """Insert a complete message object (see `message_object`) into an existing thread; return its
        JSON text (Missing if the thread is not there)."""
        body = dumps(message)
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM threads WHERE id = ?", (message["thread_id"],)).fetchone() is None:
                raise Missing(f"thread {message['thread_id']} not found")
            db.execute(
                "INSERT INTO messages (id, thread_id, created_at, body) VALUES (?, ?, ?, ?)",
                (message["id"], message["thread_id"], message["created_at"], body),
            )
        return body

    def bulk_insert_messages(self, messages: Iterable[dict[str, Any]]) -> int:
        """Insert many complete message objects in large transactions (for demo data and benchmarks)."""
        sql = "INSERT INTO messages (id, thread_id, created_at, body) VALUES (?, ?, ?, ?)"
        rows = ((m["id"], m["thread_id"], m["created_at"], dumps(m)) for m in messages)
        return self._bulk_insert(sql, rows)

    def get_message(self, thread_id: str, message_id: str) -> str:
        """The message's JSON text, or Missing (also when it belongs to another thread)."""
        row = self._reader().execute(
            "SELECT body FROM messages WHERE id = ? AND thread_id = ?", (message_id, thread_id)
        ).fetchone()
        if row is None:
            raise Missing(f"message {message_id} not found in thread {thread_id}")
        return row[0]

    def update_message_metadata(self, thread_id: str, message_id: str, metadata: dict[str, str]) -> str:
        """Replace a message's metadata (the whole object); return the new JSON text."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT body FROM messages WHERE id = ? AND thread_id = ?", (message_id, thread_id)
            ).fetchone()
            if row is None:
                raise Missing(f"message {message_id} not found in thread {thread_id}")
            message = json.loads(row[0])
            message["metadata"] = metadata
            body = dumps(message)
            db.execute("UPDATE messages SET body = ? WHERE id = ?", (body, message_id))
        return body

    def _cursor_seq(self, db: sqlite3.Connection, thread_id: str, message_id: str, name: str) -> int:
        row = db.execute("SELECT seq, thread_id FROM messages WHERE id = ?", (message_id,)).fetchone()
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
        db = self._reader()
        if not self.thread_exists(thread_id):
            raise Missing(f"thread {thread_id} not found")
        where = ["thread_id = ?"]
        args: list[Any] = [thread_id]
        # In asc order "after X" means seq > X; in desc order it means seq < X. "before" is the mirror.
        later, earlier = (">", "<") if order == "asc" else ("<", ">")
        if after:
            where.append(f"seq {later} ?")
            args.append(self._cursor_seq(db, thread_id, after, "after"))
        if before:
            where.append(f"seq {earlier} ?")
            args.append(self._cursor_seq(db, thread_id, before, "before"))
        for key, value in (metadata or {}).items():
            where.append("EXISTS (SELECT 1 FROM json_each(body, '$.metadata') WHERE key = ? AND value = ?)")
            args += [key, value]
        # With only `before`, the page is the `limit` messages just before the cursor: walk
        # backwards from it, then put the page back in the requested order.
        backwards = bool(before) and not after
        direction = "ASC" if (order == "asc") != backwards else "DESC"
        sql = f"SELECT id, body FROM messages WHERE {' AND '.join(where)} ORDER BY seq {direction} LIMIT ?"
        rows = db.execute(sql, (*args, limit + 1)).fetchall()
        return page_of(rows, limit, reverse=backwards)

    def explain_list(self, thread_id: str, *, order: str = "desc", after: str | None = None) -> list[str]:
        """The query plan of a list page (for tests that prove paging stays an index search)."""
        db = self._reader()
        later = ">" if order == "asc" else "<"
        where, args = "thread_id = ?", [thread_id]
        if after:
            where += f" AND seq {later} ?"
            args.append(self._cursor_seq(db, thread_id, after, "after"))
        direction = "ASC" if order == "asc" else "DESC"
        rows = db.execute(
            f"EXPLAIN QUERY PLAN SELECT id, body FROM messages WHERE {where} ORDER BY seq {direction} LIMIT 21", args
        ).fetchall()
        return [row[-1] for row in rows]

    def count_messages(self, thread_id: str) -> int:
        return self._reader().execute("SELECT COUNT(*) FROM messages WHERE thread_id = ?", (thread_id,)).fetchone()[0]

