"""Help (`?`): the keys as they are now, after the user's remapping."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.widgets.key_bar import KeyBar


def key_rows(declared: Iterable[Iterable[BindingType]], keymap: Mapping[str, str],
             display: Callable[[Binding], str],
             describe: Callable[[Binding], str] = lambda binding: binding.description) -> list[tuple[str, str, str]]:
    """(keys, what they do, binding id) for the bindings nodes declare, after the user's keymap.

    `declared`: each node's BINDINGS, nearest first (screen, then app). Only bindings with an id
    (ours: the widgets' scroll keys are noise); a key a priority binding takes is left out of
    the others (ctrl+c quits, it does not copy).
    """
    maps = []
    for bindings in declared:
        bindings_map = BindingsMap(bindings)
        bindings_map.apply_keymap(keymap)
        maps.append(bindings_map)
    taken = {key for bindings_map in maps for key, binding in bindings_map if binding.priority}
    grouped: dict[str, tuple[list[str], str]] = {}
    for bindings_map in maps:
        for key, binding in bindings_map:
            if not binding.description or not binding.id or (key in taken and not binding.priority):
                continue
            keys, _ = grouped.setdefault(binding.id, ([], describe(binding)))
            shown = display(binding)
            if shown not in keys:
                keys.append(shown)
    return [(", ".join(keys), description, binding_id) for binding_id, (keys, description) in grouped.items()]


def binding_ids() -> set[str]:
    """Every binding id a `[keymap]` may name: those of threadscope's screens and widgets (all
    imported here), of the app, and of the Textual widgets loaded."""
    import tui.screens
    import tui.widgets

    for package in (tui.screens, tui.widgets):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
    ids: set[str] = set()
    pending: list[type] = [DOMNode]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        ids.update(binding.id for binding in Binding.make_bindings(getattr(cls, "BINDINGS", ())) if binding.id)
    return ids


class HelpScreen(ModalScreen[None]):
    """A table of (keys, what they do, binding id) taken from the screen the user came from."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90; max-width: 96%; max-height: 90%; height: auto; border: round $accent;
                                  background: $surface; padding: 1 2; }
    """
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="help.close")]

    def __init__(self, rows: list[tuple[str, str, str]], title: str) -> None:
        super().__init__()
        self.rows = rows
        self.title_text = title

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
        table.add_column(Text("keys"), no_wrap=True)
        table.add_column(Text("does"))
        table.add_column(Text("id (for [keymap])"), style="dim", no_wrap=True)
        for keys, description, binding_id in self.rows:
            table.add_row(Text(keys), Text(description), Text(binding_id))
        with VerticalScroll() as box:
            box.border_subtitle = "↑↓ scroll · esc close"  # a long list is cut at the bottom of a small terminal
            yield Static(Text(self.title_text, style="bold"))
            yield Static(table)
            yield Static(Text("\nRemap any key in config.toml, e.g.  [keymap]  next_page = \"right\"", style="dim"))
        yield KeyBar()  # the dialog's keys, over the screen's below

    def action_close(self) -> None:
        self.dismiss(None)
