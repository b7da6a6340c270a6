"""The metadata editor (`e`): rows or raw JSON, live validation, a diff before sending, a stale guard.

Modify replaces the whole metadata object, so this screen is careful: it shows what will be
added, changed and removed before anything is sent; it re-reads the message just before
sending and refuses to overwrite a change made elsewhere without asking; the edit is written
to the journal before the request goes out; and when a save fails the edit stays here, with
the server's error, until the user retries, copies it out or throws it away.
"""

from __future__ import annotations

import json

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static, TextArea

from tui.api.errors import ThreadscopeError
from tui.api.models import Message
from tui.api.validation import RowProblem, metadata_problems, row_problems, rows_to_metadata
from tui.inert import inert_json, make_inert
from tui.journal import describe_diff, metadata_diff
from tui.screens.choice import ChoiceScreen
from tui.screens.feedback import copy_text
from tui.screens.form import FormModal
from tui.session.writes import AlreadySaved, Conflict, MetadataWrites, Saved, SaveFailed
from tui.widgets.key_bar import KeyBar
from tui.widgets.key_value import LIMITS_HINT, KeyValueEditor, PairFormActions


class DuplicateKey(ValueError):
    pass


def parse_metadata_json(text: str) -> tuple[dict[str, str] | None, list[str]]:
    """(metadata, problems) for the raw editor's text; metadata is None when it cannot be used."""
    def no_duplicates(pairs):
        seen = {}
        for key, value in pairs:
            if key in seen:
                raise DuplicateKey(f"key {key!r} appears twice")
            seen[key] = value
        return seen

    if not text.strip():
        return {}, []
    try:
        value = json.loads(text, object_pairs_hook=no_duplicates)
    except DuplicateKey as exc:
        return None, [str(exc)]
    except json.JSONDecodeError as exc:
        return None, [f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"]
    problems = [p.message for p in metadata_problems(value)]
    return (value if not problems else None), problems


def diff_text(before: dict[str, str], after: dict[str, str], *, removal_warning: bool = True) -> Text:
    """Added / changed / removed keys, one per line, values shown inert."""
    added, changed, removed = metadata_diff(before, after)
    text = Text()

    def value(v: str) -> str:
        shown = make_inert(v)
        return shown if len(shown) <= 60 else shown[:57] + "…"

    for key in added:
        text.append("+ ", style="bold green")
        text.append(make_inert(key), style="bold")
        text.append(f" = {value(after[key])}\n")
    for key in changed:
        text.append("~ ", style="bold yellow")
        text.append(make_inert(key), style="bold")
        text.append(f" : {value(before[key])} → {value(after[key])}\n")
    for key in removed:
        text.append("- ", style="bold red")
        text.append(make_inert(key), style="bold strike")
        text.append(f" (was {value(before[key])})\n")
    kept = len([k for k in after if k in before and before[k] == after[k]])
    text.append(f"\n{kept} key{'' if kept == 1 else 's'} unchanged.", style="dim")
    if removed and removal_warning:
        text.append(
            f"\nThis save REMOVES {len(removed)} key{'' if len(removed) == 1 else 's'} from the server: "
            f"{', '.join(make_inert(k) for k in removed)}.",
            style="bold red",
        )
    return text


class MetadataEditor(PairFormActions, FormModal):
    """Answers the saved message (re-read from the server), or None when nothing was saved."""

    DEFAULT_CSS = """
    MetadataEditor #editor-raw { height: 16; }
    """
    BINDINGS = [
        Binding("ctrl+n", "add_row", "Add pair", id="editor.add_row", priority=True),
        Binding("ctrl+d", "delete_row", "Delete pair", id="editor.delete_row", priority=True),
        # Not priority: keys that read the edit go through the focused field after the keys typed before them
        # (a priority binding acts at once, ahead of text still on its way: ctrl+s then sent a half-typed edit).
        Binding("ctrl+r", "toggle_raw", "Raw JSON", id="editor.toggle_raw"),
        Binding("ctrl+s", "save", "Save", id="editor.save"),
        Binding("ctrl+o", "copy_json", "Copy JSON", id="editor.copy_json"),
        # Priority: the raw JSON text area would otherwise take the first escape (to let go of focus).
        Binding("escape", "cancel", "Cancel", id="editor.cancel", priority=True),
        # Priority, so focus moves when the key arrives: text typed right after tab (fast, or
        # pasted) then lands in the next field instead of the one being left.
        Binding("tab", "next_field", "Next field", show=False, priority=True, id="editor.next_field"),
        Binding("shift+tab", "previous_field", "Previous field", show=False, priority=True,
                id="editor.previous_field"),
    ]

    def __init__(self, writes: MetadataWrites, message: Message) -> None:
        super().__init__()
        self.writes = writes
        self.message = message
        self.original = dict(message.metadata_dict)
        self.baseline = dict(self.original)  # what the server held when we last looked
        self.raw_mode = False
        self.saving = False
        self.diff_question: ChoiceScreen | None = None  # the diff, while it is asked

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"Edit metadata · {make_inert(self.message.id)}"), id="editor-title", classes="form-title")
            yield Static(
                Text("Saving replaces the whole metadata object. "
                     "ctrl+n add · ctrl+d delete pair · tab next field · ctrl+r raw JSON · ctrl+s save · esc cancel\n"
                     + LIMITS_HINT),
                id="editor-hint", classes="form-hint",
            )
            yield KeyValueEditor(self.original, id="editor-rows")
            area = TextArea("", id="editor-raw", language="json", show_line_numbers=True, tab_behavior="indent")
            area.display = False
            yield area
            yield Static("", id="editor-problems", classes="form-problems", markup=False)
            error = Static("", id="editor-error", classes="form-error", markup=False)
            error.display = False
            yield error
            yield Static("", id="editor-status", classes="form-status", markup=False)
            with Horizontal(id="editor-buttons", classes="form-buttons"):
                yield Button("Save  ctrl+s", id="editor-save", variant="primary", disabled=True)
                yield Button("Cancel  esc", id="editor-cancel")
        yield KeyBar()  # the editor's keys, over the browser's below

    def fit_to_screen(self) -> None:
        # The pairs scroll in what the title, hint, errors, status and buttons leave (Save stays on an 80×24 screen).
        pairs = self.query_one(KeyValueEditor)
        if not pairs.display:
            return  # the raw JSON editor is shown: the pairs are sized when they come back
        pairs.styles.max_height = max(3, min(20, pairs.outer_size.height + self.spare_lines()))

    def on_mount(self) -> None:
        editor = self.query_one(KeyValueEditor)
        if editor.rows:
            editor.rows[0].value_input.focus()
        self.revalidate()

    # -- the current edit --------------------------------------------------------------------

    def current(self) -> tuple[dict[str, str] | None, list[str], list[RowProblem]]:
        """(metadata to send or None, problems as text, row problems for marking)."""
        if self.raw_mode:
            metadata, problems = parse_metadata_json(self.query_one("#editor-raw", TextArea).text)
            return metadata, problems, []
        pairs = self.query_one(KeyValueEditor).pairs()
        row_issues = row_problems(pairs)
        if row_issues:
            return None, [p.message for p in row_issues], row_issues
        return rows_to_metadata(pairs), [], []

    def changed(self) -> bool:
        metadata, problems, _ = self.current()
        return bool(problems) or metadata != self.original

    def has_unsaved(self) -> bool:
        return self.changed()

    def busy(self) -> bool:
        # From the answer "send" on: its callback, then the worker that counts the request, may not have run yet.
        # (With a question over the editor — a stale edit — nothing is on its way.)
        sent = self.diff_question is not None and self.diff_question.answered_with == "send"
        return super().busy() or sent or (self.saving and self.app.screen is self)

    def revalidate(self) -> None:
        metadata, problems, row_issues = self.current()
        self.query_one(KeyValueEditor).mark(row_issues)
        self.query_one("#editor-raw", TextArea).set_class(bool(problems) and self.raw_mode, "-invalid")
        self.query_one("#editor-problems", Static).update("\n".join(f"✗ {p}" for p in problems))
        self.query_one("#editor-save", Button).disabled = bool(problems) or self.saving
        status = self.query_one("#editor-status", Static)
        if self.saving:
            return
        if metadata is None:  # a count or diff here would contradict the problems above
            status.update("Nothing can be saved until the problems above are fixed.")
            return
        change = describe_diff(self.baseline, metadata)
        status.update(f"{len(metadata)} pair{'' if len(metadata) == 1 else 's'} · {change}")

    def on_input_changed(self, event: Input.Changed) -> None:
        self.revalidate()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.revalidate()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "editor-save":
            self.action_save()
        elif event.button.id == "editor-cancel":
            self.action_cancel()

    # -- actions -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("add_row", "delete_row", "next_field", "previous_field") and self.raw_mode:
            return False  # let the text area have its keys
        return True

    def action_toggle_raw(self) -> None:
        rows = self.query_one(KeyValueEditor)
        area = self.query_one("#editor-raw", TextArea)
        metadata, problems, _ = self.current()
        if metadata is None:
            where = "JSON" if self.raw_mode else "pairs"
            self.notify(f"Fix the {where} first: {problems[0]}", severity="warning", markup=False)
            return
        if self.raw_mode:
            rows.set_pairs(metadata)
        else:
            area.load_text(inert_json(metadata))  # C1 and bidi as \u escapes: same JSON, nothing hidden
        self.raw_mode = not self.raw_mode
        rows.display = not self.raw_mode
        area.display = self.raw_mode
        self.call_after_refresh(self.fit_to_screen)
        if self.raw_mode:
            area.focus()
        elif rows.rows:
            self.call_after_refresh(rows.rows[0].key_input.focus)
        self.revalidate()

    def action_copy_json(self) -> None:
        if self.raw_mode:
            text = self.query_one("#editor-raw", TextArea).text
        else:
            text = inert_json(rows_to_metadata(self.query_one(KeyValueEditor).pairs()))
        copy_text(self.app, "the edited metadata JSON", text)

    def action_cancel(self) -> None:
        if self.saving:
            self.notify("Saving… wait for the server's answer.", severity="warning", markup=False)
            return
        if not self.changed():
            self.dismiss(None)
            return

        def answered(choice: str | None) -> None:
            if choice == "discard":
                self.dismiss(None)

        self.app.push_screen(
            ChoiceScreen("Discard your changes?", Text("Your edit has not been saved. ctrl+o copies it first."),
                         [("k", "Keep editing", "keep"), ("d", "Discard", "discard")], cancel_value="keep"),
            answered,
        )

    def action_save(self) -> None:
        if self.saving:
            self.notify("Already saving: nothing is sent twice.", severity="warning", markup=False)
            return
        metadata, problems, _ = self.current()
        if metadata is None:
            self.notify(f"Cannot save: {problems[0]}", severity="error", markup=False)
            return
        if metadata == self.baseline:
            self.notify("Nothing to save: the metadata is unchanged.", markup=False)
            return

        def answered(choice: str | None) -> None:
            self.diff_question = None
            if choice == "send" and not self.saving:
                self.saving = True
                self.revalidate()
                self.send(metadata)

        added, changed, removed = metadata_diff(self.baseline, metadata)
        title = f"Save metadata of {self.message.id}?"
        if removed:
            title += f"  It removes {len(removed)} key{'' if len(removed) == 1 else 's'}."
        self.diff_question = ChoiceScreen(title, diff_text(self.baseline, metadata),
                                          [("s", "Send", "send"), ("b", "Back to editing", "back")],
                                          cancel_value="back")
        self.app.push_screen(
            self.diff_question,
            answered,
        )

    # -- sending -----------------------------------------------------------------------------

    def _finish_failed(self, error: ThreadscopeError, headline: str) -> None:
        self.saving = False
        self.show_failure(headline, error, "Your edit is kept here: ctrl+s tries again, ctrl+o copies it as JSON, esc discards it.")
        self.revalidate()

    @work(exclusive=True, group="metadata-save")
    async def send(self, metadata: dict[str, str]) -> None:
        self.hide_failure()
        self.set_status("Checking the server's copy…")
        self.in_flight += 1
        try:
            outcome = await self.writes.save(self.message.id, self.baseline, metadata)
        finally:
            self.in_flight -= 1
        if isinstance(outcome, Conflict):
            self.settled(False, f"the metadata of {self.message.id} changed on the server; the editor asks what to do")
            # Ask, without holding a worker open on the dialog; the answer continues the save.
            server = outcome.current.metadata_dict
            self.app.push_screen(self._conflict_screen(server, metadata),
                                 lambda choice: self._conflict_answered(choice, outcome.current, metadata))
            return
        self._finish(outcome)

    def _finish(self, outcome: Saved | AlreadySaved | SaveFailed) -> None:
        message = self.message
        if isinstance(outcome, SaveFailed):
            self._finish_failed(outcome.error, outcome.headline)
            self.settled(False, f"saving the metadata of {message.id} failed; the edit is kept in the editor")
            return
        self.saving = False
        self.settled(True, f"Saved the metadata of {message.id}.")
        if isinstance(outcome, AlreadySaved):
            # E.g. a retry after a timeout whose request did land: nothing left to send.
            self.app.notify(f"The server already holds this metadata for {message.id}.", markup=False)
            self.close(outcome.message)
            return
        change = describe_diff(outcome.before, outcome.after)
        if outcome.message is None:
            self.app.notify(f"Saved the metadata of {message.id} ({change}), "
                            "but could not re-read it: press R to refresh.", severity="warning", markup=False)
            self.close(None)
            return
        now = outcome.message.metadata_dict
        shown = ", ".join(f"{k}={v}" for k, v in now.items())
        if len(shown) > 160:
            shown = shown[:159] + "…"
        self.app.notify(
            make_inert(f"Saved metadata of {message.id}: {change}.\n"
                       f"Now {len(now)} pair{'' if len(now) == 1 else 's'}" + (f": {shown}" if now else ".")),
            timeout=6, markup=False,
        )
        self.close(outcome.message)

    def _conflict_answered(self, choice: str | None, current: Message, metadata: dict[str, str]) -> None:
        server = current.metadata_dict
        if choice == "overwrite":
            self.overwrite(current, metadata)
            return
        self.saving = False
        if choice == "reload":
            self.baseline = dict(server)
            self.original = dict(server)
            self._load(server)
            self.notify("Loaded the server's metadata; your edit was dropped.", severity="warning", markup=False)
            return
        self.baseline = dict(server)
        self.set_status("")
        self.revalidate()
        self.query_one("#editor-problems", Static).update(
            Text.assemble(("The server's metadata changed while you edited:\n", "bold"))
            + diff_text(self.original, server, removal_warning=False)
            + Text("\nMerge by hand, then ctrl+s (the diff will be against the server's new state)."))

    @work(exclusive=True, group="metadata-save")
    async def overwrite(self, current: Message, metadata: dict[str, str]) -> None:
        self.set_status("Saving…")
        self.in_flight += 1
        try:
            outcome = await self.writes.overwrite(current, metadata)
        finally:
            self.in_flight -= 1
        self._finish(outcome)

    def _conflict_screen(self, server: dict[str, str], mine: dict[str, str]) -> ChoiceScreen:
        body = Text()
        body.append("Changed on the server since you opened the editor:\n", style="bold")
        body.append_text(diff_text(self.original, server, removal_warning=False))
        body.append("\n\nYour edit (dropped if you reload):\n", style="bold")
        body.append_text(diff_text(self.original, mine, removal_warning=False))
        body.append("\n\nOverwrite sends your metadata as it is, replacing the server's change.", style="dim")
        return ChoiceScreen(
            f"The metadata of {self.message.id} changed on the server",
            body,
            [("b", "Back: merge by hand", "back"), ("o", "Overwrite", "overwrite"), ("r", "Reload theirs", "reload")],
            cancel_value="back",
        )

    def _load(self, metadata: dict[str, str]) -> None:
        if self.raw_mode:
            self.query_one("#editor-raw", TextArea).load_text(inert_json(metadata))
        else:
            self.query_one(KeyValueEditor).set_pairs(metadata)
        self.revalidate()
