"""A modal question with a few lettered answers: diff confirm, stale conflict, discard changes."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class ChoiceScreen(ModalScreen[str]):
    """Shows `body` and answers with the value of the chosen key; escape answers `cancel_value`."""

    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen > Vertical { width: 84; max-width: 95%; height: auto; max-height: 90%; border: round $warning;
                              background: $surface; padding: 1 2; }
    ChoiceScreen #choice-title { text-style: bold; margin-bottom: 1; }
    ChoiceScreen VerticalScroll { height: auto; max-height: 24; }
    ChoiceScreen #choice-keys { margin-top: 1; color: $text-muted; }
    """

    def __init__(self, title: str, body: Text, choices: list[tuple[str, str, str]], *, cancel_value: str) -> None:
        """`choices`: (key, label, value); the first is also what enter chooses."""
        super().__init__()
        self.title_text = title
        self.body = body
        self.choices = choices
        self.cancel_value = cancel_value
        self._bindings_for_choices()

    def _bindings_for_choices(self) -> None:
        first = self.choices[0]
        self._bindings.bind("enter", f"choose('{first[2]}')", first[1], show=False)
        for key, label, value in self.choices:
            self._bindings.bind(key, f"choose('{value}')", label)
        self._bindings.bind("escape", f"choose('{self.cancel_value}')", "Back", show=False)

    def compose(self) -> ComposeResult:
        keys = Text()
        for index, (key, label, _value) in enumerate(self.choices):
            if index:
                keys.append("   ")
            keys.append(key, style="bold reverse")
            keys.append(f" {label}" + (" (enter)" if index == 0 else ""))
        keys.append("   esc back", style="dim")
        with Vertical():
            yield Static(Text(self.title_text), id="choice-title")
            with VerticalScroll():
                yield Static(self.body, id="choice-body")
            yield Static(keys, id="choice-keys")

    def action_choose(self, value: str) -> None:
        self.dismiss(value)
