"""Goal 22a: `threadscope grep` over a long thread on serve: its rate vs a bare httpx fetch, and its memory."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

from common import KEY, ROOT, Result, rate_range
from seed import NEEDLE

# `threadscope grep` as its command runs it, reporting its resident set size when it prints its
# first match (the thread's first message: the first page is in, the command is under way), at
# the end, and at its peak.
GREP = """
import io, json, runpy, sys

def status(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(field))

def rss():
    return status("VmRSS:")

class FirstWrite(io.TextIOWrapper):
    first = None

    def write(self, text):
        if FirstWrite.first is None:
            FirstWrite.first = rss()
        return super().write(text)

sys.stdout = FirstWrite(sys.stdout.detach(), encoding="utf-8", line_buffering=False)
sys.argv = ["threadscope", *sys.argv[1:]]
code = 0
try:
    runpy.run_module("tui", run_name="__main__")
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forking parent (the bench, ~90 MiB).
peak = status("VmHWM:")
print(json.dumps({"before": FirstWrite.first, "after": rss(), "peak": peak, "code": code}), file=sys.stderr)
"""


def run_grep(base: str, thread_id: str) -> tuple[float, int, dict]:
    """Seconds from spawn to exit, the matches printed, and the memory report."""
    env = {**os.environ, "DASHSCOPE_API_KEY": KEY}
    argv = [sys.executable, "-c", GREP, "grep", thread_id, NEEDLE, "--json", "--base-url", base]
    started = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    report = json.loads(proc.stderr.strip().splitlines()[-1]) if proc.stderr.strip() else {}
    if proc.returncode != 0 or report.get("code") not in (0, None):
        raise RuntimeError(f"grep exited {proc.returncode}: {proc.stderr[-1500:]}")
    matches = sum(1 for line in proc.stdout.splitlines() if line.startswith("{"))
    return elapsed, matches, report


def goal_grep(base: str, thread_id: str, total: int, expected: int, bare_fetch, runs: int) -> list[Result]:
    """`bare_fetch(base, thread_id)` → seconds: goal 1's bare httpx loop, run after each grep in a fresh process."""
    grep_times, bare_times, reports = [], [], []
    for _ in range(runs):
        seconds, matches, report = run_grep(base, thread_id)
        if matches != expected:
            raise RuntimeError(f"grep found {matches} matches, the thread has {expected}")
        grep_times.append(seconds)
        reports.append(report)
        bare_times.append(bare_fetch(base, thread_id))
    grep_rate = total / statistics.median(grep_times)
    bare_rate = total / statistics.median(bare_times)
    before = statistics.median(r["before"] for r in reports)
    peak = max(r["peak"] for r in reports)
    after = statistics.median(r["after"] for r in reports)
    return [
        Result(f"22a grep {total:,} messages on serve: rate vs bare httpx fetch", grep_rate / bare_rate, "≥ 0.8×",
               grep_rate / bare_rate >= 0.8,
               f"grep {grep_rate:,.0f} msg/s (incl. process start, {expected} matches), bare fetch {bare_rate:,.0f} msg/s "
               f"({rate_range(total, grep_times)} and {rate_range(total, bare_times)} in {runs} runs)"),
        Result("22a grep RSS: after vs before", peak / before, "≤ 1.3×", peak / before <= 1.3,
               f"peak {peak / 2**20:.0f} MiB (at exit {after / 2**20:.0f} MiB) vs {before / 2**20:.0f} MiB "
               "at the first match (message 1, after the first page)"),
    ]
