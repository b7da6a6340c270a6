"""A cold `threadscope open THREAD --base-url …` imports only what showing the thread needs: every
module more is paid for before the first page is painted."""

import subprocess
import sys

NOT_AT_START = ("tui.emulator", "tui.migrate", "tui.screens.pending", "tui.screens.metadata_editor",
                "tui.screens.ledger", "textual.widgets._text_area", "uvicorn", "starlette", "sqlite3", "tomlkit",
                # dialogs and panes the browser pushes on a key: each loads when first asked for
                "tui.screens.find", "tui.screens.prompt", "tui.screens.choice", "tui.screens.form",
                "tui.screens.copy_menu", "tui.screens.help", "tui.screens.compose",
                "tui.find", "tui.session.writes")  # find and the write flows load when first used

# The app opened on a thread, its server a mock answering one empty page; run headless until idle.
OPEN_A_THREAD = """
import asyncio, sys
import httpx
from tui.api import DashScopeClient
from tui.app import ThreadscopeApp
from tui.config import resolve_settings

def answer(request):
    return httpx.Response(200, json={"object": "list", "data": [], "has_more": False})

async def main():
    settings = resolve_settings(base_url="http://127.0.0.1:9/api/v1", api_key="k")
    client = DashScopeClient(api_key="k", base_url=settings.base_url, transport=httpx.MockTransport(answer))
    app = ThreadscopeApp(settings, client, open_thread="thread_0123456789")
    async with app.run_test() as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        print("shown:", type(app.screen).__name__, app.screen.store.page_size > 0)
    await client.aclose()

asyncio.run(main())
print("loaded:", sorted(name for name in sys.argv[1:] if name in sys.modules))
"""


def test_opening_a_thread_loads_no_server_editor_ledger_or_migration_modules(tmp_path):
    env = {"THREADSCOPE_CONFIG_DIR": str(tmp_path / "config"), "THREADSCOPE_DATA_DIR": str(tmp_path / "data"),
           "PATH": "", "TEXTUAL_ANIMATIONS": "none"}
    out = subprocess.run([sys.executable, "-c", OPEN_A_THREAD, *NOT_AT_START], capture_output=True, text=True,
                         env=env, check=True).stdout
    assert "shown: BrowserScreen True" in out  # the start really ran
    assert out.strip().endswith("loaded: []")
