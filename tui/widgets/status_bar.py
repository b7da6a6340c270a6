"""The status line: which backend is live (always), where we are, and whether something is loading."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.inert import make_inert


class StatusBar(Static):
    """One line; every part is plain text (thread ids and labels are never markup)."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    StatusBar.-error { background: $error 30%; }
    """

    def show(self, *, backend: str, profile: str | None, workspace: str | None, where: str = "",
             position: str = "", loading: bool = False, error: str | None = None) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(backend, style="bold")
        if profile:
            text.append(f" · profile {make_inert(profile)}")
        if workspace:
            text.append(f" · workspace {make_inert(workspace)}")
        if where:
            text.append(f" │ {make_inert(where)}")
        if position:
            text.append(f" │ {position}")
        if loading:
            text.append(" │ ⟳ loading…", style="bold")
        if error:
            text.append(f" │ ⚠ {make_inert(error.splitlines()[0])}", style="bold")
        self.set_class(bool(error), "-error")
        self.update(text)
