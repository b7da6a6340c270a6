"""Goals 20a and 20b: fetching a whole conversation, and deep item pages on the emulator."""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx
from common import KEY, Result


def compat_of(base: str) -> str:
    """The compatible-mode base `threadscope serve` answers beside `…/api/v1`."""
    return base.removesuffix("/api/v1") + "/compatible-mode/v1"


def fetch_items_with_client(base: str, conversation_id: str) -> tuple[float, int]:
    from tui.api import DashScopeClient

    async def run() -> int:
        async with DashScopeClient(api_key=KEY, base_url=base) as client:
            return sum([1 async for _ in client.iter_items(conversation_id, order="asc", page_size=100)])

    started = time.perf_counter()
    count = asyncio.run(run())
    return time.perf_counter() - started, count


def fetch_items_with_openai(base: str, conversation_id: str) -> tuple[float, int]:
    from openai import OpenAI

    started = time.perf_counter()
    with OpenAI(api_key=KEY, base_url=compat_of(base), max_retries=0) as client:
        count = sum(1 for _ in client.conversations.items.list(conversation_id, limit=100, order="asc"))
    return time.perf_counter() - started, count


def fetch_items_with_bare_httpx(base: str, conversation_id: str) -> tuple[float, int]:
    started = time.perf_counter()
    with httpx.Client(base_url=compat_of(base), headers={"Authorization": f"Bearer {KEY}"}) as http:
        after, count = None, 0
        while True:
            params = {"limit": 100, "order": "asc"}
            if after:
                params["after"] = after
            body = http.get(f"/conversations/{conversation_id}/items", params=params).json()
            count += len(body["data"])
            if not body["has_more"]:
                break
            after = body["last_id"]
    return time.perf_counter() - started, count


def goal_fetch_items(base: str, conversation_id: str, total: int, runs: int) -> list[Result]:
    def timed(fetch):
        def once() -> float:
            seconds, count = fetch(base, conversation_id)
            assert count == total, (fetch.__name__, count, total)
            return seconds
        return once

    ours, sdk, bare = [], [], []
    for _ in range(runs):  # interleaved, so drift in machine load hits all three alike
        ours.append(timed(fetch_items_with_client)())
        sdk.append(timed(fetch_items_with_openai)())
        bare.append(timed(fetch_items_with_bare_httpx)())
    ours_s, sdk_s, bare_s = (statistics.median(x) for x in (ours, sdk, bare))
    return [
        Result(f"20a fetch a {total:,}-item conversation: iter_items vs openai SDK auto-paging", sdk_s / ours_s,
               "≥ 1.3×", sdk_s / ours_s >= 1.3, f"ours {ours_s:.3f} s, openai SDK {sdk_s:.3f} s"),
        Result(f"20a fetch a {total:,}-item conversation: iter_items vs bare httpx loop", bare_s / ours_s,
               "≥ 0.9×", bare_s / ours_s >= 0.9, f"ours {ours_s:.3f} s, bare {bare_s:.3f} s"),
    ]


def page_timer(http: httpx.Client, conversation_id: str, cursor: str):
    """A function timing one 100-item page after `cursor` on `http` (a keep-alive connection)."""
    params = {"limit": 100, "order": "asc", "after": cursor}
    url = f"/conversations/{conversation_id}/items"
    assert http.get(url, params=params).status_code == 200  # warm

    def once() -> float:
        started = time.perf_counter()
        response = http.get(url, params=params)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200 and len(response.json()["data"]) == 100
        return elapsed

    return once


def goal_deep_items(base: str, shallow: tuple[str, str], deep: tuple[str, str], big: int, samples: int) -> Result:
    """`shallow`/`deep`: (conversation id, the item 500 from its end); pages timed alternately."""
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=compat_of(base), headers=headers) as one, \
            httpx.Client(base_url=compat_of(base), headers=headers) as two:
        shallow_page, deep_page = page_timer(one, *shallow), page_timer(two, *deep)
        shallow_times, deep_times = [], []
        for _ in range(samples):
            shallow_times.append(shallow_page())
            deep_times.append(deep_page())
    shallow_s, deep_s = statistics.median(shallow_times), statistics.median(deep_times)
    return Result(f"20b item page deep in {big:,} items vs in 1,000", deep_s / shallow_s, "≤ 1.5×",
                  deep_s / shallow_s <= 1.5, f"deep {deep_s * 1000:.2f} ms, shallow {shallow_s * 1000:.2f} ms")
