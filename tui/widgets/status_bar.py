"""The status line: which backend and API family are live (always), where we are, and whether something is loading."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from rich.text import Text
from textual.widgets import Static

from tui.ids import is_owner_id
from tui.inert import make_inert

# Kept free for the position when the backend's form is chosen, so that the backend does not
# switch between its long and short forms as the position's length changes while paging
# (51 holds " │ around message 2,251 of 2,500 · newest first ↑ ↓").
POSITION_ROOM = 51


@dataclass(frozen=True)
class Head:
    """How much of the backend and the place the line can spend, widest first."""

    brief: bool = False  # "emulator", "custom 127.0.0.1:8799", "DashScope intl"
    short_id: bool = False
    family: str = "full"  # "Assistant API"; "brief": "Assistant"; "": none (the id's prefix says it)
    extras: str = "full"  # profile and workspace: "full", "brief" ("ws ws-1234") or none
    where: bool = True


HEADS = (Head(), Head(short_id=True), Head(short_id=True, family="brief", extras="brief"),
         Head(brief=True, short_id=True, family="brief", extras="brief"),
         Head(brief=True, short_id=True, family="", extras="brief"),
         Head(brief=True, short_id=True, family="", extras=""),
         Head(brief=True, short_id=True, family="", extras="", where=False))


def shorter_id(object_id: str) -> str:
    """"thread_603909b3…": the prefix and the uuid's first block, as the list shows them."""
    prefix, _, rest = object_id.partition("_")
    block = rest.split("-", 1)[0][:8]
    return object_id if block == rest else f"{prefix}_{block}…"


class StatusBar(Static):
    """One row; every part is plain text (thread ids and labels are never markup).

    What it keeps when narrow, in order: the position, the error (a few words: the toast has
    it all), then the backend in its shorter forms; it ends in `…` only when even that is too long.
    """

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1;
                text-wrap: nowrap; text-overflow: ellipsis; }
    StatusBar.-error { background: $error 30%; }
    """

    def show(self, *, backend: str, profile: str | None, workspace: str | None, where: str = "",
             position: str = "", loading: bool = False, error: str | None = None, family: str = "",
             backend_brief: str = "") -> None:
        self._parts = dict(backend=backend, backend_brief=backend_brief or backend, profile=profile,
                           workspace=workspace, where=where, position=position, loading=loading, error=error,
                           family=family)
        self.set_class(bool(error), "-error")
        self._render_line()

    def on_resize(self) -> None:
        if getattr(self, "_parts", None):
            self._render_line()

    def _render_line(self) -> None:
        width = self.content_region.width or self.size.width
        self.update(status_line(self._parts, width), layout=False)  # one row, always: no layout pass per key


def status_line(parts: dict[str, Any], width: int) -> Text:
    """The widest head that leaves the position its room; then the full position if it fits."""
    full, compact = _tail(parts, compact=False), _tail(parts, compact=True)
    if not width:
        return _head(parts, HEADS[0]) + full
    room = max(POSITION_ROOM, compact.cell_len) if compact else 0
    level = next((h for h in HEADS if _head(parts, h).cell_len + room <= width), HEADS[-1])
    shorter = replace(level, short_id=True)  # the id is cut before the position's words
    for head, tail in ((level, full), (shorter, full), (level, compact), (shorter, compact)):
        line = _head(parts, head) + tail
        if line.cell_len <= width:
            return line
    return line  # narrower than any form: the CSS ends it in "…"


def _head(parts: dict[str, Any], level: Head) -> Text:
    text = Text()
    text.append(parts["backend_brief"] if level.brief else parts["backend"], style="bold")
    if level.extras and parts["profile"]:
        text.append(f" · {'' if level.extras == 'brief' else 'profile '}{make_inert(parts['profile'])}")
    if level.extras and parts["workspace"]:
        text.append(f" · {'ws ' if level.extras == 'brief' else 'workspace '}{make_inert(parts['workspace'])}")
    where = parts["where"]
    is_id = is_owner_id(where)
    family = parts["family"] if level.family or not is_id else ""
    if family:
        text.append(f" │ {family if level.family == 'full' else family.split()[0]}")
    if where and level.where:
        if level.short_id and is_id:
            where = shorter_id(where)
        text.append(f" {'·' if family else '│'} {make_inert(where)}")
    return text


def _tail(parts: dict[str, Any], *, compact: bool) -> Text:
    text = Text()
    # Nothing shown yet and a page on its way: "no messages" would be untrue, and at 80
    # columns it would push the loading mark off the line.
    nothing_yet = parts["loading"] and parts["position"].startswith("no ")
    if parts["position"] and not nothing_yet:
        position = parts["position"]
        if compact:
            position = re.sub(r"^(messages|items) (?=\d)", "", position)
            position = position.replace(" · more below", " ↓").replace(" · more above", " ↑")
        text.append(f" │ {position}")
    if parts["loading"]:
        text.append(" │ ⟳ loading…", style="bold")
    if parts["error"]:
        text.append(f" │ ⚠ {make_inert(parts['error'].splitlines()[0])}", style="bold")
    return text
