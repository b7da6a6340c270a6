"""`M`: threads into conversations from the TUI — the plan first, then a progress screen (CONTRACT §6).

The engine (tui/migrate) runs in a worker on the app's client; its progress callback moves
the rows of a Textual-free Board, which this screen draws. Stopping is safe: the record keeps
every confirmed batch, and `M` on the same threads resumes.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from tui.api.errors import ThreadscopeError
from tui.config import Settings
from tui.inert import make_inert, one_line
from tui.ledger import ThreadLedger
from tui.migrate import RECORD_NAME, MigrationRecord, Migrator, Options
from tui.migrate.board import Board, Row
from tui.migrate.plan import plan_thread
from tui.screens.feedback import copy_text
from tui.screens.navigation import MigrateThreads, OpenThread
from tui.widgets.columns import cut_middle
from tui.widgets.key_bar import KeyBar

CONVERSATION_ID_WIDTH = len("conv_00000000-0000-0000-0000-000000000000")
JOBS = 4  # threads at once, as `threadscope migrate` does by default
STATE_STYLES = {"verified": "bold green", "failed": "bold red", "unreadable": "red", "stopped": "yellow",
                "batch": "cyan", "verifying": "cyan"}


def request_migration(screen: Screen, settings: Settings, threads: list[tuple[str, str]]) -> bool:
    """`M` on a thread or on marked threads: refused on a read-only profile, else the app is asked."""
    if settings.read_only:
        screen.notify(f"Cannot migrate: {settings.read_only_reason()}.", severity="warning", markup=False)
        return False
    threads = [(thread_id, label) for thread_id, label in threads if thread_id.startswith("thread_")]
    if not threads:
        screen.notify("Only threads can be migrated into conversations.", severity="warning", markup=False)
        return False
    screen.post_message(MigrateThreads(threads))
    return True


def links_from_record(settings: Settings) -> dict[str, str]:
    """thread id → conversation id of every finished, verified migration in the record (CLI runs too)."""
    path = settings.data_dir / RECORD_NAME
    if not path.exists():
        return {}
    record = MigrationRecord(path, settings.backend_id)
    try:
        return record.verified_links()
    finally:
        record.close()


def sync_links(ledger: ThreadLedger, settings: Settings) -> None:
    """Copy the record's links into the ledger for the threads it already lists."""
    try:
        links = links_from_record(settings)
    except (sqlite3.Error, OSError):  # a damaged or unreadable record must not stop the ledger (the CLI reports it)
        return
    for entry in ledger.entries():
        conversation = links.get(entry.thread_id)
        if conversation and entry.extra.get("migrated_to") != conversation:
            ledger.link_conversation(entry.thread_id, conversation)


class MigrateScreen(ModalScreen[None]):
    """Planning, the confirmation, the progress of every thread, then the conversations to open or copy."""

    DEFAULT_CSS = """
    MigrateScreen { align: center middle; }
    MigrateScreen > Vertical { width: 110; max-width: 98%; height: auto; max-height: 95%; border: round $accent;
                               background: $surface; padding: 0 1; }
    MigrateScreen #migrate-title { text-style: bold; margin-bottom: 1; }
    MigrateScreen DataTable { height: auto; max-height: 12; }
    MigrateScreen #migrate-detail { margin-top: 1; color: $text-muted; }
    MigrateScreen #migrate-summary { margin-top: 1; }
    MigrateScreen #migrate-keys { color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close", id="migrate.close"),
        Binding("a", "again", "Copy again", id="migrate.again"),
        Binding("o", "open_conversation", "Open conversation", id="migrate.open"),
        Binding("i", "copy_id", "Copy id", id="migrate.copy"),
        # A modal screen hides the app's q; quitting here asks first while threads are being written.
        Binding("q", "app.quit", "Quit", id="quit"),
    ]

    def __init__(self, threads: list[tuple[str, str]], *, client: Any, settings: Settings,
                 ledger: ThreadLedger) -> None:
        super().__init__()
        self.board = Board.of(threads)
        self.client = client
        self.settings = settings
        self.ledger = ledger
        self.phase = "planning"  # planning → confirm → running → done
        self.record: MigrationRecord | None = None

    def compose(self) -> ComposeResult:
        count = len(self.board.rows)
        with Vertical():
            yield Static(f"Migrate {count} thread{'s' if count != 1 else ''} into conversations", id="migrate-title")
            yield DataTable(id="migrate-rows", cursor_type="row")
            yield Static("", id="migrate-detail", markup=False)
            yield Static("", id="migrate-summary", markup=False)
            yield Static("", id="migrate-keys", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("thread", key="thread", width=20)
        table.add_column("state", key="state", width=36)
        table.add_column("conversation", key="conversation")
        for row in self.board.rows:
            table.add_row(*self._cells(row), key=row.thread_id)
        table.focus()
        self._draw()
        self.plan()

    def on_unmount(self) -> None:
        if self.record is not None:
            self.record.close()

    # -- drawing -----------------------------------------------------------------------------

    def _cells(self, row: Row) -> tuple[Text, Text, Text]:
        name = one_line(row.label, 20) if row.label else cut_middle(make_inert(row.thread_id), 20)
        return (Text(name), Text(make_inert(row.describe()), style=STATE_STYLES.get(row.state, "")),
                Text(cut_middle(make_inert(row.conversation_id or ""), self._conversation_width())))

    def _conversation_width(self) -> int:
        """What is left of the table's width for the conversation id (the line below and `i` give it whole)."""
        table = self.query_one(DataTable)
        if not table.size.width:
            return CONVERSATION_ID_WIDTH
        padding = 2 * table.cell_padding * len(table.columns)
        return max(12, min(CONVERSATION_ID_WIDTH, table.size.width - 20 - 36 - padding - 2))

    def on_resize(self) -> None:
        if self.is_mounted:
            self._draw()

    def _draw(self) -> None:
        table = self.query_one(DataTable)
        for row in self.board.rows:
            thread, state, conversation = self._cells(row)
            table.update_cell(row.thread_id, "state", state, update_width=False)
            table.update_cell(row.thread_id, "conversation", conversation, update_width=True)
        self._draw_detail()
        self.query_one("#migrate-summary", Static).update(self._summary())
        self.query_one("#migrate-keys", Static).update(self._keys())
        self.refresh_bindings()

    def _draw_detail(self) -> None:
        """The highlighted thread in full: its id, its whole state (a failure's reason), its conversation."""
        row = self._highlighted()
        text = "" if row is None else make_inert(
            f"{row.thread_id}: {row.describe()}" + (f"\n→ {row.conversation_id}" if row.conversation_id else ""))
        self.query_one("#migrate-detail", Static).update(text)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._draw_detail()

    def _summary(self) -> str:
        if self.phase in ("planning", "confirm"):
            return self.board.summary() if self.phase == "confirm" else "Reading the threads to plan the migration…"
        verified = sum(row.state == "verified" for row in self.board.rows)
        failed = sum(row.state in ("failed", "stopped") for row in self.board.rows)
        where = "running" if self.phase == "running" else "finished"
        text = f"{where} · {verified} verified · {failed} failed or stopped"
        if self.phase == "done":
            text += f"\nthe record ({RECORD_NAME} in the data directory) keeps every batch and message → item id"
        return text

    def _keys(self) -> str:
        if self.phase == "planning":
            return "esc cancel"
        if self.phase == "confirm":
            if not self.board.runnable():
                return "Nothing can be migrated. esc close"
            again = f" · a copy again ({self.board.migrated_before()} migrated before)" if self.board.migrated_before() else ""
            return f"enter migrate{again} · esc cancel"
        if self.phase == "running":
            return "esc stop (safe: M resumes)"
        return "enter/o open the conversation · i copy its id · esc close"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "again":
            return self.phase == "confirm" and self.board.migrated_before() > 0
        if action in ("open_conversation", "copy_id"):
            return self.phase == "done"
        return True

    # -- planning ----------------------------------------------------------------------------

    @work(exclusive=True, group="migrate-plan")
    async def plan(self) -> None:
        """The dry run of every thread (nothing is sent); then the confirmation."""
        self.record = MigrationRecord(self.settings.data_dir / RECORD_NAME, self.settings.backend_id)
        slots = asyncio.Semaphore(JOBS)

        async def one(row: Row) -> None:
            async with slots:
                try:
                    plan = await plan_thread(self.client, row.thread_id, into=None, non_text="skip",
                                             existing=self.record.latest(row.thread_id))
                except ThreadscopeError as exc:
                    self.board.unreadable(row.thread_id, exc.describe().splitlines()[0])
                else:
                    self.board.planned(row.thread_id, plan)
                self._draw()

        await asyncio.gather(*(one(row) for row in self.board.rows))
        self.phase = "confirm"
        self._draw()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.phase == "confirm":
            self.start()
        elif self.phase == "done":
            self.action_open_conversation()

    def action_again(self) -> None:
        if self.phase == "confirm":
            self.start(again=True)

    # -- running -----------------------------------------------------------------------------

    def start(self, again: bool = False) -> None:
        if not self.board.runnable():
            return
        self.phase = "running"
        self._draw()
        self.run_migration(again)

    @work(exclusive=True, group="migrate-run")
    async def run_migration(self, again: bool) -> None:
        assert self.record is not None
        try:
            self.record.claim()
        except ThreadscopeError as exc:  # another migrate holds the record
            for thread_id in self.board.runnable():
                self.board.crashed(thread_id, str(exc))
            self._finish()
            return
        migrator = Migrator(self.client, self.record, Options(jobs=JOBS, again=again), on_progress=self._progress)
        slots = asyncio.Semaphore(JOBS)
        try:
            await asyncio.gather(*(self._one(migrator, slots, thread_id) for thread_id in self.board.runnable()))
        finally:
            self.record.release()
        self._finish()

    async def _one(self, migrator: Migrator, slots: asyncio.Semaphore, thread_id: str) -> None:
        async with slots:
            try:
                result = await migrator.migrate_thread(thread_id)
            except ThreadscopeError as exc:  # the engine reports API failures in the result; anything else here
                self.board.crashed(thread_id, str(exc))
            else:
                self.board.finished(result)
                if result.ok and result.conversation_id:
                    self._link(self.board.row(thread_id), result.conversation_id)
        self._draw()

    def _progress(self, progress: Any) -> None:
        self.board.progress(progress)
        self._draw()

    def _link(self, row: Row, conversation_id: str) -> None:
        """The thread remembers its conversation; the conversation joins the ledger, named after the thread."""
        try:
            self.ledger.link_conversation(row.thread_id, conversation_id)
            self.ledger.record(conversation_id, label=f"migrated from {row.label or row.thread_id}", touch=False)
        except OSError as exc:
            self.notify(f"Could not update the ledger: {exc.strerror}", severity="warning", markup=False)

    def _finish(self) -> None:
        self.phase = "done"
        self._draw()
        first = next((index for index, row in enumerate(self.board.rows) if row.conversation_id), None)
        if first is not None:
            self.query_one(DataTable).move_cursor(row=first)

    # -- leaving, opening, copying -----------------------------------------------------------

    def quit_warning(self) -> str | None:
        """What quitting now would interrupt (the app asks first), or None."""
        if self.phase != "running":
            return None
        return ("Quitting stops it after the batches the server confirmed; every one is kept in the record, "
                "and M on the same threads resumes where it stopped, writing nothing twice.")

    def action_close(self) -> None:
        if self.phase != "running":
            self.workers.cancel_group(self, "migrate-plan")
            self.dismiss(None)
            return
        from tui.screens.choice import ChoiceScreen

        def answered(choice: str | None) -> None:
            if choice == "stop" and self.phase == "running":
                self.workers.cancel_group(self, "migrate-run")
                self.board.stop({thread_id: self._recorded_target(thread_id) for thread_id in self.board.runnable()})
                self._finish()

        self.app.push_screen(ChoiceScreen(
            "Stop the migration?",
            Text("Every confirmed batch is kept in the record; M on the same threads resumes where it stopped, "
                 "and nothing is written twice."),
            [("k", "Keep running", "keep"), ("s", "Stop", "stop")], cancel_value="keep"), answered)

    def _recorded_target(self, thread_id: str) -> str | None:
        migration = self.record.latest(thread_id) if self.record is not None else None
        return migration.conversation_id if migration is not None else None

    def _highlighted(self) -> Row | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return self.board.row(str(row_key.value))

    def action_open_conversation(self) -> None:
        row = self._highlighted()
        if row is None or not row.conversation_id:
            self.notify("This thread has no conversation to open.", severity="warning", markup=False)
            return
        self.dismiss(None)
        self.app.post_message(OpenThread(row.conversation_id))

    def action_copy_id(self) -> None:
        row = self._highlighted()
        if row is None or not row.conversation_id:
            self.notify("This thread has no conversation id to copy.", severity="warning", markup=False)
            return
        copy_text(self.app, "conversation id", row.conversation_id)
