"""At start-up: what became of the edits the last run left waiting for the server's answer."""

from __future__ import annotations

from rich.text import Text
from textual.app import App

from tui.inert import inert_json, make_inert
from tui.journal import EditJournal, describe_diff
from tui.screens.choice import ChoiceScreen
from tui.screens.feedback import copy_text, report
from tui.screens.metadata_editor import diff_text
from tui.session.pending import CHANGED, LANDED, NOT_LANDED, PendingCheck, check_pending, send_again
from tui.session.writes import AlreadySaved, Conflict, SaveFailed


class PendingEdits:
    """Checks every pending edit, says which landed, and offers back each one that did not."""

    def __init__(self, app: App, journal: EditJournal) -> None:
        self.app = app
        self.journal = journal

    async def run(self) -> None:
        for check in await check_pending(self.app.client, self.journal):
            if check.outcome == LANDED:
                self.app.notify(f"An edit sent just before threadscope last quit did land: the metadata of "
                                f"{check.what} ({describe_diff(check.entry.before, check.entry.after)}).",
                                timeout=10, markup=False)
            elif check.outcome in (NOT_LANDED, CHANGED):
                answer = await self.app.push_screen_wait(self.question(check))
                await self.answered(check, answer)
            else:
                self.app.notify(f"Could not check whether an edit of the metadata of {check.what} landed before "
                                f"threadscope last quit ({check.error.describe()}); it is checked again at the next "
                                "start.", severity="warning", timeout=10, markup=False)

    def question(self, check: PendingCheck) -> ChoiceScreen:
        entry = check.entry
        body = Text("threadscope quit before the server answered, and the server does not hold this edit:\n\n")
        body.append_text(diff_text(entry.before, entry.after))
        choices = [("c", "Copy it as JSON", "copy"), ("k", "Drop it", "drop")]
        if check.outcome == NOT_LANDED:
            choices.insert(0, ("s", "Send it now", "send"))
        else:
            body.append("\n\nThe server's metadata changed since; it now holds:\n", style="bold")
            body.append(make_inert(inert_json(check.server)))
        return ChoiceScreen(f"An edit of the metadata of {check.what} did not land", body, choices,
                            cancel_value="drop")

    async def answered(self, check: PendingCheck, answer: str | None) -> None:
        entry = check.entry
        if answer == "copy":
            copy_text(self.app, "the edit that did not land", inert_json(entry.after))
        elif answer == "send":
            outcome = await send_again(self.app.client, self.journal, entry)
            if isinstance(outcome, SaveFailed):
                report(self.app, outcome.error)
            elif isinstance(outcome, Conflict):
                self.app.notify(f"Not sent: the metadata of {check.what} changed on the server meanwhile.",
                                severity="warning", markup=False)
            else:
                verb = "already held" if isinstance(outcome, AlreadySaved) else "saved"
                self.app.notify(f"The server {verb} the edit of the metadata of {check.what}.", markup=False)
