"""What a migration reports: per thread a result (a line, or a JSON object), and terminal failures."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tui.api.errors import ThreadscopeError


class MigrationFailed(ThreadscopeError):
    """A migration that cannot go on by running it again: the record marks it failed."""


class ConversationGone(MigrationFailed):
    """The target conversation answers 404: it was deleted while the migration ran."""

    def __init__(self, conversation_id: str) -> None:
        self.hint = "run again with --again to copy the thread into a new conversation"
        super().__init__(
            f"conversation {conversation_id} is gone (HTTP 404): it was deleted during the migration, "
            "or this key cannot reach it; nothing more was written"
        )


class TailConflict(MigrationFailed):
    """The conversation's newest items are neither a batch nor what preceded it: someone else wrote there."""


@dataclass
class ThreadResult:
    """The outcome for one thread."""

    thread_id: str
    conversation_id: str | None
    items: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    verified: bool = False
    record: str = ""
    differences: list[str] = field(default_factory=list)
    error: str | None = None
    already: bool = False  # finished by an earlier run, shown from the record
    migration_id: int | None = None  # its row in the record

    @property
    def ok(self) -> bool:
        return self.verified and self.error is None

    def to_json(self) -> dict[str, Any]:
        """The object `--json` prints (CONTRACT §6), plus `differences`/`error` only when there are any."""
        data: dict[str, Any] = {
            "thread_id": self.thread_id,
            "conversation_id": self.conversation_id,
            "items": self.items,
            "skipped": list(self.skipped),
            "verified": self.verified,
            "record": self.record,
        }
        if self.differences:
            data["differences"] = list(self.differences)
        if self.error:
            data["error"] = self.error
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], *, already: bool = False, migration_id: int | None = None) -> ThreadResult:
        return cls(
            thread_id=data["thread_id"], conversation_id=data.get("conversation_id"), items=data.get("items", 0),
            skipped=list(data.get("skipped") or []), verified=bool(data.get("verified")), record=data.get("record", ""),
            differences=list(data.get("differences") or []), error=data.get("error"), already=already,
            migration_id=migration_id,
        )

    def line(self) -> str:
        """`thread_… → conv_… · 137 items · 3 skipped (tool calls) · verified` (differences on the lines after)."""
        parts = [f"{self.thread_id} → {self.conversation_id or '(no conversation)'}", f"{self.items} items"]
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped ({skip_summary(self.skipped)})")
        if self.error:
            parts.append(f"failed: {self.error}")
        elif self.verified:
            parts.append("verified")
        else:
            parts.append(f"NOT verified, {len(self.differences)} difference(s):")
        text = " · ".join(parts)
        return "\n".join([text, *(f"  {problem}" for problem in self.differences)])


def skip_summary(skipped: list[dict[str, str]]) -> str:
    """`tool calls`, or `2 tool calls, 1 empty text` when the reasons differ."""
    counts = Counter(entry["reason"] for entry in skipped)
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{count} {reason}" for reason, count in counts.most_common())
