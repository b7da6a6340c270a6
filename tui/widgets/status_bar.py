"""The status line: which backend and API family are live (always), where we are, and whether something is loading."""

from __future__ import annotations

import re

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
             position: str = "", loading: bool = False, error: str | None = None, family: str = "") -> None:
        self._parts = dict(backend=backend, profile=profile, workspace=workspace, where=where,
                           position=position, loading=loading, error=error, family=family)
        self.set_class(bool(error), "-error")
        self.update(self._compose_text(), layout=False)  # one line, always: no layout pass per key

    def on_resize(self) -> None:
        if getattr(self, "_parts", None):
            self.update(self._compose_text(), layout=False)

    def _compose_text(self) -> Text:
        """The full line, or — when it does not fit — a compact one that keeps the position visible."""
        full = self._build(compact=False)
        width = self.content_region.width or self.size.width
        if width and full.cell_len > width:
            shorter = self._build(compact=False, short_id=True)  # the id cut first: the words say more
            return shorter if shorter.cell_len <= width else self._build(compact=True)
        return full

    def _build(self, *, compact: bool, short_id: bool = False) -> Text:
        parts = self._parts
        text = Text(no_wrap=True, overflow="ellipsis")
        backend = parts["backend"]
        if compact and backend.startswith("embedded emulator"):
            backend = "emulator"
        text.append(backend, style="bold")
        if parts["profile"]:
            text.append(f" · {'' if compact else 'profile '}{make_inert(parts['profile'])}")
        if parts["workspace"]:
            text.append(f" · {'ws ' if compact else 'workspace '}{make_inert(parts['workspace'])}")
        if parts.get("family"):
            family = parts["family"]
            text.append(f" │ {family.split()[0] if compact else family}")
        where = parts["where"]
        if where:
            if (compact or short_id) and where.startswith(("thread_", "conv_")) and len(where) > 16:
                where = where[:15] + "…"
            text.append(f" {'·' if parts.get('family') else '│'} {make_inert(where)}")
        # Nothing shown yet and a page on its way: "no messages" would be untrue, and at 80
        # columns it would push the loading mark off the line.
        nothing_yet = parts["loading"] and parts["position"].startswith("no ")
        if parts["position"] and not nothing_yet:
            position = parts["position"]
            if compact:
                position = re.sub(r"^(messages|items) (?=\d)", "", position).replace(" · more below", " ↓").replace(" · more above", " ↑")
            text.append(f" │ {position}")
        if parts["loading"]:
            text.append(" │ ⟳ loading…", style="bold")
        if parts["error"]:
            text.append(f" │ ⚠ {make_inert(parts['error'].splitlines()[0])}", style="bold")
        return text
