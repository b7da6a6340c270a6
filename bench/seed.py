"""Fill an emulator database with big threads and conversations through the storage layer's bulk path."""

from __future__ import annotations

import time
from pathlib import Path

from tui.emulator.conversation_store import item_object
from tui.emulator.storage import Storage, message_object

BASE_MS = 1_711_530_000_000
FILLER = "lorem ipsum dolor " * 8
NEEDLE = "needle"  # the word `grep` looks for: in the first message and one of every `needle_every`


def message_text(i: int, text: str, needle_every: int) -> str:
    needle = f" {NEEDLE}" if needle_every and i % needle_every == 0 else ""
    return f"{text} {i}{needle}: {FILLER}"


def seed_thread(db: Path, count: int, *, thread_id: str | None = None, text: str = "benchmark message",
                needle_every: int = 0) -> tuple[str, float]:
    """A thread of `count` user/assistant messages; returns its id and the seconds seeding took."""
    storage = Storage(db)
    thread_id = storage.create_thread({"bench": str(count)}, thread_id=thread_id)["id"]
    started = time.perf_counter()

    def rows():
        for i in range(count):
            yield message_object(
                message_id=f"message_{thread_id[7:15]}-{i:010d}", thread_id=thread_id, created_at=BASE_MS + i // 3,
                role="user" if i % 2 == 0 else "assistant", text=message_text(i, text, needle_every),
                metadata={"i": str(i)} if i % 10 == 0 else None,
                assistant_id="" if i % 2 == 0 else "asst_bench", run_id="" if i % 2 == 0 else "run_bench",
            )

    storage.bulk_insert_messages(rows())
    elapsed = time.perf_counter() - started
    storage.close()
    return thread_id, elapsed


def item_id(conversation_id: str, i: int) -> str:
    return f"msg_{conversation_id[5:13]}-{i:010d}"


def seed_conversation(db: Path, count: int, *, text: str = "benchmark item") -> tuple[str, float]:
    """A conversation of `count` user/assistant items; returns its id and the seconds seeding took."""
    storage = Storage(db)
    conversation_id = storage.create_conversation({"bench": str(count)}, created_at=BASE_MS)["id"]
    started = time.perf_counter()

    def rows():
        for i in range(count):
            role = "user" if i % 2 == 0 else "assistant"
            part = {"type": "input_text" if role == "user" else "output_text", "text": message_text(i, text, 0)}
            yield item_object(role, [part], item_id=item_id(conversation_id, i))

    storage.bulk_insert_items(conversation_id, rows())
    elapsed = time.perf_counter() - started
    storage.close()
    return conversation_id, elapsed
