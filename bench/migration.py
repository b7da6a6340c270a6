"""Goals 21a and 21b: `threadscope migrate` vs a straightforward sequential script, both against serve.

Both run as fresh processes (interpreter start and imports count, as for a user), timed from
spawn to exit. After each run every conversation is read back and compared item for item
(role, content, in order) and by metadata with the other's copy of the same thread.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from common import KEY, ROOT, Result
from conversations import compat_of

HERE = Path(__file__).resolve().parent


def run_migrate(base: str, thread_ids: list[str], jobs: int) -> tuple[float, dict[str, str]]:
    """Seconds for `python -m tui migrate --jobs N --json THREAD…`, and thread → conversation."""
    with tempfile.TemporaryDirectory() as tmp:  # a fresh migration record: nothing "migrated before"
        env = {**os.environ, "DASHSCOPE_API_KEY": KEY, "THREADSCOPE_DATA_DIR": f"{tmp}/data",
               "THREADSCOPE_CONFIG_DIR": f"{tmp}/config"}
        argv = [sys.executable, "-m", "tui", "migrate", "--base-url", base, "--jobs", str(jobs), "--json", *thread_ids]
        started = time.perf_counter()
        proc = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"migrate exited {proc.returncode}: {proc.stderr[-1500:]}")
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    unverified = [r["thread_id"] for r in results if not r.get("verified")]
    if unverified:
        raise RuntimeError(f"migrate did not verify {unverified[:3]}")
    return elapsed, {r["thread_id"]: r["conversation_id"] for r in results}


def run_script(base: str, thread_ids: list[str]) -> tuple[float, dict[str, str]]:
    """Seconds for bench/sequential_migrate.py over the same threads, and thread → conversation."""
    argv = [sys.executable, str(HERE / "sequential_migrate.py"), base, KEY, *thread_ids]
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"the sequential script exited {proc.returncode}: {proc.stderr[-1500:]}")
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return elapsed, {r["thread_id"]: r["conversation_id"] for r in results}


def read_conversation(http: httpx.Client, conversation_id: str) -> tuple[dict, list[dict]]:
    """(metadata, items without their ids), oldest first."""
    metadata = http.get(f"/conversations/{conversation_id}").json()["metadata"]
    items, after = [], None
    while True:
        params = {"limit": 100, "order": "asc", **({"after": after} if after else {})}
        body = http.get(f"/conversations/{conversation_id}/items", params=params).json()
        items += [{k: v for k, v in item.items() if k != "id"} for item in body["data"]]
        if not body["has_more"]:
            return metadata, items
        after = body["last_id"]


def check_identical(base: str, thread_ids: list[str], ours: dict[str, str], theirs: dict[str, str],
                    messages_per_thread: int) -> None:
    """Every thread migrated by both, each pair of conversations equal item for item and in metadata."""
    missing = [t for t in thread_ids if t not in ours or t not in theirs]
    if missing:
        raise RuntimeError(f"not migrated by both: {missing[:3]}")
    with httpx.Client(base_url=compat_of(base), headers={"Authorization": f"Bearer {KEY}"}) as http:
        for thread_id in thread_ids:
            mine, script = read_conversation(http, ours[thread_id]), read_conversation(http, theirs[thread_id])
            if mine != script:
                raise RuntimeError(f"{thread_id}: migrate's {ours[thread_id]} and the script's "
                                   f"{theirs[thread_id]} differ")
            if len(mine[1]) != messages_per_thread:
                raise RuntimeError(f"{thread_id}: {len(mine[1])} items, the thread has {messages_per_thread}")


def compare(base: str, thread_ids: list[str], messages_per_thread: int, runs: int, jobs: int) -> tuple[float, float]:
    """Median seconds of migrate and of the script, interleaved, results checked after each pair."""
    ours, theirs = [], []
    for _ in range(runs):
        ours_s, ours_map = run_migrate(base, thread_ids, jobs)
        script_s, script_map = run_script(base, thread_ids)
        check_identical(base, thread_ids, ours_map, script_map, messages_per_thread)
        ours.append(ours_s)
        theirs.append(script_s)
    return statistics.median(ours), statistics.median(theirs)


def goal_many_threads(base: str, thread_ids: list[str], per_thread: int, runs: int) -> Result:
    ours, script = compare(base, thread_ids, per_thread, runs, jobs=4)
    return Result(f"21a migrate {len(thread_ids)} threads × {per_thread} messages, --jobs 4, vs sequential SDK script",
                  script / ours, "≥ 3×", script / ours >= 3,
                  f"migrate {ours:.2f} s, script {script:.2f} s (process spawn to exit); results identical item for item")


def goal_long_thread(base: str, thread_id: str, count: int, runs: int) -> Result:
    ours, script = compare(base, [thread_id], count, runs, jobs=4)
    return Result(f"21b migrate one {count:,}-message thread vs sequential SDK script", script / ours, "≥ 1.2×",
                  script / ours >= 1.2,
                  f"migrate {ours:.2f} s, script {script:.2f} s (process spawn to exit); results identical item for item")
