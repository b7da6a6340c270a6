"""The results of the last find in a session: small `Match`es, and which one `]` / `[` stand on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # tui.find loads with the first find, not with every open thread
    from tui.find import Match


@dataclass
class Found:
    """What a find over the whole thread found so far; `seen` entries looked at, `done` at its end."""

    text: str = ""
    matches: list[Match] = field(default_factory=list)
    seen: int = 0
    done: bool = False
    cancelled: bool = False
    error: str | None = None  # why the find stopped early (the server or the network failed)
    current: int | None = None  # index of the match last jumped to
    by_id: dict[str, Match] = field(default_factory=dict, repr=False)  # filled as matches are asked for
    indexed: int = field(default=0, repr=False)  # how many of `matches` are in `by_id`

    @property
    def total(self) -> int | None:
        """How many entries the thread holds, once the find has seen them all."""
        return self.seen if self.done else None

    def position_label(self, match: Match, word: str = "message") -> str:
        """E.g. "message 1,204 of 2,500" (the total once known)."""
        return self.label_at(match.position, word)

    def label_at(self, position: int, word: str = "message") -> str:
        total = self.total
        return f"{word} {position:,}" + (f" of {total:,}" if total is not None else "")

    def match_for(self, entry_id: str) -> Match | None:
        """The match of this entry, if the find found it (looked up, not searched: asked on every key)."""
        for match in self.matches[self.indexed:]:  # matches only grow: index the new ones
            self.by_id.setdefault(match.id, match)
        self.indexed = len(self.matches)
        return self.by_id.get(entry_id)

    def progress_label(self, word: str = "message") -> str:
        """The progress line: how far the find got and how many matched."""
        count = len(self.matches)
        found = f"{count:,} match{'es' if count != 1 else ''}"
        if self.done:
            return f"Searched all {self.seen:,} {word}s · {found}"
        if self.error:
            return f"Stopped after {self.seen:,} {word}s · {found} · {self.error}"
        if self.cancelled:
            return f"Cancelled after {self.seen:,} {word}s · {found}"
        return f"Searching… {self.seen:,} {word}s so far · {found}"

    def step(self, step: int) -> Match | None:
        """The next (`step` 1) or previous (-1) match from the current one, made current; None past an end."""
        if not self.matches:
            return None
        target = (0 if step > 0 else len(self.matches) - 1) if self.current is None else self.current + step
        if not 0 <= target < len(self.matches):
            return None
        self.current = target
        return self.matches[target]


async def collect(matches: AsyncIterator[Match], found: Found, changed: Callable[[], None]) -> None:
    """Feed `found` from a find's stream, calling `changed()` as it grows; a cancel is recorded."""
    try:
        async for match in matches:
            found.matches.append(match)
            found.seen = max(found.seen, match.position)
            changed()
    except asyncio.CancelledError:
        found.cancelled = True
        changed()
        raise
    except Exception as exc:  # the caller reports it; the pane says where the find stopped
        found.error = str(exc)
        changed()
        raise
    found.done = True
    changed()
