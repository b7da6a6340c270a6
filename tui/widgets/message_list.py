"""The message list: one line per message of the current page (an OptionList: fast at any size)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.api.models import Message
from tui.inert import make_inert, one_line


def short_id(message_id: str) -> str:
    """The first block of the uuid: enough to tell messages apart on one screen."""
    tail = message_id.split("_", 1)[-1]
    return tail[:8]


def message_line(message: Message, *, width: int = 60, role_styles: dict[str, str] | None = None) -> Text:
    """One list row, built as plain Text so no server text is ever read as markup."""
    styles = role_styles or {}
    mark = {"user": "▶ user", "assistant": "◀ asst"}.get(message.role, f"· {one_line(message.role, 5)}")
    local = datetime.fromtimestamp(message.created_at / 1000).astimezone().strftime("%m-%d %H:%M")
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{mark:<7}", style=styles.get(message.role, "bold"))
    text.append(f" {local} ", style="dim")
    text.append(f"{make_inert(short_id(message.id))} ", style="dim")
    count = len(message.metadata_dict)
    text.append(f"≡{count:<2} " if count else "    ", style="bold dim")
    preview = one_line(message.text, width)
    if not preview:
        calls = message.tool_calls or []
        names = [c.get("function", {}).get("name", "?") for c in calls if isinstance(c, dict)]
        preview = f"(tool call: {', '.join(names)})" if names else "(no text)"
        text.append(one_line(preview, width), style="italic dim")
    else:
        text.append(preview)
    return text


class MessageList(OptionList):
    """The current page; the highlighted option is the store's selection."""

    DEFAULT_CSS = """
    MessageList { height: 1fr; border: none; padding: 0; text-wrap: nowrap; text-overflow: ellipsis; }
    MessageList:focus { border: none; }
    /* A neutral highlight: role colours (the theme's primary/accent) stay readable on it. */
    MessageList > .option-list--option-highlighted { background: $foreground 18%; text-style: bold; }
    MessageList:focus > .option-list--option-highlighted { background: $foreground 25%; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._ids: list[str] = []
        self.role_styles: dict[str, str] = {}

    def show_page(self, messages: list[Message], selected_id: str | None) -> None:
        """Replace the rows (only when the page changed, so a refresh does not flicker)."""
        ids = [m.id for m in messages]
        signature = [(m.id, m.text[:80], len(m.metadata_dict)) for m in messages]
        if signature != getattr(self, "_signature", None):
            self._signature = signature
            self._ids = ids
            highlighted = self.highlighted
            self.clear_options()
            self.add_options([Option(message_line(m, role_styles=self.role_styles), id=m.id) for m in messages])
            if highlighted is not None and not messages:
                self.highlighted = None
        self.select_id(selected_id)

    def redraw(self, messages: list[Message], selected_id: str | None) -> None:
        """Draw the rows again even if the page is the same (new role colours)."""
        self._signature = None
        self.show_page(messages, selected_id)

    def select_id(self, message_id: str | None) -> None:
        if message_id is None or message_id not in self._ids:
            return
        index = self._ids.index(message_id)
        if self.highlighted != index:
            self.highlighted = index
