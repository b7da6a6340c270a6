"""Home: the ledger of threads and conversations. DashScope cannot list either, so threadscope remembers them."""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from tui.config import Settings
from tui.ids import is_conversation
from tui.inert import make_inert, one_line
from tui.ledger import LedgerEntry, ThreadLedger
from tui.screens.migrate import request_migration, sync_links
from tui.screens.navigation import AskForThread, NewThread, OpenThread
from tui.widgets.columns import cut_end, cut_middle, fit
from tui.widgets.key_bar import KeyBar
from tui.widgets.status_bar import StatusBar

KIND_STYLES = {"thread": "", "conversation": "bold"}
COLUMNS = {"pin": "", "kind": "kind", "label": "label", "thread": "id", "opened": "last opened", "seen": "seen",
           "migrated": "migrated to"}
LABEL_MAX = 40


class LedgerScreen(Screen):
    """Every thread and conversation opened, created or exported on this backend: pinned first, then most recent."""

    DEFAULT_CSS = """
    LedgerScreen DataTable { height: 1fr; }
    LedgerScreen #ledger-empty { padding: 1 2; color: $text-muted; }
    """
    BINDINGS = [
        Binding("enter", "open_selected", "Open", id="ledger.open"),
        Binding("o", "open_thread", "Open by id", id="open_thread"),
        Binding("y", "copy_id", "Copy id", show=False, id="ledger.copy"),
        Binding("N", "new_thread", "New…", id="ledger.new"),
        Binding("l", "label", "Label", id="ledger.label"),
        Binding("x", "pin", "Pin", id="ledger.pin"),
        Binding("d", "forget", "Forget", id="ledger.forget"),
        Binding("space", "mark", "Mark", show=False, id="ledger.mark"),
        Binding("M", "migrate", "Migrate", id="ledger.migrate"),
        Binding("i", "copy_id", "Copy id", id="ledger.copy_id"),
        Binding("j", "cursor_down", "Down", show=False, id="ledger.down"),
        Binding("k", "cursor_up", "Up", show=False, id="ledger.up"),
    ]

    def __init__(self, ledger: ThreadLedger, settings: Settings) -> None:
        super().__init__()
        self.ledger = ledger
        self.settings = settings
        self.marked: set[str] = set()  # threads marked with space, for M

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield DataTable(id="ledger", cursor_type="row", zebra_stripes=True)
        yield Static("", id="ledger-empty", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.tooltip = "seen: the most messages (or items) one page showed when you last browsed it"
        settings = self.settings
        self.query_one(StatusBar).show(backend=settings.backend_label, backend_brief=settings.backend_brief,
                                       profile=settings.profile, workspace=settings.shown_workspace,
                                       where="threads and conversations")
        self.refresh_ledger()
        table.focus()

    def on_screen_resume(self) -> None:
        self.refresh_ledger()

    def on_resize(self) -> None:
        if self.is_mounted:
            self.refresh_ledger()

    def _widths(self, entries: list[LedgerEntry]) -> dict[str, int]:
        """Column widths for the width the table has, so that nothing scrolls sideways out of sight."""
        table = self.query_one(DataTable)
        width = self.size.width or self.app.size.width
        rows_shown = (table.size.height or self.app.size.height - 3) - 1
        migrated = [make_inert(e.extra.get("migrated_to") or "") for e in entries]
        natural = {
            "pin": 3, "kind": 4,
            "label": max([5] + [cell_len(one_line(e.label or "", LABEL_MAX)) for e in entries]),
            "thread": max([2] + [cell_len(make_inert(e.thread_id)) for e in entries]),
            "opened": len("2026-01-01 00:00"),
            "seen": max([4] + [len(f"{e.messages_seen:,}") for e in entries]),
            "migrated": max([len("migrated to")] + [cell_len(m) for m in migrated]),
        }
        if not any(migrated) and sum(natural.values()) + 2 * len(natural) > width:
            del natural["migrated"]  # nothing migrated and no room: the column would only take space
        scrollbar = table.styles.scrollbar_size_vertical if len(entries) > rows_shown else 0
        available = width - scrollbar - 2 * table.cell_padding * len(natural)
        return fit(natural, available, [("opened", len("11-30 15:01")), ("label", 20), ("thread", 26),
                                        ("label", 16), ("thread", 20), ("migrated", 14), ("label", 8),
                                        ("thread", 12), ("migrated", 6)])

    def refresh_ledger(self, select: str | None = None) -> None:
        table = self.query_one(DataTable)
        current = select or (self.selected_thread() if table.row_count else None)
        table.clear(columns=True)
        sync_links(self.ledger, self.settings)
        entries = self.ledger.entries()
        widths = self._widths(entries)
        for key, label in COLUMNS.items():
            if key in widths:
                table.add_column(label, key=key, width=widths[key])
        # A year only when there is room for it: the rest of the row matters more at 80 columns.
        when = "%Y-%m-%d %H:%M" if widths["opened"] >= len("2026-01-01 00:00") else "%m-%d %H:%M"
        for entry in entries:
            opened = ""
            if entry.last_opened:
                opened = datetime.fromisoformat(entry.last_opened).astimezone().strftime(when)
            cells = [
                self._flags(entry),
                Text("conv" if entry.kind == "conversation" else "thrd", style=KIND_STYLES[entry.kind]),
                cut_end(one_line(entry.label or "", LABEL_MAX) or "—", widths["label"]),
                Text(cut_middle(make_inert(entry.thread_id), widths["thread"])),
                Text(opened, style="dim"),
                Text(f"{entry.messages_seen:,}" if entry.messages_seen else "", style="dim"),
            ]
            if "migrated" in widths:
                cells.append(Text(cut_middle(make_inert(entry.extra.get("migrated_to") or ""), widths["migrated"])))
            table.add_row(*cells, key=entry.thread_id)
        empty = self.query_one("#ledger-empty", Static)
        empty.display = not entries
        empty.update("No threads or conversations yet. Press o to open one by id, or N to create one.")
        if current is not None:
            for index, entry in enumerate(entries):
                if entry.thread_id == current:
                    table.move_cursor(row=index)

    def selected_thread(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return row_key.value

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_selected()

    def action_open_selected(self) -> None:
        thread_id = self.selected_thread()
        if thread_id:
            self.post_message(OpenThread(thread_id))

    def action_copy_id(self) -> None:
        """i / y: the whole id of the highlighted row, however narrow its column."""
        from tui.screens.feedback import copy_text

        thread_id = self.selected_thread()
        if thread_id:
            copy_text(self.app, f"the id {make_inert(thread_id)}", thread_id)

    def action_open_thread(self) -> None:
        self.post_message(AskForThread())

    def _flags(self, entry: LedgerEntry) -> Text:
        """Marked for M, pinned, migrated into a conversation."""
        return Text(("●" if entry.thread_id in self.marked else " ") + ("★" if entry.pinned else " ")
                    + ("→" if entry.extra.get("migrated_to") else ""))

    def action_mark(self) -> None:
        """space: mark or unmark the highlighted thread for M, then move down."""
        thread_id = self.selected_thread()
        entry = self.ledger.get(thread_id) if thread_id else None
        if entry is not None:
            self.marked ^= {entry.thread_id}
            table = self.query_one(DataTable)
            table.update_cell(entry.thread_id, "pin", self._flags(entry))
            table.action_cursor_down()

    def action_migrate(self) -> None:
        """M: the marked threads (in ledger order), or the highlighted one, into conversations."""
        entries = self.ledger.entries()
        chosen = [e for e in entries if e.thread_id in self.marked] or [
            e for e in entries if e.thread_id == self.selected_thread()]
        if chosen and request_migration(self, self.settings, [(e.thread_id, e.label) for e in chosen]):
            self.marked.clear()
            self.refresh_ledger()

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    def action_new_thread(self) -> None:
        self.post_message(NewThread())

    def action_label(self) -> None:
        from tui.screens.prompt import InputPrompt

        thread_id = self.selected_thread()
        if not thread_id:
            return
        entry = self.ledger.get(thread_id)

        def done(label: str | None) -> None:
            if label is not None:
                self.ledger.set_label(thread_id, label)
                self.refresh_ledger(select=thread_id)

        self.app.push_screen(InputPrompt(f"Label for {thread_id}", value=entry.label if entry else ""), done)

    def action_pin(self) -> None:
        thread_id = self.selected_thread()
        if thread_id:
            self.ledger.toggle_pin(thread_id)
            self.refresh_ledger(select=thread_id)

    def action_forget(self) -> None:
        thread_id = self.selected_thread()
        if not thread_id:
            return
        entry = self.ledger.get(thread_id)
        if entry is None or not entry.pinned:
            self.forget(thread_id)
            return
        from rich.text import Text

        from tui.screens.choice import ChoiceScreen

        self.app.push_screen(
            ChoiceScreen(f"Forget the pinned {thread_id}?", Text("You pinned it; forgetting drops its label and pin."),
                         [("k", "Keep it", "keep"), ("d", "Forget it", "forget")], cancel_value="keep"),
            lambda choice: self.forget(thread_id) if choice == "forget" else None,
        )

    def forget(self, thread_id: str) -> None:
        self.ledger.forget(thread_id)
        self.refresh_ledger()
        kind = "conversation" if is_conversation(thread_id) else "thread"
        self.notify(f"Forgot {thread_id} (the {kind} itself is untouched).", timeout=3, markup=False)
