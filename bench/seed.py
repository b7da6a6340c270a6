"""Fill an emulator database with big threads through the storage layer's bulk path."""

from __future__ import annotations

import time
from pathlib import Path

from tui.emulator.storage import Storage, message_object

BASE_MS = 1_711_530_000_000


def seed_thread(db: Path, count: int, *, thread_id: str | None = None, text: str = "benchmark message") -> tuple[str, float]:
    """A thread of `count` user/assistant messages; returns its id and the seconds seeding took."""
    storage = Storage(db)
    thread_id = storage.create_thread({"bench": str(count)}, thread_id=thread_id)["id"]
    started = time.perf_counter()

    def rows():
        for i in range(count):
            yield message_object(
                message_id=f"message_{thread_id[7:15]}-{i:010d}", thread_id=thread_id, created_at=BASE_MS + i // 3,
                role="user" if i % 2 == 0 else "assistant", text=f"{text} {i}: " + "lorem ipsum dolor " * 8,
                metadata={"i": str(i)} if i % 10 == 0 else None,
                assistant_id="" if i % 2 == 0 else "asst_bench", run_id="" if i % 2 == 0 else "run_bench",
            )

    storage.bulk_insert_messages(rows())
    elapsed = time.perf_counter() - started
    storage.close()
    return thread_id, elapsed
