"""ThreadscopeApp: composes the screens, owns the client, the ledger and the clipboard."""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Iterable

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from tui import textual_fixes
from tui.api.client import DashScopeClient
from tui.api.errors import ThreadscopeError
from tui.config import Settings, save_preference
from tui.ledger import ThreadLedger
from tui.screens import navigation
from tui.screens.browser import BrowserScreen
from tui.screens.choice import ChoiceScreen
from tui.screens.feedback import report
from tui.session import Session, ThreadSource
from tui.startup import release_collector

textual_fixes.apply()

THREAD_ID = re.compile(r"^thread_[A-Za-z0-9][A-Za-z0-9-]{3,}$")


def thread_id_problem(value: str) -> str | None:
    """Why `value` is not a thread id, or None if it looks like one."""
    if not value:
        return "Type a thread id (thread_<uuid>)."
    if not THREAD_ID.match(value):
        return f"{value!r} is not a thread id: they look like thread_e99a9fe7-0433-426f-98ad-a5139c36579c"
    return None


IDLE_BEFORE_COLLECTING = 1.5  # seconds without a key or mouse event before a full collection
COLLECT_AT_LEAST_EVERY = 60.0  # seconds, while idle
FULL_COLLECTION_AFTER = 40  # middle-generation collections before an automatic full one (Python's default: 10)


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
    CSS = """
    BrowserScreen, LedgerScreen { background: $background; }
    """

    def __init__(self, settings: Settings, client: DashScopeClient, *, open_thread: str | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.client = client
        self.start_thread = open_thread
        self._heap_frozen = False
        self.ledger = ThreadLedger(settings.ledger_path, settings.backend_id)
        self.theme_warnings: list[str] = []
        self._register_themes()

    # -- start-up ----------------------------------------------------------------------------

    def _register_themes(self) -> None:
        from tui.theming import register_themes, usable_theme

        self.theme_warnings = register_themes(self, self.settings.config_dir / "themes")
        name, warning = usable_theme(self, self.settings.theme)
        if warning:
            self.theme_warnings.append(warning)
        self._start_in_theme(name)

    def get_css_variables(self) -> dict[str, str]:
        if not hasattr(self, "settings"):
            # Textual's own __init__, for its default theme: _start_in_theme sets the variables of
            # ours before anything is parsed, so working out the default's colour system is waste.
            return {}
        return super().get_css_variables()

    def _start_in_theme(self, name: str) -> None:
        """Start in theme `name` as `self.theme = name` would, without its second pass over the CSS.

        Setting `App.theme` queues `refresh_css`, which parses every stylesheet again with the
        theme's variables: needed when the theme changes on screen, but nothing is parsed yet at
        start-up, so the variables only have to be in place before the first parse (~2 ms of
        every cold start, bench goal 3). `set_reactive` skips the watcher; the rest is what the
        watcher (`App._watch_theme`) does besides queueing that refresh. A test checks that the
        screen painted this way is the one a switch at run time paints.
        """
        self.set_reactive(App.theme, name)
        theme = self.current_theme
        classes = {cls: False for cls in self.classes if cls.startswith("-theme-")}
        self.update_classes({**classes, f"-theme-{name}": True, "-dark-mode": theme.dark, "-light-mode": not theme.dark},
                            update=False)
        self._refresh_truecolor_filter(self.ansi_theme)
        self.stylesheet.set_variables(self.get_css_variables())

    def on_mount(self) -> None:
        # Everything built so far (modules, styles, widgets) lives as long as the app: freeze
        # it out of the collector's sight. Otherwise every full collection walks all of it,
        # a 30-40 ms pause that landed on every 13th page turn (bench goal 4a, its p95).
        self.call_after_refresh(self._freeze_heap)
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        if self.settings.embedded:
            if self.start_thread:
                self.call_after_refresh(self._seed_demo_ledger)  # the ledger is not on screen yet
            else:
                self._seed_demo_ledger()
        if self.start_thread:
            # Straight into the thread; the ledger is built when first asked for (cold start,
            # bench goal 3: composing a screen nobody sees yet cost ~45 ms).
            self.open_thread(self.start_thread)
        else:
            from tui.screens.ledger import LedgerScreen  # only when shown: DataTable is not cheap to import

            self.push_screen(LedgerScreen(self.ledger, self.settings))
        for warning in [*self.settings.warnings, *self.theme_warnings]:
            self.notify(warning, severity="warning", timeout=8, markup=False)

    def _seed_demo_ledger(self) -> None:
        from tui.emulator.demo import DEMO_THREADS

        try:
            self.ledger.seed(DEMO_THREADS)
        except OSError as exc:
            self.notify(f"Could not update the thread ledger: {exc.strerror}", severity="warning", markup=False)

    def _freeze_heap(self) -> None:
        if not self._heap_frozen:
            gc.freeze()
            self._heap_frozen = True
            # Full collections wait for a pause in the typing, as far as memory allows. What the
            # app builds while it runs (Textual's strip and layout caches, pages, the detail's
            # Markdown) grows the heap a full collection walks: on a 180-page walk they reached
            # 20-50 ms, one in every ~15 page turns — most of goal 4a's p95. Now a full one runs
            # once no key or mouse event has come for a moment; while keys keep coming, the
            # automatic one comes 4x rarer than Python's default, which keeps memory bounded
            # (never automatic: RSS grew 3.5x over 1,000 pages; at 40: 1.13x, goal 5). The young
            # generations are still collected as they fill.
            self._gc_thresholds = gc.get_threshold()
            gc.set_threshold(self._gc_thresholds[0], self._gc_thresholds[1], FULL_COLLECTION_AFTER)
            self._last_input = self._last_full_collection = time.monotonic()
            self.set_interval(IDLE_BEFORE_COLLECTING / 2, self._collect_when_idle, name="idle full collection")
        release_collector()  # held by the `threadscope` command since its first line (tui.startup)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self._last_input = time.monotonic()
        await super().on_event(event)

    def _collect_when_idle(self) -> None:
        """A full collection, once no key or mouse event has come for a moment, if there was
        any since the last one (or it is a minute old: workers make garbage too)."""
        now = time.monotonic()
        if now - self._last_input < IDLE_BEFORE_COLLECTING:
            return
        if self._last_full_collection > self._last_input and now - self._last_full_collection < COLLECT_AT_LEAST_EVERY:
            return
        self._last_full_collection = now
        gc.collect()

    def on_unmount(self) -> None:
        release_collector()  # should the app end before its first paint
        # Give it back, so whatever outlives this app (another app in the same process, a
        # test run) can be collected again.
        if self._heap_frozen:
            gc.unfreeze()
            gc.set_threshold(*self._gc_thresholds)
            self._heap_frozen = False

    def watch_theme(self, theme: str) -> None:
        if not self.is_mounted:
            return
        for screen in self.screen_stack:
            if isinstance(screen, BrowserScreen):
                screen.theme_changed()
        if theme != self.settings.theme:
            self.settings.theme = theme
            try:
                save_preference(self.settings, "theme", theme)
            except OSError as exc:
                self.notify(f"Could not save the theme choice: {exc.strerror}", severity="warning", markup=False)

    # -- navigation --------------------------------------------------------------------------

    def open_thread(self, thread_id: str) -> None:
        """Show a thread's browser (and remember the thread)."""
        problem = thread_id_problem(thread_id)
        if problem:
            self.notify(problem, severity="error", markup=False)
            return
        # Written once the thread is painted: the file write need not delay its first frame (bench goal 3).
        self.call_after_refresh(self.remember_thread, thread_id)
        while isinstance(self.screen, BrowserScreen):
            self.pop_screen()
        self.push_screen(BrowserScreen(self.session_for(thread_id), self.settings))

    def session_for(self, thread_id: str) -> Session:
        """The session behind a thread's browser: the client, the page size, the journal, the ledger."""
        from tui.journal import EditJournal

        def seen(count: int) -> None:
            # Written once the page is painted: the file write need not delay its frame.
            self.call_after_refresh(self.remember_thread, thread_id, count)

        size = self.settings.page_size
        return Session(ThreadSource(self.client, thread_id), page_size=size if isinstance(size, int) else 20,
                       journal=EditJournal(self.settings.journal_path, self.settings.backend_id), on_seen=seen)

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

    def on_new_thread(self, message: navigation.NewThread) -> None:
        self.create_thread()

    def action_open_thread(self) -> None:
        from tui.screens.prompt import InputPrompt

        def done(thread_id: str | None) -> None:
            if thread_id:
                self.open_thread(thread_id)

        self.push_screen(
            InputPrompt("Open a thread by id", placeholder="thread_…", check=thread_id_problem,
                        hint="DashScope cannot list threads: paste an id from your code or logs."),
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

    def remember_thread(self, thread_id: str, seen: int | None = None) -> None:
        try:
            self.ledger.record(thread_id, messages_seen=seen)
        except OSError as exc:
            self.notify(f"Could not update the thread ledger: {exc.strerror}", severity="warning", markup=False)

    # -- leaving --------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        unsaved = [s for s in self.screen_stack if getattr(s, "has_unsaved", None) and s.has_unsaved()]
        if not unsaved or isinstance(self.screen, ChoiceScreen):
            self.exit()
            return
        from rich.text import Text

        def answered(choice: str | None) -> None:
            if choice == "quit":
                self.exit()

        self.push_screen(
            ChoiceScreen("Quit with an unsaved edit?",
                         Text("The editor holds changes that were not sent. Quitting drops them."),
                         [("k", "Keep editing", "keep"), ("q", "Quit anyway", "quit")], cancel_value="keep"),
            answered,
        )

    # -- help and palette --------------------------------------------------------------------

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        # Group the active keys by binding id: after remapping, one action may have several keys.
        # Walk every node in the binding chain (focused widget → screen → app), not the
        # key-deduplicated active map, so a key remapped onto one a widget also uses still shows.
        # Only bindings with an id (ours; the widgets' own scroll keys are noise), and not a key
        # that a priority binding elsewhere takes first (ctrl+c quits, it does not copy).
        grouped: dict[str, tuple[list[str], str]] = {}
        chain = list(self.screen._binding_chain)
        taken = {key for _node, bindings_map in chain for key, b in bindings_map if b.priority}
        for _node, bindings_map in chain:
            for key, binding in bindings_map:
                if not binding.description or not binding.id or (key in taken and not binding.priority):
                    continue
                keys, _ = grouped.setdefault(binding.id or binding.action, ([], binding.description))
                shown = self.get_key_display(binding)
                if shown not in keys:
                    keys.append(shown)
        rows = [(", ".join(keys), description, binding_id) for binding_id, (keys, description) in grouped.items()]
        self.push_screen(HelpScreen(rows, f"Keys on this screen ({type(self.screen).__name__.removesuffix('Screen')})"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Open thread", "Open a thread by its id", self.action_open_thread)
        yield SystemCommand("Thread ledger", "Go back to the list of remembered threads", self.show_ledger)
        if isinstance(screen, BrowserScreen):
            for binding in screen.BINDINGS:
                if isinstance(binding, Binding) and binding.description and binding.id:
                    action = getattr(screen, f"action_{binding.action}", None)
                    if action is not None:
                        yield SystemCommand(binding.description, f"{binding.description} ({binding.key})", action)


def make_app(settings: Settings, client: DashScopeClient, *, open_thread: str | None = None) -> ThreadscopeApp:
    """The app for these settings and this client (the caller closes the client after the run)."""
    return ThreadscopeApp(settings, client, open_thread=open_thread)
