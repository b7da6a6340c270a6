"""`--dry-run`: what a migration would do — items, batches, what is skipped or reported, the metadata."""

from __future__ import annotations

import math
from collections.abc import Iterable
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
    confirmed_batches: int = 0  # of `existing`: a run resumes after these
    again: bool = False  # --again: a finished `existing` is copied anew

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
        """The plan for a person: a headline, the metadata, then a line per kind of skip or note."""
        lines = [f"{self.thread_id} → {self._target()} · {plural(self.items, 'item')} in {plural(self.batches, 'batch')}"
                 + (f" · {len(self.skipped())} skipped" if self.skipped() else "") + " · dry run, nothing sent"]
        if self.metadata is not None:
            pairs = ", ".join(f"{k}={v}" for k, v in self.metadata.items()) or "(none)"
            lines.append(f"  conversation metadata: {pairs}")
        else:
            lines.append("  conversation metadata: left as it is (--into)")
        skips = _by_kind((entry["reason"], entry["message_id"]) for entry in self.skipped())
        notes = _by_kind((note, entry["message_id"]) for entry in self.reported() for note in entry["notes"])
        lines += [f"  skip {plural(len(ids), 'message')} ({reason}): {_named(ids)}" for reason, ids in skips.items()]
        lines += [f"  report {plural(len(ids), 'message')}: {note} — {_named(ids)}" for note, ids in notes.items()]
        if any(len(ids) > SHOWN_IDS for ids in [*skips.values(), *notes.values()]):
            lines.append("  --json lists every message")
        if self.existing is not None and not self._resumes() and self.again:
            lines.append(f"  the record holds an earlier copy in {self.existing.conversation_id} ({self.existing.state});"
                         " --again makes a new one")
        return lines

    def _resumes(self) -> bool:
        return self.existing is not None and self.existing.state not in ("done", "failed")

    def _target(self) -> str:
        if self._resumes():
            assert self.existing is not None
            where = self.existing.conversation_id or "an unfinished run (no conversation created yet)"
            return f"resumes {where} (batch {min(self.confirmed_batches + 1, self.batches)} of {self.batches})"
        if self.existing is not None and not self.again:
            return (f"migrated before into {self.existing.conversation_id} ({self.existing.state}: a run prints that;"
                    " --again makes a new copy)")
        return f"into {self.into} (appended)" if self.into else "into a new conversation"


SHOWN_IDS = 3  # message ids named per kind; --json lists every one


def _by_kind(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for kind, message_id in pairs:
        grouped.setdefault(kind, []).append(message_id)
    return grouped


def _named(ids: list[str]) -> str:
    return ", ".join(ids[:SHOWN_IDS]) + (f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else "")


async def plan_thread(client: Any, thread_id: str, *, into: str | None, non_text: str,
                      existing: Migration | None = None) -> ThreadPlan:
    """Read the whole thread (nothing is written anywhere) and map every message."""
    thread = await client.retrieve_thread(thread_id)
    metadata = None if into else conversation_metadata(thread.id, thread.metadata)
    plan = ThreadPlan(thread_id, into, metadata, existing=existing)
    async for raw in client.iter_raw_messages(thread_id, order="asc", page_size=100):
        plan.mapped.append(map_message(raw, non_text))
    return plan
