"""The browser's write keys: `e` / `E` edit metadata, `c` composes, `D` deletes an item, `u` undoes an edit.

Each key checks the selection and the read-only profile here, then opens its modal (imported
on first use: opening a thread loads no editor) or runs the session's write in a worker.
"""

from __future__ import annotations

from rich.text import Text
from textual import work

from tui.api.errors import ThreadscopeError
from tui.api.models import Item, Message
from tui.inert import one_line
from tui.journal import describe_diff, edit_target
from tui.screens.feedback import report


class WriteKeys:
    """Mixed into BrowserScreen: it has `session`, `settings`, `store`, `thread_id`, `is_conversation`,
    `run_page` and `_nothing_selected`."""

    def _read_only(self) -> bool:
        if self.settings.read_only:
            self.notify(f"Edits, compose, delete and undo are off: {self.settings.read_only_reason()}.",
                        severity="warning", markup=False)
            return True
        return False

    def action_edit_metadata(self) -> None:
        message = self.store.selected
        if isinstance(message, Item) or (message is None and self.is_conversation):
            self._offer_owner_edit()
            return
        if message is None:
            self._nothing_selected()
            return
        if self._read_only():
            return
        from tui.screens.metadata_editor import MetadataEditor

        self.app.push_screen(MetadataEditor(self.session.writes, message))  # a save updates the store itself

    def _offer_owner_edit(self) -> None:
        """`e` on an item: items carry no metadata; the conversation's is one key away."""
        from tui.screens.choice import ChoiceScreen

        def answered(choice: str | None) -> None:
            if choice == "edit":
                self.action_edit_owner_metadata()

        self.app.push_screen(
            ChoiceScreen("Items carry no metadata", Text(
                f"The Conversations API keeps metadata on the conversation, not on its items.\n"
                f"E edits the metadata of {self.thread_id}."),
                [("E", "Edit the conversation's metadata", "edit"), ("b", "Back", "back")], cancel_value="back"),
            answered,
        )

    def action_edit_owner_metadata(self) -> None:
        if not self._read_only():
            self.open_owner_editor()

    @work(exclusive=True, group="owner")
    async def open_owner_editor(self) -> None:
        """`E`: read the thread or conversation now, then edit its metadata in the same modal."""
        from tui.screens.metadata_editor import MetadataEditor

        try:
            owner = await self.session.read_owner()
        except ThreadscopeError as exc:
            report(self.app, exc, f"Could not read {self.thread_id}; nothing was changed.")
            return
        self.app.push_screen(MetadataEditor(self.session.owner_writes, owner))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "delete_item" and not self.is_conversation:
            return False  # a thread's messages cannot be deleted: no key for it there
        return True

    def action_delete_item(self) -> None:
        if not self.is_conversation:  # reachable from the palette, which does not ask check_action
            self.notify("D deletes conversation items; a thread's messages cannot be deleted.", severity="warning",
                        markup=False)
            return
        item = self.store.selected
        if item is None:
            self._nothing_selected()
            return
        if self._read_only():
            return
        from tui.screens.choice import ChoiceScreen

        def answered(choice: str | None) -> None:
            if choice == "delete":
                self.run_delete()

        self.app.push_screen(ChoiceScreen(f"Delete item {item.id}?", delete_warning(item, self.settings.journal_path),
                                          [("k", "Keep it", "keep"), ("d", "Delete", "delete")], cancel_value="keep"),
                             answered)

    @work(exclusive=True, group="delete")
    async def run_delete(self) -> None:
        from tui.session import Deleted

        outcome = await self.session.delete_selected()
        if isinstance(outcome, Deleted):
            kept = f" Its JSON is kept in {self.settings.journal_path}." if outcome.entry else ""
            self.notify(f"Deleted {outcome.item.id}.{kept}", timeout=6, markup=False)
        else:
            report(self.app, outcome.error, outcome.headline)

    def action_compose(self) -> None:
        if self._read_only():
            return
        from tui.screens.compose import ComposeScreen

        def done(created: Message | None) -> None:
            if created is not None:
                self.run_page(lambda: self.session.show_created(created))

        self.app.push_screen(ComposeScreen(self.session.compose_flow(), self.thread_id), done)

    def action_undo_edit(self) -> None:
        if self._read_only():
            return
        try:
            entry = self.session.last_edit()
        except OSError as exc:
            self.notify(f"Could not read the edit journal: {exc.strerror}", severity="warning", markup=False)
            return
        if entry is None:
            self.notify(f"Nothing to undo in this {self.session.source.kind}.", severity="warning", markup=False)
        elif entry.run == self.session.journal.run:
            self.run_undo(entry)
        else:
            self._ask_before_undoing(entry)

    def _ask_before_undoing(self, entry) -> None:
        """An edit an earlier run made (or the CLI): say which and what undoing it sends; enter keeps it."""
        from tui.screens.choice import ChoiceScreen

        self.app.push_screen(
            ChoiceScreen(f"Undo an edit made before this session, of {edit_target(entry)}?", undo_warning(entry),
                         [("k", "Keep it", "keep"), ("u", "Undo it", "undo")], cancel_value="keep"),
            lambda choice: self.run_undo(entry) if choice == "undo" else None,
        )

    @work(exclusive=True, group="undo")
    async def run_undo(self, entry) -> None:
        from tui.journal import UndoRefused

        try:
            await self.session.undo_last_edit(entry)
        except UndoRefused as exc:
            self.notify(str(exc), severity="warning", timeout=8, markup=False)
            return
        except ThreadscopeError as exc:
            report(self.app, exc)
            return
        self.notify(f"Restored the metadata of {edit_target(entry)} ({describe_diff(entry.after, entry.before)}).",
                    timeout=6, markup=False)


def undo_warning(entry) -> Text:
    """What the undo question says: when the edit was made and what undoing it sends."""
    from tui.screens.metadata_editor import diff_text

    when = f"at {entry.at[:16].replace('T', ' ')} UTC" if entry.at else "earlier"
    body = Text(f"It was saved {when}, not in this session. "
                "Undoing it sends this change:\n\n")
    body.append_text(diff_text(entry.after, entry.before, removal_warning=False))
    return body


def delete_warning(item: Item, journal_path) -> Text:
    """What the delete confirmation says: which item, its first line, and where its JSON stays."""

    body = Text()
    body.append(f"{item.role or '?'}: ", style="bold")
    body.append(one_line(item.text, 200) or "(no text)")
    body.append("\n\nThe server cannot undo this and the item cannot be re-created with its id.\n")
    body.append("Its JSON is kept in the journal", style="bold")
    body.append(f" ({journal_path.name} in the data directory; the notice after deleting gives the full path).")
    return body
