"""UI benchmarks (goals 3, 4, 5, 20c, 22b), run by bench/run.py; prints one JSON Result per line.

    python bench/ui.py [--quick] [--only 3,4,5]

3. cold start: `python -m tui open THREAD --base-url http://127.0.0.1:PORT/api/v1` against
   `threadscope serve --api-key` in another process, vs a bare Textual app painting one
   line — both fresh processes on a pseudo-terminal, from spawn to the first output that
   draws the list (the bare app: its line), medians of interleaved runs. The same for the
   embedded demo (`python -m tui open ORDER_BOT`, no key), reported without a goal, and a floor:
   bench/floor_app.py, the bare app plus the libraries threadscope is built on, fetching the
   thread's first page (what is left under 1.8× for threadscope's own code);
4. key press to the next page painted (page size 50) and to the highlight moved, p95 in a
   pilot on a 2,500-message thread served by `threadscope serve`, as a ratio of the budget
   (50 ms, 16 ms): the first paint that shows the new page in the list, or the highlight on
   its new row. The detail pane follows a frame later (its Markdown a few frames later
   still); when all of it was painted is reported too. Without a goal: 4a on serve again,
   in a fresh process like the goal's, without the TUI's one garbage-collector policy
   (tui/gc_policy.py), to show what it is worth on the production path;
5. RSS after paging through a long thread vs after its first page (the TUI process only:
   the emulator runs as `threadscope serve` in another process);
20c. 4a on a 2,500-item conversation on serve;
22b. `o`, a message id deep in a 100,000-message thread, then `enter` → the page around it
   painted with it highlighted, p95 of 40 jumps. 20c and 22b say "not measurable yet" on a
   build without conversations in the TUI or without `Session.jump_to`.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import gc
import json
import os
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from common import KEY, ROOT, Result, not_measurable, p95, parse_only, rss_bytes, served  # noqa: E402
from seed import seed_conversation, seed_thread  # noqa: E402

MARKER = "benchmark message"  # in every row of a seeded thread, and the bare app's one line
DEMO_MARKER = "Thanks!"  # a row of the demo's order-bot thread

BARE = f"""
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static({MARKER!r})

Bare().run()
"""


IMPORTS = """
import os, time
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
import tui.cli, tui.app, tui.backend
print(time.monotonic())
"""


def first_paint(argv: list[str], marker: str, env: dict[str, str], *, size: tuple[int, int] = (120, 40),
                timeout: float = 60.0) -> float:
    """Seconds from spawning `argv` on a fresh pseudo-terminal to the first output holding `marker`.

    That is when a user sees it: the bytes that draw it reached the terminal. The process is
    killed then; tearing it down is not what a user waits for.
    """
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    wanted = marker.encode()
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, start_new_session=True)
    os.close(slave)
    seen = b""
    try:
        while (left := started + timeout - time.monotonic()) > 0:
            if not select.select([master], [], [], left)[0]:
                continue
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # EIO: the process closed the terminal
                chunk = b""
            if not chunk:
                break
            seen += chunk
            if wanted in seen[-(len(chunk) + len(wanted)):]:
                return time.monotonic() - started
        raise RuntimeError(f"{argv[1:4]} never painted {marker!r}: {seen[-600:].decode(errors='replace')}")
    finally:
        proc.kill()
        proc.wait()
        os.close(master)


def imports_only(env: dict[str, str]) -> float:
    """Not a goal, a floor: seconds from spawning a process to its having imported what `open` needs.

    (CLOCK_MONOTONIC is system-wide on Linux: the child's reading compares with ours.)"""
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", IMPORTS], env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return float(proc.stdout.split()[-1]) - started


def terminal_env(tmp: str) -> dict[str, str]:
    """A user's environment on a fresh machine: no key, no base URL, a terminal, empty config and data."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("DASHSCOPE_", "TEXTUAL", "THREADSCOPE_"))}
    return {**env, "TERM": "xterm-256color", "THREADSCOPE_DATA_DIR": f"{tmp}/data",
            "THREADSCOPE_CONFIG_DIR": f"{tmp}/config"}


def goal_cold_start(runs: int) -> list[Result]:
    import compileall

    import tui
    from tui.emulator.demo import ORDER_BOT

    # An installed threadscope starts from byte-code (pip compiles it); a checkout run with
    # PYTHONDONTWRITEBYTECODE=1 would compile every module on every start (~30 ms here).
    compileall.compile_dir(Path(tui.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        thread_id, _ = seed_thread(Path(tmp) / "serve.sqlite3", 1_000)
        demo_env = terminal_env(tmp)
        served_env = {**demo_env, "DASHSCOPE_API_KEY": KEY}
        bare_argv = [sys.executable, "-c", BARE]
        with served(Path(tmp) / "serve.sqlite3") as base:
            ours_argv = [sys.executable, "-m", "tui", "open", thread_id, "--base-url", base]
            demo_argv = [sys.executable, "-m", "tui", "open", ORDER_BOT]
            floor_argv = [sys.executable, str(HERE / "floor_app.py"), thread_id, "--base-url", base]
            # Once each first: the demo's database is seeded, caches are warm; none of it counts.
            first_paint(demo_argv, DEMO_MARKER, demo_env)
            first_paint(ours_argv, MARKER, served_env)
            first_paint(bare_argv, MARKER, demo_env)
            first_paint(floor_argv, MARKER, served_env)
            ours, bare, demo, imports, floor = [], [], [], [], []
            for _ in range(runs):  # interleaved, so drift in machine load hits all alike
                bare.append(first_paint(bare_argv, MARKER, demo_env))
                ours.append(first_paint(ours_argv, MARKER, served_env))
                demo.append(first_paint(demo_argv, DEMO_MARKER, demo_env))
                imports.append(imports_only(demo_env))
                floor.append(first_paint(floor_argv, MARKER, served_env))
    ours_ms, bare_ms, demo_ms, imports_ms, floor_ms = (statistics.median(x) * 1000
                                                       for x in (ours, bare, demo, imports, floor))
    ratio = ours_ms / bare_ms
    return [
        Result("3  cold start to first painted list, `open --base-url` on serve, vs bare Textual app", ratio,
               "≤ 1.8×", ratio <= 1.8,
               f"threadscope {ours_ms:.0f} ms, bare {bare_ms:.0f} ms (spawn to first paint on a terminal, "
               f"median of {runs}); a process only importing tui.cli, tui.app and tui.backend: {imports_ms:.0f} ms "
               f"({imports_ms / bare_ms:.2f}× bare)"),
        Result("3  (no goal) the same on the embedded demo, no key", demo_ms / bare_ms, "none", None,
               f"embedded demo {demo_ms:.0f} ms, bare {bare_ms:.0f} ms"),
        Result("3  (no goal) floor: the bare app plus the libraries threadscope is built on, one page fetched",
               floor_ms / bare_ms, "none", None,
               f"floor {floor_ms:.0f} ms, bare {bare_ms:.0f} ms (bench/floor_app.py: click, pydantic, "
               f"pydantic_settings, platformdirs, httpx.AsyncClient fetching the first page); left for threadscope's "
               f"own code under 1.8×: 1.8 × {bare_ms:.0f} − {floor_ms:.0f} = {1.8 * bare_ms - floor_ms:.0f} ms"),
    ]


def make_harness(base_url: str | None, page_size: int, open_thread: str, *, freeze_start_up_heap: bool = True):
    """The app as `threadscope open THREAD --base-url BASE` builds it (no base: the embedded demo), in a pilot.

    `freeze_start_up_heap=False`: the same app without tui/gc_policy.py's freeze, for the row that shows its effect.
    """
    from tui.app import ThreadscopeApp
    from tui.backend import build_client
    from tui.config import resolve_settings

    settings = resolve_settings(base_url=base_url, api_key=KEY) if base_url else resolve_settings()
    settings.page_size = page_size
    app_class = ThreadscopeApp
    if not freeze_start_up_heap:
        app_class = type("UnfrozenThreadscopeApp", (ThreadscopeApp,), {"FREEZE_START_UP_HEAP": False})
    return app_class(settings, build_client(settings), open_thread=open_thread)


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


class PaintProbe:
    """Time from a key press to the end of the first screen paint that shows its effect.

    A pilot's press() also waits for Textual to go idle, which costs ~100 ms even in a bare
    app, so its duration says nothing about us. Instead: t0 just before the key is sent,
    t1 when the compositor finishes the first refresh after which `shown()` holds (the new
    page is in the list, or the list's highlight has moved). That is what a user waits for.
    `settled` times the last paint before the app went idle again: everything the key
    changed (the detail pane's Markdown, the status line) is on screen by then.
    """

    def __init__(self) -> None:
        self.started: float | None = None
        self.shown = None
        self.samples: list[float] = []
        self.settled: list[float] = []
        self.last_paint = 0.0

    def install(self) -> None:
        from textual.screen import Screen

        probe = self
        original = Screen._compositor_refresh

        def refresh_and_time(screen) -> None:
            original(screen)
            probe.last_paint = time.perf_counter()
            if probe.started is not None and probe.shown is not None and probe.shown():
                probe.samples.append(probe.last_paint - probe.started)
                probe.shown = None

        Screen._compositor_refresh = refresh_and_time

    def start(self, shown) -> None:
        self.started, self.shown = time.perf_counter(), shown

    def finish(self) -> None:
        """Call once the app is idle again."""
        if self.started is not None:
            self.settled.append(self.last_paint - self.started)
        self.started = self.shown = None


async def key_latencies(base_url: str | None, thread_id: str, pages: int, *, moves: int = 5,
                        freeze_start_up_heap: bool = True) -> tuple[PaintProbe, PaintProbe]:
    """`n` (then `p`, walking there and back) `pages` times, each followed by `moves` presses of `j`."""
    from tui.widgets.message_list import MessageList

    app = make_harness(base_url, 50, thread_id, freeze_start_up_heap=freeze_start_up_heap)
    page_probe, move_probe = PaintProbe(), PaintProbe()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        store = app.screen.store
        message_list = app.screen.query_one(MessageList)
        page_probe.install()
        move_probe.install()
        for index in range(pages):
            key = "n" if (index // 45) % 2 == 0 else "p"  # 2,500 / 50 = 50 pages: walk there and back
            page = store.page
            page_probe.start(lambda page=page: store.page is not page and message_list.highlighted is not None)
            await pilot.press(key)
            await settle(app, pilot)
            page_probe.finish()
            for _ in range(moves):
                row = message_list.highlighted
                move_probe.start(lambda row=row: message_list.highlighted != row)
                await pilot.press("j")
                await settle(app, pilot)
                move_probe.finish()
    return page_probe, move_probe


async def jump_latencies(base_url: str, thread_id: str, targets: list[str]) -> PaintProbe:
    """`o`, a message id in the prompt, then the time from `enter` to the page around it painted."""
    from textual.widgets import Input

    app = make_harness(base_url, 50, thread_id)
    probe = PaintProbe()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        browser = app.screen
        store = browser.store
        probe.install()
        for target in targets:
            await pilot.press("o")
            await settle(app, pilot)
            app.screen.query_one(Input).value = target
            probe.start(lambda target=target: app.screen is browser and store.selected_id == target
                        and any(entry.id == target for entry in store.page))
            await pilot.press("enter")
            await settle(app, pilot)
            probe.finish()
            if store.selected_id != target:
                raise RuntimeError(f"the jump to {target} landed on {store.selected_id}")
    return probe


async def memory_walk(base_url: str, thread_id: str, total: int) -> tuple[int, int, int]:
    app = make_harness(base_url, 100, thread_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        gc.collect()
        first = rss_bytes()
        pages = total // 100
        for _ in range(pages - 1):
            await pilot.press("n")
            await settle(app, pilot)
        gc.collect()
        last = rss_bytes()
    return first, last, pages


def key_results(probes: tuple[PaintProbe, PaintProbe], where: str, *, with_goal: bool) -> list[Result]:
    results = []
    for goal, what, probe, budget in (("4a", "next page painted (page 50)", probes[0], 0.050),
                                      ("4b", "highlight moved", probes[1], 0.016)):
        times = probe.samples
        worst = p95(times)
        results.append(Result(
            f"{goal} {'' if with_goal else '(no goal) '}key press → {what} {where}, p95 vs {budget * 1000:.0f} ms budget",
            worst / budget, f"≤ 1.0× (p95 ≤ {budget * 1000:.0f} ms)" if with_goal else "none",
            worst <= budget if with_goal else None,
            f"p95 {worst * 1000:.1f} ms, median {statistics.median(times) * 1000:.1f} ms, {len(times)} presses; "
            f"everything the key changed (detail pane too) painted by p95 {p95(probe.settled) * 1000:.0f} ms"))
    return results


def goal_keys(tmp: str, quick: bool) -> list[Result]:
    """On a 2,500-message thread on serve (the goal), then on the embedded demo's (beside it)."""
    from tui.emulator.demo import AGENT_LOOP

    db = Path(tmp) / "keys.sqlite3"
    thread_id, _ = seed_thread(db, 2_500)
    with served(db) as base:
        on_serve = asyncio.run(key_latencies(base, thread_id, 60 if quick else 180))
    on_demo = asyncio.run(key_latencies(None, AGENT_LOOP, 30 if quick else 45))
    return (key_results(on_serve, "on serve", with_goal=True)
            + key_results(on_demo, "on the embedded demo", with_goal=False))


def keys_without_freeze(tmp: str, quick: bool) -> Result:
    """4a on serve as in goal_keys, but the app without the start-up freeze: the evidence for tui/gc_policy.py."""
    db = Path(tmp) / "keys-unfrozen.sqlite3"
    thread_id, _ = seed_thread(db, 2_500)
    with served(db) as base:
        probes = asyncio.run(key_latencies(base, thread_id, 60 if quick else 180, freeze_start_up_heap=False))
    return key_results(probes, "on serve without the start-up GC freeze (tui/gc_policy.py)", with_goal=False)[0]


def in_fresh_process(quick: bool) -> Result:
    """keys_without_freeze in a process of its own: the policy acts once per process, this one's has acted."""
    argv = [sys.executable, __file__, "--without-gc-freeze", *(["--quick"] if quick else [])]
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"4a without the start-up freeze failed:\n{proc.stderr[-2000:]}")
    return Result(**json.loads(proc.stdout.splitlines()[-1]))


def goal_memory(tmp: str, quick: bool) -> Result:
    total = 20_000 if quick else 100_000
    db = Path(tmp) / "walk.sqlite3"
    thread_id, _ = seed_thread(db, total)
    with served(db) as base:
        first, last, pages = asyncio.run(memory_walk(base, thread_id, total))
    return Result(f"5  RSS after paging {total:,} messages vs after the first page", last / first, "≤ 1.3×",
                  last / first <= 1.3, f"{last / 2**20:.0f} MiB vs {first / 2**20:.0f} MiB over {pages} pages")


def goal_conversation_keys(tmp: str, quick: bool) -> Result:
    """20c: 4a on a 2,500-item conversation on serve."""
    from tui.session import source

    budget = 0.050
    target = f"≤ 1.0× (p95 ≤ {budget * 1000:.0f} ms)"
    goal = f"20c key press → next page painted (page 50) on a conversation on serve, p95 vs {budget * 1000:.0f} ms"
    if not hasattr(source, "ConversationSource"):
        return not_measurable(goal, target, "the TUI cannot open a conversation on this build")
    db = Path(tmp) / "conversation-keys.sqlite3"
    conversation_id, _ = seed_conversation(db, 2_500)
    with served(db) as base:
        page_probe, _ = asyncio.run(key_latencies(base, conversation_id, 30 if quick else 120, moves=0))
    times = page_probe.samples
    worst = p95(times)
    return Result(goal, worst / budget, target, worst <= budget,
                  f"p95 {worst * 1000:.1f} ms, median {statistics.median(times) * 1000:.1f} ms, {len(times)} presses; "
                  f"everything the key changed painted by p95 {p95(page_probe.settled) * 1000:.0f} ms")


def goal_jump(tmp: str, quick: bool) -> Result:
    """22b: `o` + a message id deep in a 100,000-message thread on serve, enter → the page around it painted."""
    import random

    from tui.session import Session

    total, budget = (20_000 if quick else 100_000), 0.100
    goal = f"22b jump to a message deep in a {total:,}-message thread (o, id, enter → page painted), p95 vs 100 ms"
    target = "≤ 1.0× (p95 ≤ 100 ms)"
    if not hasattr(Session, "jump_to"):
        return not_measurable(goal, target, "the TUI has no jump to a message on this build (no Session.jump_to)")
    db = Path(tmp) / "jump.sqlite3"
    thread_id, _ = seed_thread(db, total)
    positions = random.Random(22).sample(range(total // 2, total), 10 if quick else 40)
    targets = [f"message_{thread_id[7:15]}-{i:010d}" for i in positions]
    with served(db) as base:
        probe = asyncio.run(jump_latencies(base, thread_id, targets))
    times = probe.samples
    worst = p95(times)
    return Result(goal, worst / budget, target, worst <= budget,
                  f"p95 {worst * 1000:.1f} ms, median {statistics.median(times) * 1000:.1f} ms, {len(times)} jumps "
                  f"to messages {total // 2:,}–{total:,}; everything painted by p95 {p95(probe.settled) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", metavar="GOALS")
    parser.add_argument("--without-gc-freeze", action="store_true", help="only the row 4a without tui/gc_policy.py")
    args = parser.parse_args()
    quick, only = args.quick, (set() if args.without_gc_freeze else parse_only(args.only))
    results: list[Result] = []
    if "3" in only:
        # 21 interleaved runs, not 7: on this noisy VM two back-to-back medians of 21 gave 1.52× and 1.67×.
        results += goal_cold_start(3 if quick else 21)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["THREADSCOPE_DATA_DIR"] = f"{tmp}/data"
        os.environ["THREADSCOPE_CONFIG_DIR"] = f"{tmp}/config"
        os.environ["TEXTUAL_ANIMATIONS"] = "none"
        os.environ.pop("DASHSCOPE_API_KEY", None)
        if args.without_gc_freeze:
            results.append(keys_without_freeze(tmp, quick))
        if "4" in only:
            results += goal_keys(tmp, quick)
            results.insert(len(results) - 2, in_fresh_process(quick))  # after the rows on serve, before the demo's
        if "5" in only:
            results.append(goal_memory(tmp, quick))
        if "20c" in only:
            results.append(goal_conversation_keys(tmp, quick))
        if "22b" in only:
            results.append(goal_jump(tmp, quick))
    for result in results:
        print(json.dumps(asdict(result), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
