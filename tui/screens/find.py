"""Find in the whole thread or conversation (`ctrl+f`): a query, matches as they are found, a jump.

The find itself runs in the browser's worker (it outlives this pane, so `]` / `[` keep
working from the browser); this pane shows the session's `Found` and is told as it grows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static

from tui.find import FindError, Match, Query, parse_query
from tui.inert import make_inert
from tui.session import Session
from tui.session.found import Found
from tui.widgets.key_bar import KeyBar
from tui.widgets.message_list import short_id

HINT = "Plain text ignores case; re: starts a regular expression. Enter on a result jumps to it."


def result_line(found: Found, match: Match, word: str) -> Text:
    """One result: where, role, time, short id; then the snippet with the match marked (inert)."""
    when = datetime.fromtimestamp(match.created_at / 1000).astimezone().strftime("%m-%d %H:%M") \
        if match.created_at is not None else ""
    head = Text(no_wrap=True, overflow="ellipsis")
    head.append(found.position_label(match, word), "bold")
    for part in (match.role or "", when, short_id(match.id)):
        if part:
            head.append("  " + make_inert(part), "dim")
    snippet = match.snippet
    text = snippet.text
    body = Text(no_wrap=True, overflow="ellipsis")
    body.append(f"  {match.field}: ", "dim")
    body.append(make_inert(text[: snippet.start]))
    body.append(make_inert(text[snippet.start: snippet.end]), "reverse bold")
    body.append(make_inert(text[snippet.end:]))
    return Text("\n", no_wrap=True, overflow="ellipsis").join([head, body])


class FindScreen(Screen[str | None]):
    """The results pane: dismissed with the id of the result chosen, or None."""

    DEFAULT_CSS = """
    FindScreen { background: $background; }
    FindScreen #find-title { padding: 0 1; background: $panel; }
    FindScreen #find-input { margin: 0 1; }
    FindScreen #find-progress { padding: 0 1; color: $text-muted; }
    FindScreen #find-progress.-error { color: $error; }
    FindScreen #find-results { height: 1fr; border: none; text-wrap: nowrap; text-overflow: ellipsis; }
    """
    BINDINGS = [
        Binding("escape", "close", "Cancel / back", id="find.close"),
        Binding("tab", "switch_focus", "Query ↔ results", id="find.switch_focus"),
    ]

    def __init__(self, session: Session, start: Callable[[Query, str], None], cancel: Callable[[], None],
                 running: Callable[[], bool], jump: Callable[[str], None]) -> None:
        super().__init__()
        self.session = session
        self.start, self.cancel, self.running, self.jump = start, cancel, running, jump
        self.word = "item" if session.source.kind == "conversation" else "message"
        self.shown = 0  # results already in the list
        self.showing: Found | None = None  # the find they came from (a new find starts the list afresh)
        self.complete = False  # the results were listed with the find's total
        self.is_open = False  # pushed and not yet dismissed

    def compose(self) -> ComposeResult:
        source = self.session.source
        yield Static(f"Find in {source.kind} {make_inert(source.id)}", id="find-title", markup=False)
        yield Input(value=self.session.found.text, placeholder="text, or re:regular expression", id="find-input")
        yield Static(HINT, id="find-progress", markup=False)
        yield OptionList(id="find-results")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(Input).cursor_blink = False

    def on_screen_resume(self) -> None:
        """Opened (again, the pane is kept): the last find's query, its results as they are now, and
        the cursor on its current match (`]` / `[` move it while the pane is closed)."""
        if self.is_open:  # back from a screen over it (help, the palette): as the user left it
            return
        self.is_open = True
        found = self.session.found
        self.query_one(Input).value = found.text  # the query the results are for: a line never run is dropped
        results = self.query_one(OptionList)
        if found.text or self.running():
            self.show_found(rebuild=found is not self.showing or (found.done and not self.complete))
        else:
            self.show_hint()
        if found.current is not None and found.current < self.shown:
            results.highlighted = found.current
        (results if found.matches or self.running() else self.query_one(Input)).focus()

    # -- told by the browser's worker -------------------------------------------------------

    def show_found(self, *, rebuild: bool = False) -> None:
        """Add the new matches (or all of them again, with the total once known) and the progress."""
        found = self.session.found
        results = self.query_one(OptionList)
        rebuild = rebuild or found is not self.showing
        self.showing = found
        if rebuild:
            highlighted = results.highlighted
            results.clear_options()
            self.shown = 0
            self.complete = found.done  # the lines say "of 2,500" once the total is known
        new = found.matches[self.shown:]
        if new:
            results.add_options(result_line(found, match, self.word) for match in new)
            self.shown = len(found.matches)
        if rebuild and highlighted is not None and highlighted < self.shown:
            results.highlighted = highlighted
        elif rebuild and found.current is not None and found.current < self.shown:
            results.highlighted = found.current
        if results.highlighted is None and self.shown:
            results.highlighted = 0  # enter works on the first result as soon as there is one
        self.show_progress()

    def show_progress(self) -> None:
        self.say(self.session.found.progress_label(self.word))

    def show_hint(self) -> None:
        self.say(HINT)

    def say(self, text: str, *, error: bool = False) -> None:
        progress = self.query_one("#find-progress", Static)
        progress.set_class(error, "-error")
        progress.update(text)

    # -- keys --------------------------------------------------------------------------------

    @on(Input.Submitted, "#find-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            return
        try:
            query = parse_query(text)
        except FindError as exc:
            self.say(str(exc).capitalize() + ".", error=True)
            return
        self.start(query, text)
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected, "#find-results")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        found = self.session.found
        found.current = event.option_index
        entry_id = found.matches[event.option_index].id
        self.jump(entry_id)  # before the pane closes: the requests need not wait for the browser's repaint
        self.close(entry_id)

    def action_close(self) -> None:
        """Escape: a running find stops at once; the pane closes (ctrl+f shows what was found)."""
        if self.running():
            self.cancel()
        self.close(None)

    def close(self, result: str | None) -> None:
        self.is_open = False
        self.dismiss(result)

    def action_switch_focus(self) -> None:
        if self.query_one(Input).has_focus:
            self.query_one(OptionList).focus()
        else:
            self.query_one(Input).focus()
