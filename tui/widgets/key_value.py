"""Rows of key/value inputs: the metadata editor and compose share them."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Static

from tui.api.validation import MAX_KEY_LENGTH, MAX_VALUE_LENGTH, RowProblem


class KeyValueRow(Horizontal):
    """One pair: a key input and a value input."""

    DEFAULT_CSS = """
    KeyValueRow { height: 3; }
    KeyValueRow > .kv-key { width: 2fr; }
    KeyValueRow > .kv-value { width: 5fr; }
    KeyValueRow > .kv-eq { width: 3; content-align: center middle; height: 3; color: $text-muted; }
    """

    def __init__(self, key: str = "", value: str = "") -> None:
        super().__init__()
        # Inputs cap nothing: an over-long value must be visible as an error, not silently cut.
        self.key_input = Input(key, placeholder="key", classes="kv-key", select_on_focus=False)
        self.value_input = Input(value, placeholder="value", classes="kv-value", select_on_focus=False)

    def compose(self) -> ComposeResult:
        yield self.key_input
        yield Static("=", classes="kv-eq", markup=False)
        yield self.value_input

    @property
    def pair(self) -> tuple[str, str]:
        return self.key_input.value, self.value_input.value


class KeyValueEditor(VerticalScroll):
    """An ordered list of rows; the Python list is the truth (removal in the DOM is asynchronous)."""

    DEFAULT_CSS = """
    KeyValueEditor { height: auto; max-height: 20; }
    KeyValueEditor > #kv-empty { color: $text-muted; padding: 1 1; }
    """

    def __init__(self, pairs: dict[str, str] | None = None, *, empty_text: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows: list[KeyValueRow] = [KeyValueRow(k, v) for k, v in (pairs or {}).items()]
        self.empty_text = empty_text or "No metadata. ctrl+n adds a pair."

    def compose(self) -> ComposeResult:
        yield Static(self.empty_text, id="kv-empty", markup=False)
        yield from self.rows

    def on_mount(self) -> None:
        self._show_empty()

    def _show_empty(self) -> None:
        self.query_one("#kv-empty").display = not self.rows

    def pairs(self) -> list[tuple[str, str]]:
        return [row.pair for row in self.rows]

    def set_pairs(self, pairs: dict[str, str]) -> None:
        for row in self.rows:
            row.remove()
        self.rows = [KeyValueRow(k, v) for k, v in pairs.items()]
        if self.rows:
            self.mount_all(self.rows)
        self._show_empty()

    async def add_row(self, key: str = "", value: str = "") -> KeyValueRow:
        """Append a row and put the cursor in its key field.

        Awaited, and focus set directly rather than scheduled: keys typed right after ctrl+n
        (a fast typist, a paste, a script) must land in the new key field, not before it exists.
        """
        row = KeyValueRow(key, value)
        self.rows.append(row)
        await self.mount(row)
        self._show_empty()
        self.screen.set_focus(row.key_input)
        self.call_after_refresh(self.scroll_to_widget, row)
        return row

    def row_of(self, widget) -> KeyValueRow | None:
        node = widget
        while node is not None and not isinstance(node, KeyValueRow):
            node = node.parent
        return node if node in self.rows else None

    def delete_row(self, row: KeyValueRow) -> None:
        """Remove `row` and move the cursor to its neighbour (or nowhere, if it was the last)."""
        index = self.rows.index(row)
        self.rows.remove(row)
        row.remove()
        self._show_empty()
        if self.rows:
            neighbour = self.rows[min(index, len(self.rows) - 1)]
            self.screen.set_focus(neighbour.key_input)

    def mark(self, problems: list[RowProblem]) -> None:
        """Mark each offending input; clear the others."""
        bad = {(p.row, p.part) for p in problems if p.row is not None}
        for index, row in enumerate(self.rows):
            row.key_input.set_class((index, "key") in bad, "-invalid")
            row.value_input.set_class((index, "value") in bad, "-invalid")


LIMITS_HINT = f"keys 1–{MAX_KEY_LENGTH} characters, values up to {MAX_VALUE_LENGTH}, at most 16 pairs"


class PairFormActions:
    """The pair-editing keys shared by the metadata editor and compose (a Screen mixin).

    The screen provides `revalidate()`. tab/shift+tab are priority bindings on the screens
    so focus moves when the key arrives, before any text typed after it.
    """

    async def action_add_row(self) -> None:
        await self.query_one(KeyValueEditor).add_row()
        self.revalidate()

    def action_delete_row(self) -> None:
        rows = self.query_one(KeyValueEditor)
        row = rows.row_of(self.focused)
        if row is None:
            self.notify("Put the cursor in the pair to delete first.", severity="warning", markup=False)
            return
        rows.delete_row(row)
        self.revalidate()

    def action_next_field(self) -> None:
        self.focus_next()

    def action_previous_field(self) -> None:
        self.focus_previous()
