"""The browser: a page of a thread's messages or a conversation's items on the left, the highlighted one in full on the right.

It renders the session's store and turns keys into calls on the session (tui/session); IO
runs in workers that await the session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen

from tui.api.models import Item, Message
from tui.config import Settings
from tui.ids import id_problem, is_owner_id
from tui.screens.feedback import copy_text, report
from tui.screens.find_keys import FindKeys
from tui.screens.navigation import OpenMigrated, OpenThread, ShowLedger
from tui.screens.write_keys import WriteKeys
from tui.session import ConversationSource, LoadFailed, Notice, Session, SessionEvent
from tui.store import BrowserStore, Change
from tui.widgets.key_bar import KeyBar
from tui.widgets.message_detail import MessageDetail
from tui.widgets.message_list import MessageList
from tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from tui.screens.prompt import InputPrompt


def parse_filter(text: str) -> dict[str, str] | str:
    """`key=value key2=value2` as a dict, or a message saying what is wrong."""
    result: dict[str, str] = {}
    for part in text.split():
        key, sep, value = part.partition("=")
        if not sep or not key:
            return f"{part!r} is not key=value"
        result[key] = value
    return result


NARROW_BELOW = 100  # columns: a narrower terminal stacks the list above the detail pane


def list_rows(width: int, height: int) -> int:
    """The rows the message list shows in a terminal of this size, by the CSS below: the status
    and key bars take a row each; narrow, the list has 2/5 of the rest, less its bottom border."""
    panes = height - 2
    return panes if width >= NARROW_BELOW else panes * 2 // 5 - 1


class BrowserScreen(FindKeys, WriteKeys, Screen):
    """One thread's messages or one conversation's items, paged; every key of CONTRACT §4."""

    DEFAULT_CSS = """
    BrowserScreen #panes { height: 1fr; }
    BrowserScreen MessageList { width: 1fr; min-width: 40; border-right: vkey $panel-lighten-2; }
    BrowserScreen MessageDetail { width: 1fr; }
    BrowserScreen.-narrow #panes { layout: vertical; }
    BrowserScreen.-narrow MessageList { width: 1fr; height: 2fr; min-width: 0; border-right: none; border-bottom: hkey $panel-lighten-2; }
    BrowserScreen.-narrow MessageDetail { width: 1fr; height: 3fr; }
    BrowserScreen MessageList:focus, BrowserScreen MessageDetail:focus { background-tint: $foreground 3%; }
    """

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="cursor_down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="cursor_up"),
        Binding("n", "next_page", "Next page", id="next_page"),
        Binding("ctrl+f", "find", "Find in thread", id="find"),
        Binding("p", "prev_page", "Prev page", show=False, id="prev_page"),
        Binding("g", "first_page", "First", show=False, id="first_page"),
        Binding("G", "last_page", "Last", show=False, id="last_page"),
        Binding("s", "toggle_order", "Order", show=False, id="toggle_order"),
        Binding("f", "filter", "Filter", id="filter"),
        Binding("enter", "focus_detail", "Detail", show=False, id="focus_detail"),
        Binding("escape", "back", "Back", show=False, id="back"),
        Binding("r", "toggle_raw", "Raw JSON", id="toggle_raw"),
        Binding("e", "edit_metadata", "Edit metadata", id="edit_metadata"),
        Binding("E", "edit_owner_metadata", "Edit thread/conversation metadata", show=False, id="edit_owner_metadata"),
        Binding("D", "delete_item", "Delete item", id="delete_item"),  # shown in conversations only
        Binding("c", "compose", "Compose", id="compose"),
        Binding("u", "undo_edit", "Undo edit", show=False, id="undo_edit"),
        Binding("i", "copy_id", "Copy id", id="copy_id"),
        Binding("y", "copy_menu", "Copy…", id="copy_menu"),
        Binding("slash", "search", "Search", id="search"),
        Binding("R", "refresh", "Refresh", show=False, id="refresh"),
        Binding("o", "open_thread", "Open", show=False, id="open_thread"),
        Binding("right_square_bracket", "next_match", "Next match", show=False, id="next_match"),
        Binding("left_square_bracket", "prev_match", "Previous match", show=False, id="prev_match"),
        Binding("M", "migrate", "Migrate", show=False, id="migrate"),
        Binding("O", "open_migrated", "Open its conversation", show=False, id="open_migrated"),
    ]

    def __init__(self, session: Session, settings: Settings, *, start_at: str | None = None) -> None:
        super().__init__()
        self.session = session
        self.start_at = start_at  # a message or item to open the thread at (`open --message`)
        self.settings = settings
        self.auto_size = settings.page_size == "auto"
        self.search_term: str | None = None
        self.poll_timer = None  # the auto-refresh interval, when configured
        self._detail_due = False  # a detail render is queued for after the next paint
        self.open_prompt: InputPrompt | None = None  # `o`'s, kept once made (see _open_prompt)
        session.store.subscribe(self._on_store_change)
        session.subscribe(self._on_session_event)

    @property
    def store(self) -> BrowserStore:
        return self.session.store

    @property
    def thread_id(self) -> str:
        """The open thread's or conversation's id."""
        return self.session.source.id

    @property
    def noun(self) -> str:
        return self.session.source.entry_word

    @property
    def is_conversation(self) -> bool:
        return isinstance(self.session.source, ConversationSource)

    def describe_key(self, binding: Binding) -> str:
        """What a key does, in the words of what is open: "Find in conversation" in a conversation."""
        kind = self.session.source.kind
        if binding.id == "find":
            return f"Find in {kind}"
        if binding.id == "edit_owner_metadata":
            return f"Edit {kind} metadata"
        if binding.id == "compose" and self.is_conversation:
            return "New item"  # the form's own title: a conversation takes items of any role
        return binding.description

    def _nothing_selected(self) -> None:
        self.notify(f"No {self.noun} selected.", severity="warning", markup=False)

    def compose(self) -> ComposeResult:
        # Narrow or wide from the start: switching once mounted restyles every widget.
        self.set_class(self.app.size.width < NARROW_BELOW, "-narrow", update=False)
        yield StatusBar(id="status")
        with Horizontal(id="panes"):
            yield MessageList(id="messages")
            yield MessageDetail(id="detail", empty_text=f"Loading {self.noun}s…")  # not "none selected" yet
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(MessageList).focus()
        self.query_one(MessageDetail).owner_id = self.thread_id
        self._layout_for(self.size.width)
        self._render_status()
        if self.auto_size:
            # Asked for now, not after the first layout: the page can be in that layout's frame.
            self.session.set_page_size(list_rows(self.app.size.width, self.app.size.height))
        self.run_page(self._first_load)
        if self.settings.auto_refresh > 0:
            self.poll_timer = self.set_interval(self.settings.auto_refresh, self.poll_newest)

    def on_resize(self, event) -> None:
        self._layout_for(event.size.width)

    def _layout_for(self, width: int) -> None:
        self.set_class(width < NARROW_BELOW, "-narrow")

    @on(MessageList.RowsChanged)
    def _rows_changed(self, event: MessageList.RowsChanged) -> None:
        """Page size "auto": a page is as many rows as the list shows (1–100)."""
        if self.auto_size and self.session.set_page_size(event.rows):
            # The guess (list_rows) was wrong, or the terminal was resized: ask again at this size.
            first = not self.store.page and not self.store.error
            self.run_page(self._first_load if first else self.session.refresh)

    async def _first_load(self) -> None:
        """The first page, or the page around the message the thread was opened at."""
        if self.start_at is None or not await self.session.jump_to(self.start_at):
            await self.session.first()

    # -- store and session → widgets ---------------------------------------------------------

    def _on_store_change(self, what: Change) -> None:
        if what is Change.PAGE:
            detail = self.query_one(MessageDetail)
            noun = self.noun
            detail.empty_text = (
                f"No {noun}s here." + ("" if self.store.filter else f" Press c to {'compose' if noun == 'message' else 'add'} one.")
                if not self.store.page else f"No {noun} selected."
            )
            self.query_one(MessageList).show_page(self.store.page, self.store.selected_id)
            self._show_detail_soon()
        elif what is Change.SELECTION:
            self.query_one(MessageList).select_id(self.store.selected_id)
            self._show_detail_soon()
        elif what is Change.ERROR and not self.store.page:
            self.query_one(MessageDetail).empty_text = f"No {self.noun}s loaded."
            self._show_detail_soon()
        self._render_status()

    def _on_session_event(self, event: SessionEvent) -> None:
        if isinstance(event, Notice):
            self.notify(event.text, severity=event.severity, timeout=2, markup=False)
        elif isinstance(event, LoadFailed):
            report(self.app, event.error, event.headline)

    def _show_detail_soon(self) -> None:
        """The list is painted first; the detail pane follows after that frame.

        Rendering a message (Markdown, layout) takes several frames' time: done in the same
        frame, it held back the highlight and the new page. It shows whatever is selected when
        it runs, so keys held down render only the message they stop on.
        """
        if not self._detail_due:
            self._detail_due = True
            self._after_list_paint(self._show_detail)

    def _after_list_paint(self, callback: Callable[[], object]) -> None:
        """Run `callback` once the list's new rows are painted.

        Asked through the list, the request queues behind the list's own repaint; asked of the
        screen, it could run before the list had told the screen (seen after jumps: the detail
        pane rendered, and the read-ahead went out, before the page's frame).
        """
        lists = self.query(MessageList)  # none once the screen is closing
        (lists.first() if lists else self).call_after_refresh(callback)

    def _show_detail(self) -> None:
        self._detail_due = False
        detail = self.query(MessageDetail)
        if detail:  # not when the screen closed before its next frame
            detail.first().show(self.store.selected)

    def _render_status(self) -> None:
        settings = self.settings
        self.query_one(StatusBar).show(
            backend=settings.backend_label, backend_brief=settings.backend_brief, profile=settings.profile,
            workspace=settings.shown_workspace, where=self.thread_id,
            position=self.store.position_label(self.around_label()), loading=self.store.loading,
            error=self.store.error and (self.store.error_brief or self.store.error), family=self.session.source.family,
        )

    @on(MessageList.Highlighted, "#messages")
    def _highlighted(self, event: MessageList.Highlighted) -> None:
        self.session.select(event.message_id)

    @on(MessageList.Chosen, "#messages")
    def _chosen(self, event: MessageList.Chosen) -> None:
        self.action_focus_detail()

    # -- IO ----------------------------------------------------------------------------------

    @work(exclusive=True, group="page")
    async def run_page(self, call: Callable[[], Awaitable[object]]) -> None:
        """One paging call on the session; once its page is painted, the next one is fetched ahead."""
        await call()
        if not self.store.error:  # after a failure, the next try is the user's
            # After the paint: the read-ahead's answer, parsed earlier, would hold back this page's frame.
            self._after_list_paint(self.prefetch)

    @work(exclusive=True, group="prefetch")
    async def prefetch(self) -> None:
        await self.session.prefetch()

    def poll_newest(self) -> None:
        """Auto-refresh: only while the newest end is on show and this screen is the one seen."""
        if self.session.should_poll() and self.app.screen is self:
            self.run_page(self.session.refresh)

    # -- actions -----------------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_cursor_up(self) -> None:
        self._move(-1)

    def _move(self, step: int) -> None:
        if not self.session.move_within(step):  # past the page's edge: on to the next or previous page
            self.run_page(lambda: self.session.move(step))

    def action_next_page(self) -> None:
        self.run_page(self.session.next_page)

    def action_prev_page(self) -> None:
        self.run_page(self.session.prev_page)

    def action_first_page(self) -> None:
        self.run_page(self.session.first)

    def action_last_page(self) -> None:
        self.run_page(self.session.last)

    def action_toggle_order(self) -> None:
        self.session.toggle_order()

    def action_filter(self) -> None:
        if not self.session.source.entries_have_metadata:
            self.notify("Items carry no metadata to filter on; / searches the loaded items.", severity="warning",
                        markup=False)
            return
        current = " ".join(f"{k}={v}" for k, v in self.store.filter.items())

        def check(value: str) -> str | None:
            parsed = parse_filter(value)
            return parsed if isinstance(parsed, str) else None

        from tui.screens.prompt import InputPrompt  # prompts load when first asked for

        def apply(value: str | None) -> None:
            if value is None:
                return
            parsed = parse_filter(value)
            assert isinstance(parsed, dict)
            self.run_page(lambda: self.session.set_filter(parsed))

        self.app.push_screen(
            InputPrompt("Show only messages whose metadata has all of these pairs", value=current,
                        placeholder="key=value key2=value2", hint="Empty clears the filter.", check=check),
            apply,
        )

    def action_focus_detail(self) -> None:
        self.query_one(MessageDetail).focus()

    def action_back(self) -> None:
        detail = self.query_one(MessageDetail)
        if detail.has_focus:
            self.query_one(MessageList).focus()
        else:
            self.post_message(ShowLedger())

    def action_toggle_raw(self) -> None:
        detail = self.query_one(MessageDetail)
        detail.show(self.store.selected, raw=not detail.raw)

    def action_refresh(self) -> None:
        async def refresh_and_say() -> None:
            await self.session.refresh()
            if not self.store.error:  # a failure is reported where it happened
                self.notify(f"Refreshed: {self.store.position_label()}.", timeout=3, markup=False)

        self.run_page(refresh_and_say)

    def action_copy_id(self) -> None:
        message = self.store.selected
        if message is None:
            self._nothing_selected()
            return
        copy_text(self.app, f"{self.noun} id", message.id)

    def action_copy_menu(self) -> None:
        from tui.screens.copy_menu import CopyMenu, copy_choices

        message = self.store.selected
        if message is None:
            self._nothing_selected()
            return
        settings = self.settings

        def done(result: tuple[str, str] | None) -> None:
            if result:
                copy_text(self.app, *result)

        if isinstance(message, Item):
            from tui.screens.copy_menu import item_copy_choices

            compat = (settings.effective_compat_base_url if not settings.embedded
                      else "http://127.0.0.1:8765/compatible-mode/v1")
            choices = item_copy_choices(message, self.thread_id, compat or "", settings.workspace)
        else:
            base = settings.effective_base_url if not settings.embedded else "http://127.0.0.1:8765/api/v1"
            choices = copy_choices(message, base, settings.workspace)
        self.app.push_screen(CopyMenu(choices), done)

    def action_search(self) -> None:
        from tui.screens.prompt import InputPrompt

        def apply(term: str | None) -> None:
            if term:
                self.search_term = term
                self.jump_to_match(term)

        self.app.push_screen(
            InputPrompt(f"Search the loaded {self.noun}s (text, ids{', metadata' if self.noun == 'message' else ''})",
                        value=self.search_term or "",
                        hint="Enter jumps to the next match; / again to search again."),
            apply,
        )

    def matches(self, term: str) -> list[Message]:
        """Messages of the loaded page whose text, id or metadata contain `term` (case-insensitive)."""
        needle = term.casefold()
        found = []
        for message in self.store.page:
            haystack = " ".join([message.id, message.text, *(f"{k}={v}" for k, v in message.metadata_dict.items())])
            if needle in haystack.casefold():
                found.append(message)
        return found

    def jump_to_match(self, term: str) -> None:
        found = self.matches(term)
        if not found:
            self.notify(f"No loaded {self.noun} contains {term!r}.", severity="warning", markup=False)
            return
        ids = [m.id for m in found]
        current = self.store.selected_index or 0
        following = [m for m in found if self.store.page.index(m) > current]
        target = (following or found)[0]
        self.session.select(target.id)
        position = ids.index(target.id) + 1
        self.notify(f"Match {position} of {len(found)} for {term!r}.", timeout=2, markup=False)

    def action_open_thread(self) -> None:
        """`o`: another thread or conversation by id, or a message or item of this one (a jump)."""
        def done(value: str | None) -> None:
            if value and is_owner_id(value):
                self.post_message(OpenThread(value))

        self.app.push_screen(self._open_prompt(), done)

    def _open_prompt(self) -> InputPrompt:
        """`o`'s prompt, made once and kept installed while this browser lives.

        Closing a kept prompt repaints the browser; closing a new one removes its widgets and
        lays the whole browser out again, in the frame that paints the page a jump brings.
        """
        if self.open_prompt is None:
            from tui.screens.prompt import InputPrompt  # prompts load when first asked for

            word = self.noun

            def jump(value: str) -> None:  # as the id is entered, not once the prompt has closed
                if not is_owner_id(value):
                    self.run_page(lambda: self.session.jump_to(value))

            self.open_prompt = InputPrompt(
                f"Open a thread or conversation by id, or jump to a {word} of this one",
                placeholder=f"thread_…, conv_… or a {word} id", check=lambda v: id_problem(v, word),
                hint=f"A {word} id opens the page around it, highlighted.", submit=jump)
            self.app.install_screen(self.open_prompt, f"open-prompt-{id(self)}")
        return self.open_prompt

    def on_unmount(self) -> None:
        for kept in (self.open_prompt, self.find_pane):  # the screens made once for this browser
            if kept is None or kept in self.app.screen_stack:  # the app is closing with it open: it goes too
                continue
            if self.app.uninstall_screen(kept) is not None:
                kept.remove()

    # -- migration (tui/screens/migrate.py) ----------------------------------------------------

    def action_migrate(self) -> None:
        from tui.screens.migrate import request_migration

        request_migration(self, self.settings, [(self.thread_id, "")])

    def action_open_migrated(self) -> None:
        self.post_message(OpenMigrated(self.thread_id))
