"""UI benchmarks (goals 3–5), run by bench/run.py; prints one JSON Result per line.

    python bench/ui.py [--quick]

3. cold start to the first painted message list (embedded demo) vs a bare Textual app
   painting one static line — both as fresh processes, headless, from spawn to the end of
   the first paint that shows it (process teardown excluded), medians;
4. key press to the next page painted (page size 50) and to the highlight moved, p95 in a
   pilot, as a ratio of the budget (50 ms, 16 ms): the first paint that shows the new page
   in the list, or the highlight on its new row. The detail pane follows a frame later
   (its Markdown a few frames later still); when all of it was painted is reported too;
5. RSS after paging through a long thread vs after its first page (the TUI process only:
   the emulator runs as `threadscope serve` in another process).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from common import Result, p95, rss_bytes, served  # noqa: E402
from seed import seed_thread  # noqa: E402

# Both programs print the moment their first paint is done, on CLOCK_MONOTONIC (system-wide
# on Linux, so comparable with the parent's clock), and leave the same way: call_after_refresh
# from the change that is to be painted. Interpreter start and imports count; tearing the
# process down afterwards does not (it is not what a user waits for, and it varies by heap size).
BARE = """
import time
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static("hello")

    def on_mount(self):
        self.call_after_refresh(self.painted)

    def painted(self):
        print(time.monotonic(), flush=True)
        self.exit()

Bare().run(headless=True)
"""

# threadscope as its command runs it (tui.__main__.run, then the click command line),
# `open THREAD` on the embedded demo, headless through TEXTUAL_DRIVER.
OURS = """
import os
import sys
import time

os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")  # as tui.__main__.run does
from tui.cli import main
from tui.screens.browser import BrowserScreen
from tui.store import Change

show = BrowserScreen._on_store_change

def painted(screen):
    print(time.monotonic(), " ".join(sorted(name for name in sys.modules if not name.startswith("__"))), flush=True)
    screen.app.exit()

def show_then_report(screen, what):
    # Asked for first: it runs right after the frame that paints the list, before the
    # detail pane's render that the browser queues for after that same frame.
    if what is Change.PAGE and screen.store.page:
        screen.call_after_refresh(painted, screen)
    show(screen, what)

BrowserScreen._on_store_change = show_then_report
main(["open", sys.argv[1]])
"""


# Not a goal, a floor: the same process importing only the modules threadscope had loaded
# by its first paint, then stopping.
IMPORTS_ONLY = """
import importlib
import sys
import time

import tui
for name in open(sys.argv[1]).read().split():
    try:
        importlib.import_module(name)
    except Exception:
        pass
print(time.monotonic(), flush=True)
"""


def timed_process(code: str, *args: str, env: dict[str, str]) -> tuple[float, list[str]]:
    """Seconds from spawning `python -c code` to the first-paint time it prints, and what follows it."""
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise RuntimeError(proc.stderr[-1500:] or "no first paint reported")
    painted, *rest = proc.stdout.split()
    return float(painted) - started, rest


def goal_cold_start(runs: int) -> Result:
    import compileall

    import tui
    from tui.emulator.demo import ORDER_BOT

    # An installed threadscope starts from byte-code (pip compiles it); a checkout run with
    # PYTHONDONTWRITEBYTECODE=1 would compile every module on every start (~30 ms here).
    compileall.compile_dir(Path(tui.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "THREADSCOPE_DATA_DIR": f"{tmp}/data", "THREADSCOPE_CONFIG_DIR": f"{tmp}/config",
               "TEXTUAL_ANIMATIONS": "none", "TEXTUAL_DRIVER": "textual.drivers.headless_driver:HeadlessDriver"}
        for name in ("DASHSCOPE_API_KEY", "DASHSCOPE_HTTP_BASE_URL"):
            env.pop(name, None)
        _, modules = timed_process(OURS, ORDER_BOT, env=env)  # seeds the demo database: not a cold start
        module_list = Path(tmp) / "modules.txt"
        module_list.write_text("\n".join(modules))
        timed_process(BARE, env=env)
        ours, bare, imports = [], [], []
        for _ in range(runs):  # interleaved, so drift in machine load hits all alike
            bare.append(timed_process(BARE, env=env)[0])
            ours.append(timed_process(OURS, ORDER_BOT, env=env)[0])
            imports.append(timed_process(IMPORTS_ONLY, str(module_list), env=env)[0])
    ours_ms, bare_ms, imports_ms = (statistics.median(x) * 1000 for x in (ours, bare, imports))
    ratio = ours_ms / bare_ms
    return Result("3  cold start to first painted list vs bare Textual app", ratio, "≤ 1.6×", ratio <= 1.6,
                  f"threadscope {ours_ms:.0f} ms, bare {bare_ms:.0f} ms (process spawn to first paint); "
                  f"importing the {len(modules)} modules loaded by then, alone: {imports_ms:.0f} ms "
                  f"({imports_ms / bare_ms:.2f}× bare)")


def make_harness(base_url: str | None, page_size: int, open_thread: str):
    from tui.api.client import DashScopeClient
    from tui.app import ThreadscopeApp
    from tui.backend import build_client
    from tui.config import resolve_settings

    settings = resolve_settings()
    settings.page_size = page_size
    client = build_client(settings) if base_url is None else DashScopeClient(api_key="bench", base_url=base_url)
    return ThreadscopeApp(settings, client, open_thread=open_thread)


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


async def key_latencies(pages: int) -> tuple[PaintProbe, PaintProbe]:
    from tui.emulator.demo import AGENT_LOOP
    from tui.widgets.message_list import MessageList

    app = make_harness(None, 50, AGENT_LOOP)
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
            for _ in range(5):
                row = message_list.highlighted
                move_probe.start(lambda row=row: message_list.highlighted != row)
                await pilot.press("j")
                await settle(app, pilot)
                move_probe.finish()
    return page_probe, move_probe


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    quick = parser.parse_args().quick
    # 21 interleaved runs, not 7: on this noisy VM two back-to-back medians of 21 gave 1.52× and 1.67×.
    results = [goal_cold_start(3 if quick else 21)]

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["THREADSCOPE_DATA_DIR"] = f"{tmp}/data"
        os.environ["THREADSCOPE_CONFIG_DIR"] = f"{tmp}/config"
        os.environ["TEXTUAL_ANIMATIONS"] = "none"
        os.environ.pop("DASHSCOPE_API_KEY", None)
        page_probe, move_probe = asyncio.run(key_latencies(60 if quick else 180))
        for goal, what, probe, budget in (("4a", "next page painted (page 50)", page_probe, 0.050),
                                          ("4b", "highlight moved", move_probe, 0.016)):
            times = probe.samples
            worst = p95(times)
            results.append(Result(
                f"{goal} key press → {what}, p95 vs {budget * 1000:.0f} ms budget", worst / budget,
                f"≤ 1.0× (p95 ≤ {budget * 1000:.0f} ms)", worst <= budget,
                f"p95 {worst * 1000:.1f} ms, median {statistics.median(times) * 1000:.1f} ms, {len(times)} presses; "
                f"everything the key changed (detail pane too) painted by p95 {p95(probe.settled) * 1000:.0f} ms"))

        total = 20_000 if quick else 100_000
        db = Path(tmp) / "walk.sqlite3"
        thread_id, _ = seed_thread(db, total)
        with served(db) as base:
            first, last, pages = asyncio.run(memory_walk(base, thread_id, total))
        results.append(Result(f"5  RSS after paging {total:,} messages vs after the first page", last / first,
                              "≤ 1.3×", last / first <= 1.3,
                              f"{last / 2**20:.0f} MiB vs {first / 2**20:.0f} MiB over {pages} pages"))
    for result in results:
        print(json.dumps(asdict(result), ensure_ascii=False))


if __name__ == "__main__":
    main()
