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

# Wire models opening a thread does not use: pydantic builds their validators when first used.
NOT_BUILT = ("TextValue", "ContentItem", "Thread", "DeletedThread", "Conversation", "Item", "ItemPage",
             "DeletedConversation", "DeletedItem")

# The app opened on a thread, its server a mock answering one page of one message; run headless until idle.
OPEN_A_THREAD = f"NOT_BUILT = {NOT_BUILT!r}\n" + """
import asyncio, sys
import httpx
from tui.api import DashScopeClient
from tui.app import ThreadscopeApp
from tui.config import resolve_settings

MESSAGE = {"id": "msg_1", "object": "thread.message", "created_at": 1700000000000, "thread_id": "thread_0123456789",
           "role": "user", "content": [{"type": "text", "text": {"value": "hello", "annotations": []}}],
           "metadata": {"k": "v"}}

def answer(request):
    return httpx.Response(200, json={"object": "list", "data": [MESSAGE], "has_more": False})

async def main():
    settings = resolve_settings(base_url="http://127.0.0.1:9/api/v1", api_key="k")
    client = DashScopeClient(api_key="k", base_url=settings.base_url, transport=httpx.MockTransport(answer))
    app = ThreadscopeApp(settings, client, open_thread="thread_0123456789")
    async with app.run_test() as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        print("shown:", type(app.screen).__name__, app.screen.store.page_size > 0, len(app.screen.store.page), app.screen.store.selected.text)
    await client.aclose()

asyncio.run(main())
print("loaded:", sorted(name for name in sys.argv[1:] if name in sys.modules))
import tui.api.models as models
print("built:", sorted(name for name in NOT_BUILT if getattr(models, name).__pydantic_complete__))
"""


def test_opening_a_thread_loads_no_server_editor_ledger_or_migration_modules(tmp_path):
    env = {"THREADSCOPE_CONFIG_DIR": str(tmp_path / "config"), "THREADSCOPE_DATA_DIR": str(tmp_path / "data"),
           "PATH": "", "TEXTUAL_ANIMATIONS": "none"}
    out = subprocess.run([sys.executable, "-c", OPEN_A_THREAD, *NOT_AT_START], capture_output=True, text=True,
                         env=env, check=True).stdout
    assert "shown: BrowserScreen True 1 hello" in out  # the start really ran
    assert "loaded: []\n" in out


def test_opening_a_thread_builds_no_validator_of_the_models_it_does_not_use(tmp_path):
    env = {"THREADSCOPE_CONFIG_DIR": str(tmp_path / "config"), "THREADSCOPE_DATA_DIR": str(tmp_path / "data"),
           "PATH": "", "TEXTUAL_ANIMATIONS": "none"}
    out = subprocess.run([sys.executable, "-c", OPEN_A_THREAD], capture_output=True, text=True, env=env,
                         check=True).stdout
    assert "shown: BrowserScreen True 1 hello" in out
    assert out.strip().endswith("built: []")


# `threadscope open …` up to the moment the TUI would start: which command modules click loaded.
PARSE_OPEN = """
import sys
import tui.cli

def start(settings, thread_id, message_id=None):
    print("start:", thread_id)

tui.cli.run_tui = start
tui.cli.main(["open", "thread_0123456789", "--base-url", "http://127.0.0.1:9/api/v1"], standalone_mode=False)
print("loaded:", sorted(name for name in sys.argv[1:] if name in sys.modules))
"""
OTHER_COMMANDS = ("tui.cli_conversations", "tui.cli_grep", "tui.migrate_cli")


def test_open_loads_no_other_commands_module(tmp_path):
    env = {"THREADSCOPE_CONFIG_DIR": str(tmp_path / "config"), "THREADSCOPE_DATA_DIR": str(tmp_path / "data"),
           "PATH": "", "DASHSCOPE_API_KEY": "k"}
    out = subprocess.run([sys.executable, "-c", PARSE_OPEN, *OTHER_COMMANDS], capture_output=True, text=True,
                         env=env, check=True).stdout
    assert "start: thread_0123456789" in out
    assert out.strip().endswith("loaded: []")


def test_help_still_lists_every_command_with_its_short_help():
    from click.testing import CliRunner

    from tui.cli import main

    listed = CliRunner().invoke(main, ["--help"]).output.split("Commands:", 1)[1]
    names = [line.split()[0] for line in listed.strip().splitlines()]
    assert names == ["conversations", "export", "grep", "items", "messages", "migrate", "open", "serve", "threads"]
    assert "grep           Find PATTERN in every message of a thread or item of a..." in listed
    assert "migrate        Copy each THREAD into a conversation: resumable, nothing..." in listed
    assert "items          List, read, add and delete the items of a conversation." in listed
