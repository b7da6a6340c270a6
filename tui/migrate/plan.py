"""`--dry-run`: what a migration would do — items, batches, what is skipped or reported, the metadata."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from tui.migrate.mapping import BATCH_SIZE, MappedMessage, conversation_metadata, map_message, plural
from tui.migrate.record import Migration


@dataclass
class ThreadPlan:
    """Everything a run would send for one thread, and what it would leave out."""

    thread_id: str
    into: str | None
    metadata: dict[str, str] | None  # None: --into keeps the conversation's own metadata
    mapped: list[MappedMessage] = field(default_factory=list)
    existing: Migration | None = None

    @property
    def items(self) -> int:
        return sum(1 for m in self.mapped if m.item is not None)

    @property
    def batches(self) -> int:
        return math.ceil(self.items / BATCH_SIZE)

    def skipped(self) -> list[dict[str, str]]:
        return [{"message_id": m.message_id, "reason": m.skipped or ""} for m in self.mapped if m.item is None]

    def reported(self) -> list[dict[str, Any]]:
        return [{"message_id": m.message_id, "notes": list(m.notes)} for m in self.mapped if m.notes]

    def to_json(self) -> dict[str, Any]:
        return {
            "thread_id": self.thread_id, "conversation_id": self.into, "dry_run": True, "items": self.items,
            "batches": self.batches, "skipped": self.skipped(), "reported": self.reported(), "metadata": self.metadata,
            "existing": self._existing_json(),
        }

    def _existing_json(self) -> dict[str, Any] | None:
        if self.existing is None:
            return None
        return {"conversation_id": self.existing.conversation_id, "state": self.existing.state}

    def lines(self) -> list[str]:
        """The plan for a person."""
        target = f"into {self.into} (appended)" if self.into else "into a new conversation"
        lines = [f"{self.thread_id} → {target} · {plural(self.items, 'item')} in {plural(self.batches, 'batch')}"
                 + (f" · {len(self.skipped())} skipped" if self.skipped() else "") + " · dry run, nothing sent"]
        if self.metadata is not None:
            pairs = ", ".join(f"{k}={v}" for k, v in self.metadata.items()) or "(none)"
            lines.append(f"  conversation metadata: {pairs}")
        else:
            lines.append("  conversation metadata: left as it is (--into)")
        lines += [f"  skip {entry['message_id']}: {entry['reason']}" for entry in self.skipped()]
        lines += [f"  report {entry['message_id']}: {'; '.join(entry['notes'])}" for entry in self.reported()]
        if self.existing is not None:
            lines.append(f"  the record holds a migration into {self.existing.conversation_id or '(not created yet)'} "
                         f"({self.existing.state}): {_existing_advice(self.existing.state)}")
        return lines


def _existing_advice(state: str) -> str:
    if state in ("done", "failed"):
        return "a run prints it; --again makes a new copy"
    return "a run resumes it"


async def plan_thread(client: Any, thread_id: str, *, into: str | None, non_text: str,
                      existing: Migration | None = None) -> ThreadPlan:
    """Read the whole thread (nothing is written anywhere) and map every message."""
    thread = await client.retrieve_thread(thread_id)
    metadata = None if into else conversation_metadata(thread.id, thread.metadata)
    plan = ThreadPlan(thread_id, into, metadata, existing=existing)
    async for raw in client.iter_raw_messages(thread_id, order="asc", page_size=100):
        plan.mapped.append(map_message(raw, non_text))
    return plan
