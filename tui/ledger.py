"""The thread ledger: DashScope cannot list threads or conversations, so threadscope remembers the ones you touched.

One JSON file in the user data dir; entries are kept per backend (a thread id from the
embedded emulator means nothing on the intl region).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC
from pathlib import Path

from tui.ids import is_conversation


@dataclass
class LedgerEntry:
    """One remembered thread or conversation."""

    thread_id: str
    backend: str
    label: str = ""
    last_opened: str = ""  # ISO 8601, UTC
    messages_seen: int = 0
    pinned: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """"conversation" for a conv_… id, else "thread" (the file keeps both under `thread_id`)."""
        return "conversation" if is_conversation(self.thread_id) else "thread"


def now_iso() -> str:
    from tui.clock import now

    return now().astimezone(UTC).replace(microsecond=0).isoformat()


def entries_in(raw: dict) -> list[LedgerEntry]:
    """The entries of a ledger document; malformed ones are skipped."""
    threads = raw.get("threads")
    known = set(LedgerEntry.__dataclass_fields__)
    return [LedgerEntry(**{k: v for k, v in item.items() if k in known}) for item in threads
            if isinstance(item, dict) and "thread_id" in item and "backend" in item] if isinstance(threads, list) else []


def seeded_in(raw: dict) -> dict[str, list[str]]:
    """Per backend, the ids `seed` ever added: one the user forgot is not added again."""
    seeded = raw.get("seeded", {})
    if not isinstance(seeded, dict):
        return {}
    return {b: [i for i in ids if isinstance(i, str)] for b, ids in seeded.items() if isinstance(ids, list)}


class ThreadLedger:
    """The threads remembered for one backend, stored in one JSON file shared by every backend."""

    def __init__(self, path: Path, backend: str) -> None:
        self.path = Path(path)
        self.backend = backend

    def _load_raw(self) -> dict:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            # A damaged ledger must not stop the app; keep a copy for the user and start afresh.
            try:
                os.replace(self.path, self.path.with_suffix(".damaged.json"))
            except OSError:
                pass
            return {}
        return raw if isinstance(raw, dict) else {}

    def _read(self) -> tuple[list[LedgerEntry], dict[str, list[str]]]:
        """The entries and, per backend, the ids `seed` ever added, from one read of the file.

        One read: a change saved by another threadscope between two reads would otherwise be
        half kept (its seeded ids without its entries).
        """
        raw = self._load_raw()
        return entries_in(raw), seeded_in(raw)

    def _load_all(self) -> list[LedgerEntry]:
        return entries_in(self._load_raw())

    def _save_all(self, entries: list[LedgerEntry], seeded: dict[str, list[str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        document = {"version": 1, "threads": [asdict(e) for e in entries]}
        if seeded:
            document["seeded"] = seeded
        # It lists the user's thread ids and labels: readable by its owner only, like the journal.
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as out:
            out.write(json.dumps(document, ensure_ascii=False, indent=1))
        os.replace(tmp, self.path)

    def entries(self) -> list[LedgerEntry]:
        """This backend's threads: pinned first, then most recently opened."""
        mine = [e for e in self._load_all() if e.backend == self.backend]
        mine.sort(key=lambda e: e.last_opened, reverse=True)
        mine.sort(key=lambda e: not e.pinned)
        return mine

    def get(self, thread_id: str) -> LedgerEntry | None:
        return next((e for e in self.entries() if e.thread_id == thread_id), None)

    def _update(self, thread_id: str, change) -> LedgerEntry:
        entries, seeded = self._read()
        entry = next((e for e in entries if e.backend == self.backend and e.thread_id == thread_id), None)
        if entry is None:
            entry = LedgerEntry(thread_id=thread_id, backend=self.backend)
            entries.append(entry)
        change(entry)
        self._save_all(entries, seeded)
        return entry

    def record(
        self, thread_id: str, *, label: str | None = None, messages_seen: int | None = None, touch: bool = True
    ) -> LedgerEntry:
        """Remember a thread opened, created or exported (a label given here does not replace one the user set)."""

        def change(entry: LedgerEntry) -> None:
            if touch:
                entry.last_opened = now_iso()
            if label and not entry.label:
                entry.label = label
            if messages_seen is not None:
                entry.messages_seen = max(entry.messages_seen, messages_seen)

        return self._update(thread_id, change)

    def seed(self, threads: list[tuple[str, str]]) -> None:
        """Add known threads (the demo's) never added before, without touching the others."""
        entries, seeded = self._read()
        done = set(seeded.get(self.backend, []))
        have = {e.thread_id for e in entries if e.backend == self.backend}
        new = [(thread_id, label) for thread_id, label in threads if thread_id not in done]
        if not new:
            return
        for thread_id, label in new:
            if thread_id not in have:
                entries.append(LedgerEntry(thread_id=thread_id, backend=self.backend, label=label))
        seeded[self.backend] = [*seeded.get(self.backend, []), *(thread_id for thread_id, _label in new)]
        self._save_all(entries, seeded)

    def set_label(self, thread_id: str, label: str) -> LedgerEntry:
        """Give a thread a name the user chose."""
        return self._update(thread_id, lambda e: setattr(e, "label", label))

    def toggle_pin(self, thread_id: str) -> LedgerEntry:
        """Pin a thread to the top, or unpin it."""
        return self._update(thread_id, lambda e: setattr(e, "pinned", not e.pinned))

    def link_conversation(self, thread_id: str, conversation_id: str) -> LedgerEntry:
        """Remember the conversation a thread was migrated into (kept in the entry's `extra`)."""
        return self._update(thread_id, lambda e: e.extra.__setitem__("migrated_to", conversation_id))

    def linked_conversation(self, thread_id: str) -> str | None:
        """The conversation a thread was migrated into, if one is remembered."""
        entry = self.get(thread_id)
        link = entry.extra.get("migrated_to") if entry is not None else None
        return link if isinstance(link, str) else None

    def forget(self, thread_id: str) -> None:
        """Drop a thread from the ledger (the thread itself is not touched)."""
        entries, seeded = self._read()
        self._save_all([e for e in entries if not (e.backend == self.backend and e.thread_id == thread_id)], seeded)
