"""A modal question with a few lettered answers: diff confirm, stale conflict, discard changes."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.widgets.key_bar import KeyBar


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
        """`choices`: (key, label, value); the first is also what enter chooses, so it must be the safe one."""
        super().__init__()
        self.title_text = title
        self.body = body
        self.choices = choices
        self.cancel_value = cancel_value
        self.answered_with: str | None = None  # set as the answer is given, before its callback runs
        self.answers = {"enter": choices[0][2], **{key: value for key, _label, value in choices}, "escape": cancel_value}

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
        yield KeyBar()  # empty (the answers are listed above), over the screen's keys below

    def on_key(self, event: events.Key) -> None:
        # The answers differ per dialog: keys handled here, before any binding (ctrl+c stays a priority binding).
        value = self.answers.get(event.key)
        if value is not None:
            event.stop()
            event.prevent_default()
            self.answer(value)

    def answer(self, value: str) -> None:
        """Dismiss with `value`, once; a question pushed over this one after its key was sent closes first.

        A priority key (ctrl+c) acts as soon as the app reads it, before this screen has
        handled a key typed earlier (enter): the quit question can land on top of the answer,
        and is asked again once the answer is in.
        """
        if self not in self.app.screen_stack:
            return  # answered already (two keys in one burst)
        asked_to_quit = False
        while self.app.screen is not self:
            above = self.app.screen
            asked_to_quit |= isinstance(above, QuitQuestion)
            above.dismiss(getattr(above, "cancel_value", None))
        self.answered_with = value
        self.dismiss(value)
        if asked_to_quit:  # ask again, about what the answer started (a save on its way, say)
            self.app.call_later(self.app.run_action, "quit")


class QuitQuestion(ChoiceScreen):
    """"Quit anyway?": the one question that a second ctrl+c (or q) answers by quitting."""
