"""Goal 1's bare httpx loop: fetch a whole thread, 100 messages a page, with nothing but httpx.

    python bench/bare_fetch.py BASE_URL THREAD_ID   → prints the seconds the fetch took

Goal 1 calls `fetch_with_bare_httpx` in the bench's process, beside the client it is compared
with. 6a and 22a run it as a command, in a fresh process each time like the export and grep
they are compared with: in the bench's process, after each export, it swung 41k–65k msg/s
between runs while the export stayed at 44k–55k. The time printed is the fetch's alone, as in
goal 1 (the baseline is the rate of a bare fetch), not the process's start.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
from common import KEY


def fetch_with_bare_httpx(base: str, thread_id: str) -> float:
    started = time.perf_counter()
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {KEY}"}) as http:
        after, count = None, 0
        while True:
            params = {"limit": 100, "order": "asc"}
            if after:
                params["after"] = after
            body = http.get(f"/threads/{thread_id}/messages", params=params).json()
            count += len(body["data"])
            if not body["has_more"]:
                break
            after = body["last_id"]
    return time.perf_counter() - started


def fetch_in_fresh_process(base: str, thread_id: str) -> float:
    """`fetch_with_bare_httpx` in a process of its own; the seconds it took there."""
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), base, thread_id],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"the bare httpx fetch failed:\n{proc.stderr[-1500:]}")
    return float(proc.stdout.split()[-1])


if __name__ == "__main__":
    print(fetch_with_bare_httpx(sys.argv[1], sys.argv[2]))
