"""The browser's side of find (mixed into BrowserScreen): the pane itself loads when first opened."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from tui.api.errors import ThreadscopeError
from tui.inert import make_inert
from tui.screens.feedback import report
from tui.widgets.message_list import short_id

if TYPE_CHECKING:
    from tui.find import Query
    from tui.screens.find import FindScreen
    from tui.session.found import Found


class FindKeys:
    """The browser's side of find: `ctrl+f` opens the pane, the find runs in the browser's worker,
    `]` / `[` step through its matches. Mixed into BrowserScreen (it has `session` and `run_page`)."""

    def around_label(self) -> str | None:
        """After a jump, the highlighted entry (not the one jumped to: `]`, `[`, `j` move on from it):
        its position in the thread when a find places it, else its short id."""
        store = self.session.store
        if store.around is None:
            return None
        known = self.session.highlighted_position()
        return known or f"{store.noun} {make_inert(short_id(store.selected_id or store.around))}…"

    find_pane: FindScreen | None = None  # made when first asked for, then kept (see _find_pane)

    def action_find(self) -> None:
        self.app.push_screen(self._find_pane())

    def _find_pane(self) -> FindScreen:
        """The find pane, made once and kept installed while this browser lives, as `o`'s prompt is.

        Closing a kept pane into a jump repaints the browser; closing a new one removed its
        widgets and laid the whole browser out again. Reopened, it shows the last find.
        """
        if self.find_pane is None:
            from tui.screens.find import FindScreen  # not imported at start: most runs never open it

            self.find_pane = FindScreen(self.session, self.start_find, self.cancel_find, self.find_running,
                                        self.jump_to_found)
            self.app.install_screen(self.find_pane, f"find-pane-{id(self)}")
        return self.find_pane

    def jump_to_found(self, entry_id: str) -> None:
        self.run_page(lambda: self.session.jump_to(entry_id))

    def start_find(self, query: Query, text: str) -> None:
        found = self.session.new_find(text)  # the pane starts afresh now, not when the worker first runs
        self._find_changed()
        self.run_find(query, found)

    @work(exclusive=True, group="find")
    async def run_find(self, query: Query, found: Found) -> None:
        """The find streams here, not in its pane: `]` / `[` go on working once the pane is closed."""
        try:
            await self.session.run_find(query, found, self._find_changed)
        except ThreadscopeError as exc:
            report(self.app, exc)

    def find_running(self) -> bool:
        return any(w.node is self and w.group == "find" and not w.is_finished for w in self.workers)

    def cancel_find(self) -> None:
        self.workers.cancel_group(self, "find")

    def _find_changed(self) -> None:
        pane = self.find_pane
        if pane is not None and pane in self.app.screen_stack:  # a closed pane catches up when shown again
            pane.show_found(rebuild=self.session.found.done)

    def action_next_match(self) -> None:
        self.run_page(lambda: self.session.step_match(1))

    def action_prev_match(self) -> None:
        self.run_page(lambda: self.session.step_match(-1))
