"""The key bar along the bottom of a screen: its shown bindings, one line of text."""

from __future__ import annotations

from typing import NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget


class Key(NamedTuple):
    key: str  # what a click presses
    display: str  # how the key is written ("^p", after the user's keymap)
    description: str
    enabled: bool
    pinned: bool = False  # shown whatever the width (help and quit)


PINNED = ("help", "quit")  # binding ids


def key_description(screen: Screen, binding: Binding) -> str:
    """What a key does as `screen` words it: a screen may say it for what it shows (its `describe_key`)."""
    describe = getattr(screen, "describe_key", None)
    return describe(binding) if describe is not None else binding.description


class KeyBar(Widget, can_focus=False):
    """The keys Textual's Footer would show, drawn as one line and redrawn only when they change.

    A key that does not fit is left out whole (never cut mid-word), except help and quit,
    which always stay; the command palette key stays at the right, a space apart from the
    rest. A click on a key presses it.
    """

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
        .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._drawn: tuple[tuple[Key, ...], Key | None] | None = None
        self._spans: list[tuple[int, int, Key]] = []  # cells each drawn key covers, for clicks

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if self._drawn != self.keys():
            self.refresh()

    def keys(self) -> tuple[tuple[Key, ...], Key | None]:
        """The keys to show (one per action), and the palette key.

        In the order the screen, then the app, declare them: a key the user remapped is
        re-added at the end of the binding map, and would otherwise jump to the end.
        """
        app = self.app
        declared: dict[str, int] = {}
        for node in (self.screen, app):
            for binding in getattr(type(node), "BINDINGS", ()):
                if isinstance(binding, Binding):
                    declared.setdefault(binding.action, len(declared))
        shown: list[tuple[int, Key]] = []
        actions: set[str] = set()
        palette: Key | None = None
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.action in ("command_palette", "app.command_palette"):
                if app.ENABLE_COMMAND_PALETTE and palette is None:
                    palette = Key(binding.key, app.get_key_display(binding), key_description(self.screen, binding),
                                  enabled)
                continue
            if not binding.show or binding.action in actions:
                continue
            actions.add(binding.action)
            rank = declared.get(binding.action, len(declared))
            shown.append((rank, Key(binding.key, app.get_key_display(binding), key_description(self.screen, binding),
                                    enabled, pinned=binding.id in PINNED)))
        shown.sort(key=lambda ranked: ranked[0])
        return tuple(key for _rank, key in shown), palette

    def _item(self, key: Key) -> Text:
        item = Text.assemble(
            (f" {key.display} ", self.get_component_rich_style("key-bar--key")),
            (key.description, self.get_component_rich_style("key-bar--description")),
        )
        if not key.enabled:
            item.stylize(Style(dim=True))
        return item

    def render(self) -> Text:
        self._drawn = shown, palette = self.keys()
        width = self.size.width
        tail = self._item(palette) if palette is not None else Text()
        # Keys are a plain space apart, never run together; the palette key ends at the right edge.
        room = width - (tail.cell_len + 1 if palette is not None else 0)
        items = [(key, self._item(key)) for key in shown]
        pinned_width = sum(item.cell_len + 1 for key, item in items if key.pinned)  # room kept for help and quit
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, Key]] = []
        full = False
        for key, item in items:
            start = line.cell_len + 1 if line.cell_len else 0
            if key.pinned:
                pinned_width -= item.cell_len + 1
            else:
                # Left out whole, with every key after it.
                full = full or start + item.cell_len + pinned_width > room
                if full:
                    continue
            line.append(" " * (start - line.cell_len))
            spans.append((start, start + item.cell_len, key))
            line.append_text(item)
        if palette is not None and line.cell_len <= room:
            line.append(" " * (width - tail.cell_len - line.cell_len))
            spans.append((width - tail.cell_len, width, palette))
            line.append_text(tail)
        self._spans = spans
        return line

    def key_at(self, x: int) -> Key | None:
        """The key drawn at column x, if any."""
        for start, end, key in self._spans:
            if start <= x < end:
                return key
        return None

    def on_click(self, event: events.Click) -> None:
        key = self.key_at(event.x)
        if key is None:
            return
        event.stop()
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()
