"""ThreadscopeApp: start-up and navigation between screens; the session core (tui/session) does the rest."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from tui import gc_policy, textual_fixes
from tui.api.client import DashScopeClient
from tui.api.errors import ThreadscopeError
from tui.config import Settings, save_preference
from tui.ids import is_conversation
from tui.ledger import ThreadLedger
from tui.screens import navigation
from tui.screens.browser import BrowserScreen
from tui.screens.feedback import report
from tui.session import Session, source_for
from tui.widgets.key_bar import key_description

if TYPE_CHECKING:
    from tui.screens.form import FormModal

textual_fixes.apply()

THREAD_ID = re.compile(r"^thread_[A-Za-z0-9][A-Za-z0-9-]{3,}$")
CONVERSATION_ID = re.compile(r"^conv_[A-Za-z0-9][A-Za-z0-9_-]*$")  # the real format is not documented (conv_123 in examples)


def thread_id_problem(value: str) -> str | None:
    """Why `value` is neither a thread id nor a conversation id, or None if it looks like one."""
    if not value:
        return "Type a thread id (thread_<uuid>) or a conversation id (conv_…)."
    if not (THREAD_ID.match(value) or CONVERSATION_ID.match(value)):
        return (f"{value!r} is not a thread or conversation id: they look like "
                "thread_e99a9fe7-0433-426f-98ad-a5139c36579c or conv_…")
    return None


class ThreadscopeApp(App):
    """The TUI. Everything it shows about the server comes through one DashScopeClient."""

    TITLE = "threadscope"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
        # ctrl+c leaves too (as in every terminal program), but never silently drops an unsaved edit.
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="quit_ctrl_c"),
    ]
    FREEZE_START_UP_HEAP = True  # tui/gc_policy.py; bench/ui.py measures goal 4a also without it
    CSS = """
    BrowserScreen, LedgerScreen { background: $background; }
    """

    def __init__(self, settings: Settings, client: DashScopeClient, *, open_thread: str | None = None,
                 open_message: str | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.client = client
        self.start_thread = open_thread
        self.start_message = open_message  # `open --message`: the page around it, highlighted
        self.ledger = ThreadLedger(settings.ledger_path, settings.backend_id)
        self.theme_warnings: list[str] = []
        self.quit_when_settled = False  # asked to quit while a save was on its way
        self.leaving = False  # exit() was called
        self.journal_run = uuid.uuid4().hex  # this run: `u` asks before undoing an edit an earlier run made
        self._register_themes()

    # -- start-up ----------------------------------------------------------------------------

    def _register_themes(self) -> None:
        from tui.theming import register_themes, usable_theme

        self.theme_warnings = register_themes(self, self.settings.config_dir / "themes")
        name, warning = usable_theme(self, self.settings.theme)
        if warning:
            self.theme_warnings.append(warning)
        self.theme = name

    def on_ready(self) -> None:
        # Textual's Ready: the first frame is on screen and start-up's long-lived objects all exist.
        gc_policy.after_first_paint(freeze=self.FREEZE_START_UP_HEAP)

    def on_mount(self) -> None:
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
            self.call_after_refresh(self._check_keymap)
        if self.settings.embedded:
            if self.start_thread:
                self.call_after_refresh(self._seed_demo_ledger)  # the ledger is not on screen yet
            else:
                self._seed_demo_ledger()
        if self.start_thread:
            # Straight into the thread; the ledger is built when first asked for (nobody sees it yet).
            self.open_thread(self.start_thread, self.start_message)
        else:
            from tui.screens.ledger import LedgerScreen  # only when shown: DataTable is not cheap to import

            self.push_screen(LedgerScreen(self.ledger, self.settings))
        for warning in [*self.settings.warnings, *self.theme_warnings]:
            self.notify(warning, severity="warning", timeout=8, markup=False)
        self.check_pending_edits()

    @work(group="pending-edits")
    async def check_pending_edits(self) -> None:
        """Tell the user about edits the last run left unanswered: landed, or offered back."""
        from tui.journal import EditJournal
        from tui.session.pending import pending_edits

        journal = EditJournal(self.settings.journal_path, self.settings.backend_id)
        try:
            if not pending_edits(journal):
                return  # the usual start: the dialogs (and their editor widgets) need not load
            from tui.screens.pending import PendingEdits

            await PendingEdits(self, journal).run()
        except OSError as exc:
            self.notify(f"Could not read the edit journal: {exc.strerror}", severity="warning", markup=False)

    def _check_keymap(self) -> None:
        from tui.config import unknown_keymap_ids
        from tui.screens.help import binding_ids

        problem = unknown_keymap_ids(self.settings, binding_ids())
        if problem:
            self.notify(problem, severity="warning", timeout=12, markup=False)

    def _seed_demo_ledger(self) -> None:
        from tui.emulator.demo import DEMO_THREADS
        from tui.emulator.demo_conversations import DEMO_CONVERSATIONS

        try:
            self.ledger.seed(DEMO_THREADS + DEMO_CONVERSATIONS)
        except OSError as exc:
            self.notify(f"Could not update the thread ledger: {exc.strerror}", severity="warning", markup=False)

    def watch_theme(self, theme: str) -> None:
        # The widgets recolour themselves (App.theme_changed_signal); the app remembers the choice.
        if not self.is_mounted or theme == self.settings.theme:
            return
        self.settings.theme = theme
        try:
            save_preference(self.settings, "theme", theme)
        except OSError as exc:
            self.notify(f"Could not save the theme choice: {exc.strerror}", severity="warning", markup=False)

    # -- navigation --------------------------------------------------------------------------

    def open_thread(self, thread_id: str, message_id: str | None = None) -> None:
        """Show a thread's or conversation's browser (and remember it), at `message_id` if given."""
        problem = thread_id_problem(thread_id)
        if problem:
            self.notify(problem, severity="error", markup=False)
            return
        # Remembered once its first page is shown (the session's on_seen): an id that answers 404 is not.
        while isinstance(self.screen, BrowserScreen):
            self.pop_screen()
        self.push_screen(BrowserScreen(self.session_for(thread_id), self.settings, start_at=message_id))
        self.call_after_refresh(self.offer_conversation, thread_id)

    def session_for(self, thread_id: str) -> Session:
        """The session behind a thread's or conversation's browser: the source, page size, journal, ledger."""
        from tui.journal import EditJournal

        def seen(count: int) -> None:
            # Written once the page is painted: the file write need not delay its frame.
            self.call_after_refresh(self.remember_thread, thread_id, count)

        size = self.settings.page_size
        return Session(source_for(self.client, thread_id), page_size=size if isinstance(size, int) else 20,
                       journal=EditJournal(self.settings.journal_path, self.settings.backend_id, self.journal_run),
                       on_seen=seen)

    def show_ledger(self) -> None:
        from tui.screens.ledger import LedgerScreen

        while len(self.screen_stack) > 2 and not isinstance(self.screen, LedgerScreen):
            self.pop_screen()
        if not isinstance(self.screen, LedgerScreen):  # opened straight into a thread
            self.switch_screen(LedgerScreen(self.ledger, self.settings))

    def on_open_thread(self, message: navigation.OpenThread) -> None:
        self.open_thread(message.thread_id)

    def on_ask_for_thread(self, message: navigation.AskForThread) -> None:
        self.action_open_thread()

    def on_show_ledger(self, message: navigation.ShowLedger) -> None:
        self.show_ledger()

    def on_migrate_threads(self, message: navigation.MigrateThreads) -> None:
        from tui.screens.migrate import MigrateScreen

        self.push_screen(MigrateScreen(message.threads, client=self.client, settings=self.settings, ledger=self.ledger))

    def offer_conversation(self, thread_id: str) -> None:
        """Opening a migrated thread: a notice naming its conversation and the key that opens it."""
        conversation = self.ledger.linked_conversation(thread_id)
        if conversation:
            self.notify(f"Migrated to {conversation}: press O to open it.", timeout=8, markup=False)

    def on_open_migrated(self, message: navigation.OpenMigrated) -> None:
        conversation = self.ledger.linked_conversation(message.thread_id)
        if conversation:
            self.open_thread(conversation)
        elif is_conversation(message.thread_id):
            self.notify("This is a conversation: O opens the conversation a thread was migrated into.",
                        severity="warning", markup=False)
        else:
            self.notify("This thread has not been migrated here (M migrates it).", severity="warning", markup=False)

    def on_new_thread(self, message: navigation.NewThread) -> None:
        self.action_new()

    def action_new(self) -> None:
        """`N`: ask whether to create a thread or a conversation, then create it and open it."""
        from rich.text import Text

        from tui.screens.choice import ChoiceScreen

        def answered(choice: str | None) -> None:
            if choice == "thread":
                self.create_thread()
            elif choice == "conversation":
                self.create_conversation()

        self.push_screen(
            ChoiceScreen("Create a new…", Text("A thread (Assistant API) or a conversation (Conversations API), "
                                               "empty, opened at once."),
                         [("t", "Thread", "thread"), ("c", "Conversation", "conversation")], cancel_value="back"),
            answered,
        )

    def action_open_thread(self) -> None:
        from tui.screens.prompt import InputPrompt

        def done(thread_id: str | None) -> None:
            if thread_id:
                self.open_thread(thread_id)

        self.push_screen(
            InputPrompt("Open a thread or conversation by id", placeholder="thread_… or conv_…", check=thread_id_problem,
                        hint="DashScope cannot list threads or conversations: paste an id from your code or logs."),
            done,
        )

    @work(exclusive=True, group="thread")
    async def create_thread(self) -> None:
        if self.settings.read_only:
            self.notify(f"Cannot create a thread: {self.settings.read_only_reason()}.", severity="warning", markup=False)
            return
        try:
            thread = await self.client.create_thread()
        except ThreadscopeError as exc:
            report(self, exc)
            return
        self.ledger.record(thread.id, label="new thread")
        self.open_thread(thread.id)

    @work(exclusive=True, group="thread")
    async def create_conversation(self) -> None:
        if self.settings.read_only:
            self.notify(f"Cannot create a conversation: {self.settings.read_only_reason()}.", severity="warning",
                        markup=False)
            return
        try:
            conversation = await self.client.create_conversation()
        except ThreadscopeError as exc:
            report(self, exc)
            return
        self.ledger.record(conversation.id, label="new conversation")
        self.open_thread(conversation.id)

    def remember_thread(self, thread_id: str, seen: int | None = None) -> None:
        try:
            self.ledger.record(thread_id, messages_seen=seen)
        except OSError as exc:
            self.notify(f"Could not update the thread ledger: {exc.strerror}", severity="warning", markup=False)

    # -- leaving --------------------------------------------------------------------------------

    def exit(self, result=None, return_code: int = 0, message=None) -> None:
        self.leaving = True
        super().exit(result, return_code, message)

    async def on_event(self, event: events.Event) -> None:
        if self.leaving and isinstance(event, events.Key):
            return  # keys that came in one burst with q would build dialogs on a closing app
        await super().on_event(event)

    def action_quit(self) -> None:
        """Quit, or first ask when that would interrupt a migration or drop an edit not yet sent."""
        from rich.text import Text

        from tui.screens.choice import QuitQuestion  # its dialogs load when first asked

        if isinstance(self.screen, QuitQuestion):
            self.exit()  # its second ctrl+c; other questions (a stale edit, a diff) hold an edit not yet sent
            return
        warnings = (getattr(s, "quit_warning", lambda: None)() for s in self.screen_stack)
        running = [warning for warning in warnings if warning]
        if running:
            self.push_screen(QuitQuestion("A migration is running", Text(running[0]),
                                          [("k", "Keep it running", "keep"), ("q", "Stop and quit", "quit")],
                                          cancel_value="keep"), self._quit_answered)
            return
        unsaved = [s for s in self.screen_stack if getattr(s, "has_unsaved", None) and s.has_unsaved()]
        if not unsaved:
            self.exit()
            return
        if any(getattr(s, "busy", None) and s.busy() for s in self.screen_stack):
            self.push_screen(
                QuitQuestion("A save is on its way to the server",
                             Text("The server may already hold it. Quitting now leaves you not knowing whether "
                                  "it landed (the next start checks)."),
                             [("w", "Quit once it is answered", "wait"), ("k", "Keep the app open", "keep"),
                              ("q", "Quit now", "quit")], cancel_value="keep"),
                self._quit_answered,
            )
            return

        def answered(choice: str | None) -> None:
            if choice == "quit":
                self.exit()

        self.push_screen(
            QuitQuestion("Quit with an unsaved edit?",
                         Text("The editor holds changes that were not sent. Quitting drops them."),
                         [("k", "Keep editing", "keep"), ("q", "Quit anyway", "quit")], cancel_value="keep"),
            answered,
        )

    def _quit_answered(self, choice: str | None) -> None:
        if choice == "quit":
            self.exit()
        elif choice == "wait":
            self.quit_when_settled = True
            self.notify("Quitting once the server answers the save…", markup=False)

    def on_form_modal_settled(self, event: FormModal.Settled) -> None:
        if not self.quit_when_settled:
            return
        self.quit_when_settled = False
        if event.landed:
            self.exit(message=event.what)
        else:
            self.notify(f"Not quitting: {event.what}.", severity="warning", markup=False)

    # -- help and palette --------------------------------------------------------------------

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen, key_rows

        screen = self.screen
        rows = key_rows([type(screen).BINDINGS, type(self).BINDINGS], self.settings.keymap, self.get_key_display,
                        lambda binding: key_description(screen, binding))
        self.push_screen(HelpScreen(rows, f"Keys on this screen ({type(screen).__name__.removesuffix('Screen')})"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Open thread or conversation", "Open a thread or conversation by its id",
                            self.action_open_thread)
        yield SystemCommand("New thread or conversation", "Create one and open it", self.action_new)
        yield SystemCommand("Ledger", "Go back to the list of remembered threads and conversations", self.show_ledger)
        if isinstance(screen, BrowserScreen):
            for binding in screen.BINDINGS:
                if isinstance(binding, Binding) and binding.description and binding.id:
                    action = getattr(screen, f"action_{binding.action}", None)
                    if action is not None:
                        title = key_description(screen, binding)
                        yield SystemCommand(title, f"{title} ({binding.key})", action)

