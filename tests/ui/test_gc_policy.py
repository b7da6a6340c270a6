"""tui/gc_policy.py: the TUI freezes its start-up heap once per process, after its first paint;
library users and the other commands get no garbage-collector policy at all."""

import gc
import subprocess
import sys

import httpx
import pytest

from tui import gc_policy
from tui.api import DashScopeClient
from tui.app import ThreadscopeApp
from tui.config import resolve_settings

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
print("export collects:", int(gc.isenabled()))

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
    assert counts["export collects"] == 1
    assert counts["first app"] > 20_000  # modules, classes, Textual, rich, pydantic: out of every full collection
    # The second app's start froze nothing more (frozen objects can only be freed since), nor did
    # anything made after the first paint join the frozen heap.
    assert counts["second app"] <= counts["first app"]


async def test_the_collector_is_on_again_at_the_first_paint_even_when_the_first_page_fails():
    def refuse(request):
        raise httpx.ConnectError("connection refused", request=request)

    settings = resolve_settings(base_url="http://127.0.0.1:9/api/v1", api_key="k")
    client = DashScopeClient(api_key="k", base_url=settings.base_url, transport=httpx.MockTransport(refuse))
    app = ThreadscopeApp(settings, client, open_thread="thread_0123456789")
    with gc_policy.off_until_first_paint():  # as tui.cli runs the TUI
        assert not gc.isenabled()
        async with app.run_test() as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.screen.store.page == []  # the page never came
            assert gc.isenabled()  # yet the app does not wait for it with the collector off
    await client.aclose()


def test_the_collector_is_on_again_when_the_run_ends_before_its_first_paint():
    with pytest.raises(KeyboardInterrupt), gc_policy.off_until_first_paint():
        raise KeyboardInterrupt  # ctrl+c while the app was still starting
    assert gc.isenabled()
