"""A one-line question in a modal: open a thread by id, filter, search, label."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tui.widgets.key_bar import KeyBar


class InputPrompt(ModalScreen[str | None]):
    """Ask for one line; `check` returns an error to show (and keep the prompt open) or None.

    `submit`, when given, is told the accepted line before the prompt closes: requests it
    starts need not wait for the screen below to repaint. A prompt kept installed (shown
    again and again) asks afresh each time.
    """

    DEFAULT_CSS = """
    InputPrompt { align: center middle; }
    InputPrompt > Vertical { width: 72; height: auto; border: round $accent; background: $surface; padding: 1 2; }
    InputPrompt Label { margin-bottom: 1; }
    InputPrompt #prompt-hint { color: $text-muted; margin-top: 1; }
    InputPrompt #prompt-error { color: $error; margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, title: str, *, value: str = "", placeholder: str = "", hint: str = "",
                 check: Callable[[str], str | None] | None = None,
                 submit: Callable[[str], object] | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.hint = hint
        self.check = check
        self.submit = submit

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, markup=False)
            yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input")
            yield Static("", id="prompt-error", markup=False)
            if self.hint:
                yield Static(self.hint, id="prompt-hint", markup=False)
        yield KeyBar()  # the dialog's keys, over the screen's below

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = False
        field.focus()

    def on_screen_resume(self) -> None:
        """Shown (again): the line and the error start as new."""
        self.query_one(Input).value = self.value
        self.query_one("#prompt-error", Static).update("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        problem = self.check(value) if self.check else None
        if problem:
            self.query_one("#prompt-error", Static).update(problem)
            return
        if self.submit is not None:
            self.submit(value)
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
