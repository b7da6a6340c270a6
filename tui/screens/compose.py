"""Compose (`c`): post a user message with optional metadata, or add a conversation item with a
role chosen here (`user` by default), and never post it twice by accident.

The sending itself (once, and never blindly again) is the session's ComposeFlow.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Select, Static, TextArea

from tui.api.validation import row_problems, rows_to_metadata
from tui.inert import make_inert
from tui.screens.choice import ChoiceScreen
from tui.screens.form import FormModal
from tui.session.writes import ComposeFlow, SendFailed
from tui.widgets.key_bar import KeyBar
from tui.widgets.key_value import KeyValueEditor, PairFormActions


class ComposeScreen(PairFormActions, FormModal):
    """Answers the created message or item, or None."""

    DEFAULT_CSS = """
    ComposeScreen #compose-text { height: 12; }
    ComposeScreen #compose-meta-label { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        # Not priority: it must act after the text typed before it has reached the text area (a paste, a burst).
        Binding("ctrl+s", "send", "Send", id="compose.send"),
        Binding("ctrl+n", "add_row", "Add metadata pair", id="compose.add_row", priority=True),
        Binding("ctrl+d", "delete_row", "Delete pair", id="compose.delete_row", priority=True),
        Binding("escape", "cancel", "Cancel", id="compose.cancel"),
        # Priority, so focus moves when the key arrives: text typed right after tab (fast, or
        # pasted) then lands in the next field instead of the one being left.
        Binding("tab", "next_field", "Next field", show=False, priority=True, id="compose.next_field"),
        Binding("shift+tab", "previous_field", "Previous field", show=False, priority=True,
                id="compose.previous_field"),
    ]

    def __init__(self, flow: ComposeFlow, thread_id: str) -> None:
        super().__init__()
        self.flow = flow
        self.thread_id = thread_id
        self.sending = False
        self.roles = flow.source.roles
        self.with_metadata = flow.source.entries_have_metadata
        self.word = flow.source.entry_word

    def compose(self) -> ComposeResult:
        with Vertical():
            title = "New user message" if self.with_metadata else "New item"
            yield Static(Text(f"{title} · {make_inert(self.thread_id)}"), id="compose-title", classes="form-title")
            hint = ("ctrl+s send · ctrl+n add a metadata pair · ctrl+d delete pair · esc cancel" if self.with_metadata
                    else "ctrl+s send · tab role · esc cancel · items carry no metadata (E edits the conversation's)")
            yield Static(hint, id="compose-hint", classes="form-hint", markup=False)
            yield TextArea("", id="compose-text", tab_behavior="focus", soft_wrap=True)
            if len(self.roles) > 1:
                yield Select([(role, role) for role in self.roles], value=self.roles[0], allow_blank=False,
                             id="compose-role", prompt="Role")
            rows = KeyValueEditor({}, id="compose-rows", empty_text="No metadata. ctrl+n adds a pair.")
            if self.with_metadata:
                yield Static("Metadata (optional)", id="compose-meta-label", markup=False)
            else:
                rows.display = False
            yield rows
            yield Static("", id="compose-problems", classes="form-problems", markup=False)
            error = Static("", id="compose-error", classes="form-error", markup=False)
            error.display = False
            yield error
            yield Static("", id="compose-status", classes="form-status", markup=False)
            with Horizontal(id="compose-buttons", classes="form-buttons"):
                yield Button("Send  ctrl+s", id="compose-send", variant="primary", disabled=True)
                yield Button("Cancel  esc", id="compose-cancel")
        yield KeyBar()  # compose's keys, over the browser's below

    def fit_to_screen(self) -> None:
        # The text area gives up lines (it scrolls) before the buttons leave an 80×24 screen, error shown or not.
        area = self.query_one("#compose-text", TextArea)
        area.styles.height = max(3, min(12, area.outer_size.height + self.spare_lines()))

    def on_mount(self) -> None:
        self.query_one("#compose-text", TextArea).focus()
        self.revalidate()

    def has_unsaved(self) -> bool:
        return bool(self.query_one("#compose-text", TextArea).text.strip())

    def busy(self) -> bool:
        return super().busy() or self.sending  # from ctrl+s on, before the worker counts its request

    def problems(self) -> list[str]:
        problems = []
        if not self.query_one("#compose-text", TextArea).text.strip():
            problems.append("the message is empty")
        rows = self.query_one(KeyValueEditor)
        issues = row_problems(rows.pairs())
        rows.mark(issues)
        problems += [p.message for p in issues]
        return problems

    def revalidate(self) -> None:
        problems = self.problems()
        text = self.query_one("#compose-text", TextArea).text
        shown = [p for p in problems if p != "the message is empty" or text]
        self.query_one("#compose-problems", Static).update("\n".join(f"✗ {p}" for p in shown))
        self.query_one("#compose-send", Button).disabled = bool(problems) or self.sending

    def on_input_changed(self, event: Input.Changed) -> None:
        self.revalidate()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.revalidate()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "compose-send":
            self.action_send()
        elif event.button.id == "compose-cancel":
            self.action_cancel()

    def action_cancel(self) -> None:
        if self.sending:
            self.notify("Sending… wait for the server's answer.", severity="warning", markup=False)
            return
        if not self.query_one("#compose-text", TextArea).text.strip():
            self.dismiss(None)
            return

        def answered(choice: str | None) -> None:
            if choice == "discard":
                self.dismiss(None)

        self.app.push_screen(
            ChoiceScreen(f"Discard this {self.word}?", Text("It has not been sent."),
                         [("k", "Keep writing", "keep"), ("d", "Discard", "discard")], cancel_value="keep"),
            answered,
        )

    def action_send(self) -> None:
        if self.sending:
            return  # one request at a time: a second ctrl+s while one is in flight sends nothing
        problems = self.problems()
        if problems:
            self.notify(f"Cannot send: {problems[0]}", severity="error", markup=False)
            return
        self.sending = True
        self.revalidate()
        content = self.query_one("#compose-text", TextArea).text
        metadata = rows_to_metadata(self.query_one(KeyValueEditor).pairs()) if self.with_metadata else {}
        self.send(content, metadata, self.role())

    def role(self) -> str:
        """The role chosen in the form (`user` unless changed)."""
        chosen = self.query("#compose-role")
        if not chosen:
            return self.roles[0]
        value = chosen.first(Select).value
        return value if isinstance(value, str) else self.roles[0]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("add_row", "delete_row") and not self.with_metadata:
            return False  # items carry no metadata
        return True

    @work(exclusive=True, group="compose-send")
    async def send(self, content: str, metadata: dict[str, str], role: str = "user") -> None:
        self.hide_failure()
        self.set_status("The last attempt may have reached the server: looking for it first…" if self.flow.uncertain
                     else "Sending…")
        self.in_flight += 1
        try:
            outcome = await self.flow.send(content, metadata, role)
        finally:
            self.in_flight -= 1
        if isinstance(outcome, SendFailed):
            self._fail(outcome)
            self.settled(False, f"sending the {self.word} failed; the text is kept in compose")
            return
        self.sending = False
        self.settled(True, f"Posted {outcome.message.id}.")
        if outcome.earlier:
            self.app.notify(f"The earlier attempt did create it: {outcome.message.id}. Nothing was sent again.",
                            markup=False, timeout=6)
        else:
            self.app.notify(f"Posted {outcome.message.id}.", timeout=4, markup=False)
        self.close(outcome.message)

    def _fail(self, failure: SendFailed) -> None:
        self.sending = False
        hint = (f"ctrl+s checks the {self.flow.source.kind} for it before sending again." if failure.uncertain
                else "Your text is kept: ctrl+s tries again.")
        self.show_failure(failure.headline, failure.error, hint)
        self.set_status("")
        self.revalidate()
