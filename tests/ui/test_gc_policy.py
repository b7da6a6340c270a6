"""tui/gc_policy.py: the TUI freezes its start-up heap once per process, after its first paint;
library users and the other commands get no garbage-collector policy at all."""

import subprocess
import sys

# In a fresh process: the export command on the embedded demo, then two apps opened on a thread
# (their server a mock answering one empty page), each run headless until idle. Prints the size
# of the collector's permanent generation after each step.
EXPORT_THEN_TWO_APPS = """
import asyncio, gc, sys
import httpx
import tui.api
from tui.cli import main as cli
from tui.emulator.demo import ORDER_BOT

print("imported:", gc.get_freeze_count())
cli(["export", ORDER_BOT, "-o", sys.argv[1]], standalone_mode=False)
print("export:", gc.get_freeze_count())

from tui.api import DashScopeClient
from tui.app import ThreadscopeApp
from tui.config import resolve_settings

def answer(request):
    return httpx.Response(200, json={"object": "list", "data": [], "has_more": False})

async def run_app():
    settings = resolve_settings(base_url="http://127.0.0.1:9/api/v1", api_key="k")
    client = DashScopeClient(api_key="k", base_url=settings.base_url, transport=httpx.MockTransport(answer))
    app = ThreadscopeApp(settings, client, open_thread="thread_0123456789")
    async with app.run_test() as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        garbage = [[object()] for _ in range(5_000)]  # made after the first paint: never frozen
        print("painted:", type(app.screen).__name__)
    await client.aclose()
    return garbage

kept = asyncio.run(run_app())
print("first app:", gc.get_freeze_count())
kept += asyncio.run(run_app())
print("second app:", gc.get_freeze_count())
"""


def freeze_counts(tmp_path) -> dict[str, int]:
    env = {"THREADSCOPE_CONFIG_DIR": str(tmp_path / "config"), "THREADSCOPE_DATA_DIR": str(tmp_path / "data"),
           "PATH": "", "TEXTUAL_ANIMATIONS": "none"}
    out = subprocess.run([sys.executable, "-c", EXPORT_THEN_TWO_APPS, str(tmp_path / "export.jsonl")],
                         capture_output=True, text=True, env=env, check=True).stdout
    assert out.count("painted: BrowserScreen") == 2, out  # both apps really started
    assert (tmp_path / "export.jsonl").read_text().count('"id"') > 0  # and the export really ran
    steps = (line.split(":") for line in out.splitlines() if not line.startswith("painted"))
    return {step: int(count) for step, count in steps}


def test_only_the_tui_freezes_its_start_up_heap_and_only_once_per_process(tmp_path):
    counts = freeze_counts(tmp_path)
    assert counts["imported"] == counts["export"] == 0  # `import tui.api`, a CLI command: no policy
    assert counts["first app"] > 20_000  # modules, classes, Textual, rich, pydantic: out of every full collection
    # The second app's start froze nothing more (frozen objects can only be freed since), nor did
    # anything made after the first paint join the frozen heap.
    assert counts["second app"] <= counts["first app"]
