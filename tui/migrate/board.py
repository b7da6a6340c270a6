"""Where each thread of a TUI migration stands (Textual-free): the progress screen only draws it.

A row moves planning → planned (or unreadable) → batch k of n → verifying → verified or
failed; a stopped run leaves the unfinished rows `stopped` (the record resumes them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tui.migrate.engine import Progress
from tui.migrate.mapping import BATCH_SIZE, plural
from tui.migrate.results import ThreadResult

FINAL = ("unreadable", "verified", "failed", "stopped")


@dataclass
class Row:
    """One thread of the run."""

    thread_id: str
    label: str = ""
    plan: Any = None  # a ThreadPlan once read
    state: str = "planning"
    batch: int = 0
    error: str = ""
    result: ThreadResult | None = None
    target: str | None = None  # a stopped run's conversation, as the record holds it

    @property
    def conversation_id(self) -> str | None:
        if self.result is not None:
            return self.result.conversation_id
        if self.target is not None:
            return self.target
        existing = self.plan.existing if self.plan is not None else None
        return existing.conversation_id if existing is not None else None

    @property
    def migrated_before(self) -> bool:
        existing = self.plan.existing if self.plan is not None else None
        return existing is not None and existing.state in ("done", "failed")

    def describe(self) -> str:
        """The state in words, as the progress screen shows it."""
        if self.state == "planning":
            return "reading the thread…"
        if self.state == "unreadable":
            return f"cannot read it: {self.error}"
        if self.state == "planned":
            return self._planned()
        if self.state == "batch":
            return f"batch {self.batch} of {self.plan.batches}"
        if self.state == "verifying":
            return "verifying"
        if self.state == "verified":
            assert self.result is not None
            earlier = " earlier" if self.result.already else ""  # by a run before this one (the record says so)
            return f"verified{earlier} · {plural(self.result.items, 'item')}"
        if self.state == "stopped":
            return "stopped: M resumes it"
        return f"failed: {self.error}"

    def _planned(self) -> str:
        plan = self.plan
        text = f"planned · {plural(plan.items, 'item')} in {plural(plan.batches, 'batch')}"
        if plan.skipped():
            text += f" · {len(plan.skipped())} skipped"
        if self.migrated_before:
            text += " · migrated before"
        elif plan.existing is not None:
            text += " · resumes an unfinished run"
        return text


@dataclass
class Board:
    """Every row of one run, in the order the threads were given."""

    rows: list[Row] = field(default_factory=list)

    @classmethod
    def of(cls, threads: list[tuple[str, str]]) -> Board:
        """From (thread id, label) pairs; a thread given twice is one row."""
        return cls([Row(thread_id, label) for thread_id, label in dict(threads).items()])

    def row(self, thread_id: str) -> Row:
        return next(row for row in self.rows if row.thread_id == thread_id)

    # -- planning ----------------------------------------------------------------------------

    def planned(self, thread_id: str, plan: Any) -> None:
        row = self.row(thread_id)
        row.plan, row.state = plan, "planned"

    def unreadable(self, thread_id: str, error: str) -> None:
        row = self.row(thread_id)
        row.state, row.error = "unreadable", error

    def runnable(self) -> list[str]:
        """The threads a run would migrate: every one that could be read."""
        return [row.thread_id for row in self.rows if row.plan is not None]

    def summary(self) -> str:
        """The plan in one line: threads, items, batches, skipped and reported counts."""
        plans = [row.plan for row in self.rows if row.plan is not None]
        items = sum(plan.items for plan in plans)
        batches = sum(plan.batches for plan in plans)
        skipped = sum(len(plan.skipped()) for plan in plans)
        reported = sum(len(plan.reported()) for plan in plans)
        text = (f"{plural(len(plans), 'thread')} → new conversations · {plural(items, 'item')} in "
                f"{plural(batches, 'batch')} · {skipped} skipped · {reported} reported (the record keeps the notes)")
        unreadable = sum(row.state == "unreadable" for row in self.rows)
        return text + (f" · {unreadable} cannot be read" if unreadable else "")

    def migrated_before(self) -> int:
        return sum(row.migrated_before for row in self.rows)

    # -- running -----------------------------------------------------------------------------

    def progress(self, progress: Progress) -> None:
        """The engine's progress callback: batch k of n while writing, then verifying."""
        row = self.row(progress.thread_id)
        if row.state in FINAL:
            return
        items = row.plan.items if row.plan is not None else 0
        if progress.done or progress.written >= items:
            row.state = "verifying"
        else:
            row.state, row.batch = "batch", progress.written // BATCH_SIZE + 1

    def finished(self, result: ThreadResult) -> None:
        row = self.row(result.thread_id)
        row.result = result
        if result.ok:
            row.state = "verified"
            return
        row.state = "failed"
        if result.error:
            row.error = result.error
        else:
            row.error = f"{plural(len(result.differences), 'difference')}: " + "; ".join(result.differences[:3])

    def crashed(self, thread_id: str, error: str) -> None:
        row = self.row(thread_id)
        row.state, row.error = "failed", error

    def stop(self, targets: dict[str, str | None]) -> None:
        """The user stopped the run: every row still moving is left to the record (`targets`: its conversations)."""
        for row in self.rows:
            if row.state not in FINAL:
                row.state, row.target = "stopped", targets.get(row.thread_id)

    def done(self) -> bool:
        return all(row.state in FINAL for row in self.rows if row.plan is not None)

    def conversations(self) -> dict[str, str]:
        """thread id → conversation id of every verified row."""
        return {row.thread_id: row.result.conversation_id for row in self.rows
                if row.state == "verified" and row.result is not None and row.result.conversation_id}
