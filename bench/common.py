"""Shared pieces of the benchmarks: a real `threadscope serve` on loopback, timing, RSS, reporting."""

from __future__ import annotations

import functools
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
KEY = "sk-bench-dummy"  # `serve --api-key` accepts only this; every client here sends it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(db_path: Path):
    """`threadscope serve --api-key KEY` on a free loopback port over `db_path`; yields the base URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "serve", "--db", str(db_path), "--port", str(port), "--api-key", KEY],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{base}/threads/ping", headers={"Authorization": f"Bearer {KEY}"}, timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    raise RuntimeError(f"serve exited: {proc.stderr.read().decode()[-500:]}") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def median_of(runs: int, fn: Callable[[], float]) -> tuple[float, list[float]]:
    """Run `fn` (which returns seconds) `runs` times; the median and all samples."""
    samples = [fn() for _ in range(runs)]
    return statistics.median(samples), samples


def rate_range(count: int, seconds: list[float]) -> str:
    """The slowest and fastest of the runs' rates, e.g. "41k–65k msg/s": how far a median can be trusted."""
    return f"{count / max(seconds) / 1000:,.0f}k–{count / min(seconds) / 1000:,.0f}k msg/s"


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def rss_bytes(pid: int | None = None) -> int:
    """Resident set size from /proc (Linux)."""
    with open(f"/proc/{pid or os.getpid()}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


@dataclass
class Result:
    goal: str
    ratio: float | None  # None: not measurable (yet), or a figure reported without a goal
    target: str
    met: bool | None
    detail: str

    @property
    def verdict(self) -> str:
        return {True: "MET", False: "MISSED", None: "—"}[self.met]

    @property
    def shown_ratio(self) -> str:
        return "—" if self.ratio is None else f"{self.ratio:.2f}×"

    def line(self) -> str:
        return f"{self.verdict:<6}  {self.goal}: {self.shown_ratio} (goal {self.target})  — {self.detail}"


def not_measurable(goal: str, target: str, why: str) -> Result:
    return Result(goal, None, target, None, f"not measurable yet: {why}")


GROUPS = ("1", "2", "3", "4", "5", "6", "20a", "20b", "20c", "21a", "21b", "22a", "22b")


def parse_only(text: str | None) -> set[str]:
    """`--only 3,20a,1b` → the goal groups to run ({"3", "20a", "1"}); every group without it."""
    if not text:
        return set(GROUPS)
    chosen = set()
    for token in (t.strip().lower() for t in text.split(",") if t.strip()):
        group = token if token in GROUPS else token.rstrip("ab")
        if group not in GROUPS:
            raise SystemExit(f"--only: no goal {token!r} (goals: {', '.join(GROUPS)})")
        chosen.add(group)
    return chosen


@functools.cache
def cpu_loop_seconds() -> float:
    """Seconds for a fixed pure-Python loop, best of 5: how fast this machine is today.

    Ratio goals compare runs made side by side and need no such yardstick; the absolute
    budgets of goal 4 do, as this VM's speed changes from day to day (goal 1's fetch took
    0.14 s one day and 0.39 s another, for the same code and data).
    """
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i * i
        best = min(best, time.perf_counter() - started)
    return best


def machine() -> str:
    return (f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"a fixed pure-Python loop in {cpu_loop_seconds() * 1000:.0f} ms")
