"""The modal frame the metadata editor and compose share: title, hint, problems, error box, status, buttons."""

from __future__ import annotations

from textual.containers import Vertical
from textual.message import Message as TextualMessage
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.api.errors import ThreadscopeError
from tui.api.models import Message


class FormModal(ModalScreen[Message | None]):
    """Answers the message the form saved or created, or None."""

    DEFAULT_CSS = """
    FormModal { align: center middle; }
    FormModal > Vertical { width: 100; max-width: 98%; height: auto; max-height: 95%; border: round $accent;
                           background: $surface; padding: 0 1; }
    FormModal .form-title { text-style: bold; padding: 1 0 0 0; }
    FormModal .form-hint { color: $text-muted; }
    FormModal .form-problems { color: $error; height: auto; }
    FormModal .form-error { color: $error; border: tall $error; padding: 0 1; height: auto; }
    FormModal .form-status { color: $text-muted; height: auto; }
    FormModal .form-buttons { height: auto; align-horizontal: right; padding-bottom: 1; }
    FormModal .form-buttons Button { margin-left: 2; }
    """

    class Settled(TextualMessage):
        """A request the form sent has its answer (`landed`: the server holds the write); `what` says it."""

        def __init__(self, landed: bool, what: str) -> None:
            super().__init__()
            self.landed = landed
            self.what = what

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0  # requests sent and not yet answered

    def busy(self) -> bool:
        """A write is on its way: quitting now would leave its outcome unknown."""
        return self.in_flight > 0

    def settled(self, landed: bool, what: str) -> None:
        self.app.post_message(self.Settled(landed, what))

    def close(self, result: Message | None) -> None:
        """Dismiss this form, first answering any question still open over it (a save that lands ends them)."""
        for screen in reversed(self.app.screen_stack):
            if screen is self:
                break
            screen.dismiss(getattr(screen, "cancel_value", None))
        self.dismiss(result)

    def set_status(self, text: str) -> None:
        self.query_one(".form-status", Static).update(text)

    def show_failure(self, headline: str, error: ThreadscopeError, hint: str) -> None:
        """What failed, the server's error, and what the user can do now; the edit stays."""
        box = self.query_one(".form-error", Static)
        box.update(f"{headline}\n{error.describe()}\n{hint}")
        box.display = True
        self.call_after_refresh(self.fit_to_screen)

    def hide_failure(self) -> None:
        self.query_one(".form-error", Static).display = False
        self.call_after_refresh(self.fit_to_screen)

    def on_resize(self) -> None:
        self.call_after_refresh(self.fit_to_screen)

    def spare_lines(self) -> int:
        """Lines the form could still grow by on this screen (negative: that many are cut off below)."""
        form = self.query_one(Vertical)
        limit = int(self.size.height * 0.95) - form.styles.gutter.height  # its max-height, less border
        return limit - sum(child.outer_size.height for child in form.children if child.display)

    def fit_to_screen(self) -> None:
        """Give the flexible part (the text, the pairs) the lines the rest leaves: the buttons stay on screen."""
