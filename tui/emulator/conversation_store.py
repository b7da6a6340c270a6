"""Conversations and their items in the emulator's database (a mixin of `Storage`)."""

from __future__ import annotations

import json
import random
import sqlite3
import uuid
from collections.abc import Iterable
from typing import Any

from tui.emulator.db import BadCursor, Database, Missing, Page, dumps, now_ms, page_of

_seeded_ids: random.Random | None = None


def seed_conversation_ids(seed: int | None) -> None:
    """Draw conversation ids from a seeded RNG (screenshots and snapshots), or from uuid4 again (None)."""
    global _seeded_ids
    _seeded_ids = None if seed is None else random.Random(seed)


def new_conversation_id() -> str:
    if _seeded_ids is not None:
        return f"conv_{uuid.UUID(int=_seeded_ids.getrandbits(128), version=4)}"
    return f"conv_{uuid.uuid4()}"


def new_item_id() -> str:
    return f"msg_{uuid.uuid4()}"


def item_object(role: str, parts: list[dict[str, str]], *, item_id: str | None = None) -> dict[str, Any]:
    """A complete conversation item (a message), fields in the order the provider shows them."""
    return {"id": item_id or new_item_id(), "type": "message", "role": role, "content": parts, "status": "completed"}


class ConversationStore(Database):
    """Conversations and items; every write all or nothing."""

    def create_conversation(self, metadata: dict[str, str] | None = None, items: list[dict[str, Any]] = (), *,
                            conversation_id: str | None = None, created_at: int | None = None) -> dict[str, Any]:
        """Insert a conversation and its first items (complete objects, see `item_object`), atomically."""
        conversation = {
            "id": conversation_id or new_conversation_id(),
            "object": "conversation",
            "created_at": created_at if created_at is not None else now_ms(),
            "metadata": dict(metadata or {}),
        }
        with self._transaction() as db:
            db.execute(
                "INSERT INTO conversations (id, created_at, metadata) VALUES (?, ?, ?)",
                (conversation["id"], conversation["created_at"], dumps(conversation["metadata"])),
            )
            self._insert_items(db, conversation["id"], items)
        return conversation

    def get_conversation(self, conversation_id: str) -> dict[str, Any]:
        """The conversation object, or Missing."""
        row = self._reader().execute(
            "SELECT id, created_at, metadata FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        if row is None:
            raise Missing(f"conversation {conversation_id} not found")
        return {"id": row[0], "object": "conversation", "created_at": row[1], "metadata": json.loads(row[2])}

    def conversation_exists(self, conversation_id: str) -> bool:
        db = self._reader()
        return db.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone() is not None

    def update_conversation(self, conversation_id: str, metadata: dict[str, str]) -> dict[str, Any]:
        """Replace a conversation's metadata (the whole map)."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE conversations SET metadata = ? WHERE id = ?", (dumps(metadata), conversation_id)
            )
        if cursor.rowcount == 0:
            raise Missing(f"conversation {conversation_id} not found")
        return self.get_conversation(conversation_id)

    def delete_conversation(self, conversation_id: str) -> None:
        """Delete a conversation and its items, atomically: afterwards both are not found."""
        with self._transaction() as db:
            gone = db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,)).rowcount
            db.execute("DELETE FROM items WHERE conversation_id = ?", (conversation_id,))
        if gone == 0:
            raise Missing(f"conversation {conversation_id} not found")

    # -- items ---------------------------------------------------------------------------

    def add_items(self, conversation_id: str, items: list[dict[str, Any]]) -> list[str]:
        """Append complete items in the given order, all or none; return their JSON texts."""
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone() is None:
                raise Missing(f"conversation {conversation_id} not found")
            return self._insert_items(db, conversation_id, items)

    @staticmethod
    def _insert_items(db: sqlite3.Connection, conversation_id: str, items: Iterable[dict[str, Any]]) -> list[str]:
        rows = [(item["id"], conversation_id, dumps(item)) for item in items]
        db.executemany("INSERT INTO items (id, conversation_id, body) VALUES (?, ?, ?)", rows)
        return [row[2] for row in rows]

    def bulk_insert_items(self, conversation_id: str, items: Iterable[dict[str, Any]]) -> int:
        """Append many complete items in large transactions (demo data and benchmarks)."""
        rows = ((item["id"], conversation_id, dumps(item)) for item in items)
        return self._bulk_insert("INSERT INTO items (id, conversation_id, body) VALUES (?, ?, ?)", rows)

    def get_item(self, conversation_id: str, item_id: str) -> str:
        """The item's JSON text, or Missing (also when it belongs to another conversation)."""
        row = self._reader().execute(
            "SELECT body FROM items WHERE id = ? AND conversation_id = ?", (item_id, conversation_id)
        ).fetchone()
        if row is None:
            raise Missing(f"item {item_id} not found in conversation {conversation_id}")
        return row[0]

    def delete_item(self, conversation_id: str, item_id: str) -> None:
        """Delete one item, or Missing."""
        with self._lock:
            gone = self._db.execute(
                "DELETE FROM items WHERE id = ? AND conversation_id = ?", (item_id, conversation_id)
            ).rowcount
        if gone == 0:
            raise Missing(f"item {item_id} not found in conversation {conversation_id}")

    def _item_seq(self, db: sqlite3.Connection, conversation_id: str, item_id: str) -> int:
        row = db.execute("SELECT seq, conversation_id FROM items WHERE id = ?", (item_id,)).fetchone()
        if row is None or row[1] != conversation_id:
            raise BadCursor(f"after={item_id} is not an item of conversation {conversation_id}")
        return row[0]

    def _items_query(self, db: sqlite3.Connection, conversation_id: str, order: str,
                     after: str | None) -> tuple[str, list[Any]]:
        where, args = "conversation_id = ?", [conversation_id]
        if after:
            # "after X" is the page that follows X in the requested order.
            where += f" AND seq {'>' if order == 'asc' else '<'} ?"
            args.append(self._item_seq(db, conversation_id, after))
        direction = "ASC" if order == "asc" else "DESC"
        return f"SELECT id, body FROM items WHERE {where} ORDER BY seq {direction} LIMIT ?", args

    def list_items(self, conversation_id: str, *, limit: int, order: str, after: str | None = None) -> Page:
        """One page of items in `order`; `after` is an exclusive cursor that follows that order."""
        db = self._reader()
        if not self.conversation_exists(conversation_id):
            raise Missing(f"conversation {conversation_id} not found")
        sql, args = self._items_query(db, conversation_id, order, after)
        return page_of(db.execute(sql, (*args, limit + 1)).fetchall(), limit)

    def explain_items(self, conversation_id: str, *, order: str = "desc", after: str | None = None) -> list[str]:
        """The query plan of an items page, and of its cursor lookup (tests prove both use an index)."""
        db = self._reader()
        sql, args = self._items_query(db, conversation_id, order, after)
        plans = db.execute(f"EXPLAIN QUERY PLAN {sql}", (*args, 21)).fetchall()
        cursor = db.execute("EXPLAIN QUERY PLAN SELECT seq, conversation_id FROM items WHERE id = ?", ("x",)).fetchall()
        return [row[-1] for row in plans + cursor]

    def count_items(self, conversation_id: str) -> int:
        db = self._reader()
        return db.execute("SELECT COUNT(*) FROM items WHERE conversation_id = ?", (conversation_id,)).fetchone()[0]
