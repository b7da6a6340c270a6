"""The scenarios behind the snapshot suite and the README's images, and the script that draws them.

    python -m tests.snapshots.screenshots [OUTPUT_DIR]      # from the checkout; default: ./screenshots

Each scenario is an app on a fresh embedded emulator (demo data, fixed ids and times), a
terminal size, a theme, and the keys a user would press. The snapshot tests
(tests/snapshots) run the very same scenarios, so the images in the README are the ones
the tests check. The clock is frozen (THREADSCOPE_NOW) and the time zone is UTC, so running
the script twice gives identical files — identical, too, to the accepted snapshots
(tests/snapshots checks that the committed images match them).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

FROZEN_NOW = "2024-03-28T10:00:00+00:00"  # a day after the demo conversations
HOSTILE_THREAD = "thread_0badc0de-0000-4000-8000-000000000001"
MISSING_THREAD = "thread_00000000-0000-4000-8000-00000000dead"

HOSTILE_TEXT = (
    "Escapes are shown, never run:\n"
    "colour \x1b[31mRED\x1b[0m · clear screen \x1b[2J · title \x1b]0;pwned\x07 · "
    "clipboard \x1b]52;c;aGFja2Vk\x07\n"
    "markup stays literal: [@click=app.quit]quit[/] [bold red]bold[/] [link=https://evil.example]link[/link]\n"
    "bidi \u202eevil\u202c · zero-width a\u200bb\u2060c · NUL \x00 · bell \x07 · backspace \x08\n"
)


@dataclass
class Scenario:
    """One picture: what to open, at what size and theme, and what to press."""

    name: str
    title: str
    size: tuple[int, int] = (120, 40)
    theme: str = "threadscope-dark"
    open_thread: str | None = None
    keys: list[str] = field(default_factory=list)
    before: Callable[..., Awaitable[None]] | None = None  # async (pilot) -> None, after the keys
    readme: bool = False


async def settle(pilot) -> None:
    """Until no worker runs and the screen has caught up with the store."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _browser(pilot):
    from tui.screens.browser import BrowserScreen

    return next(s for s in reversed(pilot.app.screen_stack) if isinstance(s, BrowserScreen))


async def _select(pilot, predicate) -> None:
    browser = _browser(pilot)
    for message in browser.store.page:
        if predicate(message):
            browser.store.select(message.id)
            break
    await settle(pilot)


async def select_longest(pilot) -> None:
    page = _browser(pilot).store.page
    longest = max(page, key=lambda m: len(m.text))
    await _select(pilot, lambda m: m.id == longest.id)


async def select_tool_call(pilot) -> None:
    await _select(pilot, lambda m: bool(m.tool_calls))


async def select_most_metadata(pilot) -> None:
    page = _browser(pilot).store.page
    richest = max(page, key=lambda m: len(m.metadata_dict))
    await _select(pilot, lambda m: m.id == richest.id)


async def editor_with_error(pilot) -> None:
    await select_most_metadata(pilot)
    await pilot.press("e")
    await settle(pilot)
    await pilot.press("ctrl+n")
    key = next(iter(_browser(pilot).store.selected.metadata_dict))
    await pilot.press(*key, "tab", *"again")
    await settle(pilot)


async def _edit_to_diff(pilot) -> None:
    await select_most_metadata(pilot)
    await pilot.press("e")
    await settle(pilot)
    from tui.widgets.key_value import KeyValueEditor

    rows = pilot.app.screen.query_one(KeyValueEditor)
    rows.rows[0].value_input.focus()
    await pilot.press("end", *"-reviewed")
    rows.rows[-1].key_input.focus()
    await pilot.press("ctrl+d")
    await pilot.press("ctrl+n", *"reviewer", "tab", *"alice")
    await settle(pilot)


async def diff_before_save(pilot) -> None:
    await _edit_to_diff(pilot)
    await pilot.press("ctrl+s")
    await settle(pilot)


async def stale_conflict(pilot) -> None:
    await _edit_to_diff(pilot)
    message = _browser(pilot).store.selected
    theirs = {**message.metadata_dict, "escalated": "yes"}
    await pilot.app.client.modify_message(message.thread_id, message.id, metadata=theirs)
    await pilot.press("ctrl+s")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def composing(pilot) -> None:
    await pilot.press("c")
    await settle(pilot)
    await pilot.press(*"Can you check order #A-2090 again? The tracking link 404s.")
    await pilot.press("ctrl+n", *"ticket", "tab", *"T-4411")
    await settle(pilot)


async def finding(pilot) -> None:
    await pilot.press("ctrl+f")
    await settle(pilot)
    await pilot.press(*"status check", "enter")
    await settle(pilot)
    await pilot.press("down", "down")


async def select_hostile(pilot) -> None:
    await settle(pilot)


async def conversation_editor_diff(pilot) -> None:
    """E on the support chat: a value changed, a pair added, then ctrl+s shows the diff."""
    await pilot.press("E")
    await settle(pilot)
    from tui.widgets.key_value import KeyValueEditor

    rows = pilot.app.screen.query_one(KeyValueEditor)
    rows.rows[1].value_input.focus()  # channel
    await pilot.press("end", *"-chat")
    await pilot.press("ctrl+n", *"reviewer", "tab", *"alice")
    await settle(pilot)
    await pilot.press("ctrl+s")
    await settle(pilot)


async def conversation_delete(pilot) -> None:
    await pilot.press("j", "j")
    await settle(pilot)
    await pilot.press("D")
    await settle(pilot)


async def migrate_two_marked(pilot) -> None:
    """One thread migrated earlier, then it and another marked with space, M, enter: the end of the run.

    The earlier run comes first so that each conversation is created alone (their ids are seeded in order).
    """
    from textual.widgets import DataTable

    from tui.emulator.demo import CN_SUPPORT, ORDER_BOT
    from tui.migrate import RECORD_NAME, MigrationRecord, Migrator

    app = pilot.app
    record = MigrationRecord(app.settings.data_dir / RECORD_NAME, app.settings.backend_id)
    try:
        [result] = await Migrator(app.client, record).run([ORDER_BOT])
    finally:
        record.close()
    app.ledger.link_conversation(ORDER_BOT, result.conversation_id)
    table = app.screen.query_one(DataTable)
    for thread_id in (ORDER_BOT, CN_SUPPORT):
        table.move_cursor(row=table.get_row_index(thread_id))
        await pilot.press("space")
    await pilot.press("M")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


SCENARIOS: list[Scenario] = []


def _scenarios() -> list[Scenario]:
    from tui.emulator.demo import AGENT_LOOP, CN_SUPPORT, CODE_REVIEW, EMPTY, ORDER_BOT
    from tui.emulator.demo_conversations import SUPPORT_CHAT

    return [
        Scenario("ledger", "The ledger: threads and conversations, home screen", readme=True),
        Scenario("conversation", "A conversation: items with their roles, one in full", open_thread=SUPPORT_CHAT,
                 keys=["j"], readme=True),
        Scenario("conversation-editor-diff", "E: the conversation's metadata, the diff before saving",
                 open_thread=SUPPORT_CHAT, before=conversation_editor_diff, readme=True),
        Scenario("conversation-delete", "D: deleting an item asks first; its JSON stays in the journal",
                 open_thread=SUPPORT_CHAT, before=conversation_delete),
        Scenario("browser", "Browser: list and detail", open_thread=ORDER_BOT, readme=True),
        Scenario("raw-json", "Raw JSON as the server sent it", open_thread=ORDER_BOT, keys=["r"]),
        Scenario("chinese-markdown", "A long Chinese Markdown message", open_thread=CN_SUPPORT, before=select_longest),
        Scenario("code-review", "Long Markdown with code blocks and tables", open_thread=CODE_REVIEW,
                 before=select_longest),
        Scenario("tool-calls", "A message with tool calls", open_thread=ORDER_BOT, before=select_tool_call),
        Scenario("paging", "Paging a 2,500-message thread", open_thread=AGENT_LOOP, keys=["n", "n", "j", "j"]),
        Scenario("editor-error", "Metadata editor: a validation error", open_thread=ORDER_BOT,
                 before=editor_with_error),
        Scenario("editor-diff", "Metadata editor: the diff before saving", open_thread=ORDER_BOT,
                 before=diff_before_save, readme=True),
        Scenario("editor-conflict", "Metadata editor: changed on the server meanwhile", open_thread=ORDER_BOT,
                 before=stale_conflict),
        Scenario("compose", "Compose a user message", open_thread=ORDER_BOT, before=composing),
        Scenario("help", "Help: the keys after remapping", open_thread=ORDER_BOT, keys=["question_mark"]),
        Scenario("error-404", "An unknown thread: the error as the user sees it", open_thread=MISSING_THREAD),
        Scenario("empty-thread", "An empty thread", open_thread=EMPTY),
        Scenario("light", "threadscope-light", open_thread=ORDER_BOT, theme="threadscope-light", readme=True),
        Scenario("high-contrast", "threadscope-high-contrast (16 colours)", open_thread=ORDER_BOT,
                 theme="threadscope-high-contrast"),
        Scenario("lantern", "threadscope-lantern", open_thread=CN_SUPPORT, theme="threadscope-lantern"),
        Scenario("narrow-80x24", "80×24: the detail stacks under the list", open_thread=ORDER_BOT, size=(80, 24)),
        Scenario("find", "Find in a 2,500-message thread (ctrl+f)", open_thread=AGENT_LOOP, size=(100, 30),
                 before=finding),
        Scenario("hostile", "Hostile content: escapes shown, markup literal", open_thread=HOSTILE_THREAD,
                 before=select_hostile),
        Scenario("migrate", "M on two marked threads: the progress screen at the end", before=migrate_two_marked,
                 readme=True),
    ]


def scenarios() -> list[Scenario]:
    if not SCENARIOS:
        SCENARIOS.extend(_scenarios())
    return SCENARIOS


def freeze_environment() -> None:
    """UTC, a frozen clock, no animations: what makes a picture repeatable."""
    os.environ["TZ"] = "UTC"
    if hasattr(time, "tzset"):
        time.tzset()
    os.environ["THREADSCOPE_NOW"] = FROZEN_NOW
    os.environ["TEXTUAL_ANIMATIONS"] = "none"


def seed_hostile(db_path: Path) -> None:
    """The demo plus one thread of hostile content, with fixed ids, straight into the database."""
    from tui.emulator.demo import BASE_MS, seed_demo
    from tui.emulator.storage import Storage, message_object

    storage = Storage(db_path)
    try:
        seed_demo(storage)
        if not storage.thread_exists(HOSTILE_THREAD):
            storage.create_thread({"app": "red-team"}, thread_id=HOSTILE_THREAD, created_at=BASE_MS)
            storage.bulk_insert_messages([message_object(
                message_id="message_0badc0de-0000-4000-8000-000000000002", thread_id=HOSTILE_THREAD,
                created_at=BASE_MS + 1000, role="user", text=HOSTILE_TEXT,
                metadata={"\x1b]52;c;aGk=\x07key": "[@click=app.quit]v[/]", "note": "\u202eevil"},
            )])
    finally:
        storage.close()


def build_app(scenario: Scenario):
    """A fresh app for `scenario` on the embedded emulator in the current THREADSCOPE_DATA_DIR."""
    from tui.app import ThreadscopeApp
    from tui.backend import build_client
    from tui.config import resolve_settings
    from tui.emulator.app import seed_request_ids
    from tui.emulator.conversation_store import seed_conversation_ids

    seed_request_ids(0)  # the 404 notice shows a request_id: make it the same every run
    seed_conversation_ids(0)  # and the migration picture shows conversation ids
    settings = resolve_settings()
    settings.theme = scenario.theme
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    seed_hostile(settings.emulator_db)
    return ThreadscopeApp(settings, build_client(settings), open_thread=scenario.open_thread)


async def drive(scenario: Scenario, pilot) -> None:
    """Everything a scenario does once the app runs (shared by the tests and the script)."""
    await settle(pilot)
    if scenario.keys:
        await pilot.press(*scenario.keys)
        await settle(pilot)
    if scenario.before is not None:
        await scenario.before(pilot)
    await settle(pilot)


def shoot(scenario: Scenario) -> str:
    """The scenario's SVG, drawn exactly as pytest-textual-snapshot draws it (same function, same title)."""
    from textual._doc import take_svg_screenshot

    app = build_app(scenario)

    async def run_before(pilot) -> None:
        await drive(scenario, pilot)

    svg = take_svg_screenshot(app=app, terminal_size=scenario.size, run_before=run_before)
    # Without rich's per-export random id in the CSS class names, as the snapshot files store it.
    return re.sub(r"\bterminal-\d+-([\w-]+)", r"terminal-\1", svg)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    output = Path(args[0] if args else "screenshots").resolve()
    output.mkdir(parents=True, exist_ok=True)
    freeze_environment()
    for scenario in scenarios():
        with tempfile.TemporaryDirectory(prefix="threadscope-shot-") as scratch:
            os.environ["THREADSCOPE_DATA_DIR"] = str(Path(scratch) / "data")
            os.environ["THREADSCOPE_CONFIG_DIR"] = str(Path(scratch) / "config")
            for name in ("DASHSCOPE_API_KEY", "DASHSCOPE_HTTP_BASE_URL", "THREADSCOPE_PROFILE"):
                os.environ.pop(name, None)
            path = output / f"{scenario.name}.svg"
            path.write_text(shoot(scenario), encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
