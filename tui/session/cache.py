"""Pages remembered for `n`/`p`: fetched ahead, or just seen."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

from tui.session.source import Page

PAGE_CACHE_TTL = 30.0  # seconds a remembered page may be shown again without asking the server
PAGE_CACHE_SIZE = 8

T = TypeVar("T")


class PageCache:
    """A small TTL + LRU map of pages that cannot change as the thread grows.

    Only a full page after a cursor with more after it is kept: entries are only ever added at
    the newest end, so such a page is the same whenever it is asked for.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, ttl: float = PAGE_CACHE_TTL,
                 size: int = PAGE_CACHE_SIZE) -> None:
        self.clock = clock
        self.ttl = ttl
        self.size = size
        self._pages: OrderedDict[Hashable, tuple[Page, float]] = OrderedDict()
        self.generation = 0  # bumped by clear(): a page fetched under an older one may be stale

    def get(self, key: Hashable) -> Page | None:
        found = self.get_stamped(key)
        return None if found is None else found[0]

    def get_stamped(self, key: Hashable) -> tuple[Page, float] | None:
        """The remembered page and when it was read from the server, while it is fresh."""
        found = self._pages.get(key)
        if found is None or self.clock() - found[1] >= self.ttl:
            return None
        return found

    def keep(self, key: Hashable, page: Page, *, limit: int, after: str | None,
             generation: int | None = None, read_at: float | None = None) -> None:
        """Remember `page`, unless the cache was cleared since its fetch began (`generation`, when given).

        `read_at` is when the server answered, for a page kept later than that (the page just left).
        """
        if generation is not None and generation != self.generation:
            return  # e.g. a prefetch read before a save that cleared the cache landed
        if after is None or len(page.entries) != limit or not page.has_more:
            return
        self._pages[key] = (page, self.clock() if read_at is None else read_at)
        self._pages.move_to_end(key)
        while len(self._pages) > self.size:
            self._pages.popitem(last=False)

    def clear(self) -> None:
        self._pages.clear()
        self.generation += 1

    def __len__(self) -> int:
        return len(self._pages)


class Reads:
    """Page reads under way, by key: a key pressed while the read-ahead of its page is out waits for it."""

    def __init__(self) -> None:
        self._reads: dict[Hashable, asyncio.Future] = {}

    async def join(self, key: Hashable):
        """What the read of `key` under way returns; None when there is none, or it failed or was cancelled."""
        pending = self._reads.get(key)
        if pending is None:
            return None
        try:
            return await asyncio.shield(pending)  # the joiner's own cancellation leaves the read running
        except asyncio.CancelledError:
            if pending.cancelled():
                return None  # the read failed: the joiner reads for itself and reports its own error
            raise

    async def run(self, key: Hashable, read: Awaitable[T]) -> T:
        """Await `read`, letting others join it meanwhile."""
        future = asyncio.get_running_loop().create_future()
        self._reads[key] = future
        try:
            result = await read
        except BaseException:
            future.cancel()  # not an exception set on it: a future nobody joined would log it as lost
            raise
        finally:
            if self._reads.get(key) is future:
                del self._reads[key]
        future.set_result(result)
        return result
