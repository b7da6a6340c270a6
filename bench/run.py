"""threadscope benchmarks: every goal as a ratio against a baseline measured in the same run.

    python bench/run.py [--quick] [--only 3,20a,21b,...]

Starts `threadscope serve --api-key` on loopback, seeds what it needs through the storage
bulk path, runs each benchmark several times and prints one line per goal: ratio, goal, met
or missed. The machine is noisy: only ratios of medians within one run mean anything.
A full run (neither option) rewrites bench/RESULTS.md. Goals 3, 4, 5, 20c and 22b are in
bench/ui.py (goal 3's floor app in floor_app.py); 20a/20b in conversations.py, 21a/21b in
migration.py, 22a in grepping.py; the bare httpx fetch that 1b, 6a and 22a compare with in bare_fetch.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import httpx  # noqa: E402
from bare_fetch import fetch_in_fresh_process, fetch_with_bare_httpx  # noqa: E402
from common import KEY, ROOT, Result, machine, median_of, parse_only, rate_range, served  # noqa: E402
from conversations import goal_deep_items, goal_fetch_items  # noqa: E402
from grepping import goal_grep  # noqa: E402
from migration import goal_long_thread, goal_many_threads  # noqa: E402
from seed import item_id, seed_conversation, seed_thread  # noqa: E402

# -- goal 1: fetch a whole thread ----------------------------------------------------------------


def fetch_with_client(base: str, thread_id: str) -> float:
    from tui.api import DashScopeClient

    async def run() -> int:
        async with DashScopeClient(api_key=KEY, base_url=base) as client:
            return sum([1 async for _ in client.iter_messages(thread_id, order="asc", page_size=100)])

    started = time.perf_counter()
    count = asyncio.run(run())
    elapsed = time.perf_counter() - started
    assert count > 0
    return elapsed


def fetch_with_sdk(base: str, thread_id: str) -> float:
    import warnings

    import dashscope
    from dashscope import Messages

    warnings.simplefilter("ignore", DeprecationWarning)
    dashscope.base_http_api_url = base
    started = time.perf_counter()
    after, count = None, 0
    while True:
        page = Messages.list(thread_id, limit=100, order="asc", after=after, api_key=KEY)
        assert page.status_code == 200, page
        count += len(page.data)
        if not page.has_more:
            break
        after = page.last_id
    return time.perf_counter() - started


def goal_fetch(base: str, thread_id: str, runs: int) -> list[Result]:
    ours, _ = median_of(runs, lambda: fetch_with_client(base, thread_id))
    sdk, _ = median_of(runs, lambda: fetch_with_sdk(base, thread_id))
    bare, _ = median_of(runs, lambda: fetch_with_bare_httpx(base, thread_id))
    return [
        Result("1a fetch a thread: iter_messages vs official SDK", sdk / ours, "≥ 1.6×", sdk / ours >= 1.6,
               f"ours {ours:.3f} s, SDK {sdk:.3f} s"),
        Result("1b fetch a thread: iter_messages vs bare httpx loop", bare / ours, "≥ 0.9×", bare / ours >= 0.9,
               f"ours {ours:.3f} s, bare {bare:.3f} s"),
    ]


# -- goal 2: deep pages cost the same -----------------------------------------------------------


def list_latency(base: str, thread_id: str, cursor: str | None, samples: int) -> float:
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {KEY}"}) as http:
        params = {"limit": 100, "order": "asc"}
        if cursor:
            params["after"] = cursor
        http.get(f"/threads/{thread_id}/messages", params=params)  # warm
        times = []
        for _ in range(samples):
            started = time.perf_counter()
            r = http.get(f"/threads/{thread_id}/messages", params=params)
            times.append(time.perf_counter() - started)
            assert r.status_code == 200
        return statistics.median(times)


# -- goal 6: export ---------------------------------------------------------------------------


def export_run(base: str, thread_id: str, out: Path) -> tuple[float, int]:
    env = {**os.environ, "DASHSCOPE_HTTP_BASE_URL": base, "DASHSCOPE_API_KEY": KEY}
    script = (
        "import runpy, sys\n"
        "sys.argv = ['threadscope', 'export', sys.argv[1], '--format', 'jsonl', '-o', sys.argv[2]]\n"
        "try:\n    runpy.run_module('tui', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forking parent (this bench).
        "print(next(int(l.split()[1]) * 1024 for l in open('/proc/self/status') if l.startswith('VmHWM:')),"
        " file=sys.stderr)\n"
    )
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", script, thread_id, str(out)], env=env, cwd=ROOT,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-500:])
    peak = int(proc.stderr.strip().splitlines()[-1])
    return elapsed, peak


@dataclass
class Sizes:
    runs: int
    fetch: int  # goals 1, 20a
    big: int  # goals 2, 20b
    export_small: int  # goal 6b
    export_big: int  # goals 6, 22a
    latency_samples: int
    threads: int  # goal 21a: this many threads of `per_thread` messages
    per_thread: int
    long_thread: int  # goal 21b
    migrate_runs: int

    @classmethod
    def make(cls, quick: bool) -> Sizes:
        if quick:
            return cls(1, 2_000, 20_000, 2_000, 20_000, 30, 10, 60, 500, 1)
        return cls(5, 10_000, 1_000_000, 10_000, 100_000, 100, 100, 60, 2_500, 3)


def seed_message_goals(db: Path, size: Sizes, only: set[str]) -> dict[str, str]:
    threads: dict[str, str] = {}
    if only & {"1", "6"}:
        threads["fetch"], _ = seed_thread(db, size.fetch)
    if "2" in only:
        threads["small"], _ = seed_thread(db, 1_000)
        threads["big"], seconds = seed_thread(db, size.big)
        print(f"seeded {size.big:,} messages in {seconds:.1f} s ({size.big / seconds:,.0f}/s)", flush=True)
    if "6" in only:
        threads["export_small"], _ = seed_thread(db, size.export_small)
    if only & {"6", "22a"}:
        threads["export_big"], _ = seed_thread(db, size.export_big, needle_every=10_000)
    return threads


def message_goals(base: str, tmp: Path, threads: dict[str, str], size: Sizes, only: set[str]) -> list[Result]:
    results: list[Result] = []
    if "1" in only:
        results += goal_fetch(base, threads["fetch"], size.runs)
    if "2" in only:
        small, big = threads["small"], threads["big"]
        shallow = list_latency(base, small, f"message_{small[7:15]}-{500:010d}", size.latency_samples)
        deep = list_latency(base, big, f"message_{big[7:15]}-{size.big - 500:010d}", size.latency_samples)
        results.append(Result(f"2  list latency: page deep in {size.big:,} vs in 1,000", deep / shallow, "≤ 1.5×",
                              deep / shallow <= 1.5, f"deep {deep * 1000:.2f} ms, shallow {shallow * 1000:.2f} ms"))
    if "6" in only:
        results += goal_export(base, tmp, threads, size)
    if "22a" in only:
        expected = -(-size.export_big // 10_000)  # messages 0, 10,000, 20,000, …
        results += goal_grep(base, threads["export_big"], size.export_big, expected, fetch_in_fresh_process,
                             min(3, size.runs))
    return results


def goal_export(base: str, tmp: Path, threads: dict[str, str], size: Sizes) -> list[Result]:
    out_small, out_big = tmp / "small.jsonl", tmp / "big.jsonl"
    small_time, small_rss = export_run(base, threads["export_small"], out_small)
    # Like every goal, a median: one run of a 2-second process is at the mercy of the machine.
    # The baseline is goal 1's bare httpx fetch (its 10,000-message thread), run right after
    # each export (taken minutes earlier, in goal 1, it swung 57-75k msg/s between runs), in a
    # fresh process like the export's (in this one it swung 41k-65k msg/s).
    big_runs, bare_runs = [], []
    for _ in range(3):
        big_runs.append(export_run(base, threads["export_big"], out_big))
        bare_runs.append(fetch_in_fresh_process(base, threads["fetch"]))
    big_time = statistics.median(t for t, _ in big_runs)
    big_rss = max(rss for _, rss in big_runs)
    lines = sum(1 for _ in open(out_big))
    assert lines == size.export_big, lines
    rate_export = size.export_big / big_time
    rate_bare = size.fetch / statistics.median(bare_runs)
    return [
        Result(f"6a export jsonl {size.export_big:,} messages: rate vs bare httpx fetch", rate_export / rate_bare,
               "≥ 0.8×", rate_export / rate_bare >= 0.8,
               f"export {rate_export:,.0f} msg/s (incl. process start), bare fetch {rate_bare:,.0f} msg/s "
               f"({rate_range(size.export_big, [t for t, _ in big_runs])} and "
               f"{rate_range(size.fetch, bare_runs)} in {len(bare_runs)} runs)"),
        Result(f"6b export RSS: {size.export_big:,} vs {size.export_small:,} messages", big_rss / small_rss,
               "≤ 1.3× (flat)", big_rss / small_rss <= 1.3,
               f"peak RSS {big_rss / 2**20:.0f} MiB vs {small_rss / 2**20:.0f} MiB"),
    ]


def conversation_goals(db: Path, size: Sizes, only: set[str]) -> list[Result]:
    """20a and 20b, on their own database (a million items beside a million messages slows neither)."""
    conversations: dict[str, str] = {}
    if "20a" in only:
        conversations["fetch"], _ = seed_conversation(db, size.fetch)
    if "20b" in only:
        conversations["small"], _ = seed_conversation(db, 1_000)
        conversations["big"], seconds = seed_conversation(db, size.big)
        print(f"seeded {size.big:,} items in {seconds:.1f} s ({size.big / seconds:,.0f}/s)", flush=True)
    results: list[Result] = []
    with served(db) as base:
        if "20a" in only:
            results += goal_fetch_items(base, conversations["fetch"], size.fetch, size.runs)
        if "20b" in only:
            small, big = conversations["small"], conversations["big"]
            results.append(goal_deep_items(base, (small, item_id(small, 500)), (big, item_id(big, size.big - 500)),
                                           size.big, size.latency_samples))
    return results


def migration_goals(db: Path, size: Sizes, only: set[str]) -> list[Result]:
    results: list[Result] = []
    many = [seed_thread(db, size.per_thread)[0] for _ in range(size.threads)] if "21a" in only else []
    long_thread = seed_thread(db, size.long_thread)[0] if "21b" in only else None
    with served(db) as base:
        if many:
            results.append(goal_many_threads(base, many, size.per_thread, size.migrate_runs))
        if long_thread:
            results.append(goal_long_thread(base, long_thread, size.long_thread, size.migrate_runs))
    return results


def ui_goals(quick: bool, only: set[str]) -> list[Result]:
    wanted = only & {"3", "4", "5", "20c", "22b"}
    if not wanted:
        return []
    argv = [sys.executable, str(HERE / "ui.py"), "--only", ",".join(sorted(wanted)), *(["--quick"] if quick else [])]
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"UI benchmarks failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
    return [Result(**json.loads(line)) for line in proc.stdout.splitlines() if line.startswith("{")]


def run_all(quick: bool, only: set[str]) -> list[Result]:
    import compileall

    import tui

    # Goals 6, 21 and 22a time processes that start threadscope. An installed one starts from
    # byte-code (pip compiles it); a checkout run with PYTHONDONTWRITEBYTECODE=1 would compile
    # every module changed since the last compile on each start (bench/ui.py does the same for 3).
    compileall.compile_dir(Path(tui.__file__).parent, quiet=1)
    size = Sizes.make(quick)
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if only & {"1", "2", "6", "22a"}:
            db = tmp / "messages.sqlite3"
            threads = seed_message_goals(db, size, only)
            with served(db) as base:
                results += message_goals(base, tmp, threads, size, only)
        if only & {"20a", "20b"}:
            results += conversation_goals(tmp / "conversations.sqlite3", size, only)
        if only & {"21a", "21b"}:
            results += migration_goals(tmp / "migration.sqlite3", size, only)
    return results + ui_goals(quick, only)


def write_results(results: list[Result], started: float) -> Path:
    report = HERE / "RESULTS.md"
    with open(report, "w") as f:
        f.write(f"# Benchmark results\n\n`python bench/run.py` on {time.strftime('%Y-%m-%d')}, {machine()}; "
                f"the whole run took {(time.monotonic() - started) / 60:.1f} min.\n\n")
        f.write("| goal | ratio | target | met | detail |\n|---|---|---|---|---|\n")
        for r in results:
            met = {True: "yes", False: "**no**", None: "—"}[r.met]
            f.write(f"| {r.goal} | {r.shown_ratio} | {r.target} | {met} | {r.detail} |\n")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller data and one run each (a smoke check)")
    parser.add_argument("--only", metavar="GOALS", help="comma-separated goals, e.g. 3,20a,21b (default: all)")
    args = parser.parse_args()
    only = parse_only(args.only)
    started = time.monotonic()
    results = run_all(args.quick, only)
    print()
    print(f"machine: {machine()}{'  (quick run)' if args.quick else ''}; "
          f"took {(time.monotonic() - started) / 60:.1f} min")
    for result in results:
        print(result.line())
    if not args.quick and not args.only:
        print(f"\nwrote {write_results(results, started)}")


if __name__ == "__main__":
    main()
