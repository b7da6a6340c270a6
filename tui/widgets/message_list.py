"""The message list: one line per message of the current page, drawn with Textual's Line API.

Each visible row is built straight into segments and cached per (message, row style, width):
moving the highlight repaints two rows, a page turn draws only the rows on screen (an
OptionList rebuilt, measured and repainted every option on each key).
"""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.binding import Binding
from textual.color import Color, ColorParseError
from textual.geometry import Region, Size
from textual.message import Message as TextualMessage
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style
from textual.theme import Theme

from tui.api.models import Item, Message
from tui.inert import make_inert, one_line

ELLIPSIS = "…"
PREVIEW_MAX = 1_000  # characters of a text's first line kept for its row: wider than any terminal


def short_id(message_id: str) -> str:
    """The first block of the uuid: enough to tell messages apart on one screen."""
    tail = message_id.split("_", 1)[-1]
    return tail[:8]


def _luminance(colour: Color) -> float:
    """WCAG relative luminance."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = colour.rgb
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast_ratio(a: Color, b: Color) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable(colour: str, background: str | None, ratio: float = 3.0) -> bool:
    """True unless both are plain RGB colours with less than `ratio` contrast (ANSI colours are the terminal's)."""
    try:
        fg, bg = Color.parse(colour), Color.parse(background or "")
    except ColorParseError:
        return True
    if fg.ansi is not None or bg.ansi is not None:
        return True
    return contrast_ratio(fg, bg) >= ratio


def role_styles(theme: Theme) -> dict[str, str]:
    """The role column's styles in `theme`: its own role-* variables, else a readable theme colour no other role uses."""
    variables = theme.variables
    fallbacks = {
        "user": [theme.accent, "cyan"],
        "assistant": [theme.success, "green"],
        "system": [theme.warning, theme.error, theme.primary, theme.secondary, "yellow"],
        "developer": [theme.secondary, theme.primary, theme.error, theme.warning, "magenta"],
    }
    background = theme.background or ("#121212" if theme.dark else "#EFEFEF")  # Textual's when unset
    chosen: dict[str, str] = {}
    for role, candidates in fallbacks.items():
        own = variables.get(f"role-{role}")
        taken = {colour.upper() for colour in chosen.values()}
        # A theme without role colours must not paint two roles alike (system as the assistant, say).
        usable = [c for c in candidates if c and c.upper() not in taken]
        chosen[role] = own or next((c for c in usable if readable(c, background)), usable[-1])
    return {role: f"bold {colour}" for role, colour in chosen.items()}


ITEM_MARKS = {"user": "▶ user", "assistant": "◀ asst", "system": "■ sys", "developer": "◆ dev"}


def item_row_pieces(item: Item, role_styles: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """A conversation item's row: role, short id, status (items have no time, no metadata), first line."""
    styles = role_styles or {}
    role = item.role or "?"
    mark = ITEM_MARKS.get(role, f"· {one_line(role, 5)}")
    status = one_line(item.status or "", 11)
    pieces = [
        (f"{mark:<7}", styles.get(role, "bold")),
        (f" {make_inert(short_id(item.id))} ", "dim"),
    ]
    if status and status != "completed":  # the usual state goes unsaid; in_progress and the like show
        pieces.append((f"{status} ", "dim italic"))
    preview = one_line(item.text, PREVIEW_MAX)
    pieces.append((preview, "") if preview else (one_line(f"({item.type or 'item'}, no text)"), "italic dim"))
    return pieces


def row_pieces(message: Message | Item, role_styles: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """One list row as (text, style) pieces; all text is plain and inert, styles are ours.

    The last piece is the text's first line: the row is cut to the list's width when drawn.
    """
    if isinstance(message, Item):
        return item_row_pieces(message, role_styles)
    styles = role_styles or {}
    mark = {"user": "▶ user", "assistant": "◀ asst"}.get(message.role, f"· {one_line(message.role, 5)}")
    local = datetime.fromtimestamp(message.created_at / 1000).astimezone().strftime("%m-%d %H:%M")
    count = len(message.metadata_dict)
    pieces = [
        (f"{mark:<7}", styles.get(message.role, "bold")),
        (f" {local} ", "dim"),
        (f"{make_inert(short_id(message.id))} ", "dim"),
        (f"≡{count:<2} " if count else "    ", "bold dim"),
    ]
    preview = one_line(message.text, PREVIEW_MAX)
    if preview:
        pieces.append((preview, ""))
    else:
        calls = message.tool_calls or []
        names = [c.get("function", {}).get("name", "?") for c in calls if isinstance(c, dict)]
        pieces.append((one_line(f"(tool call: {', '.join(names)})" if names else "(no text)"), "italic dim"))
    return pieces


def fit(pieces: list[tuple[str, RichStyle]], width: int, fill: RichStyle) -> list[Segment]:
    """Segments exactly `width` cells wide: cut with an ellipsis (in the cut piece's style) or padded.

    Only the characters that can show are measured (a message's first line may be a
    thousand characters; measuring non-ASCII text is slow). A text with more characters
    than cells left is taken to overflow: only zero-width characters could make it fit.
    """
    if width <= 0:
        return []
    segments: list[Segment] = []
    used = 0
    for index, (text, style) in enumerate(pieces):
        left = width - used
        head = text[: left + 1]
        cells = cell_len(head)
        if cells > left or len(head) < len(text) or (
                cells == left and any(later for later, _ in pieces[index + 1:])):
            segments.append(Segment(set_cell_size(head, left - 1) + ELLIPSIS, style))
            return segments
        segments.append(Segment(head, style))
        used += cells
    if used < width:
        segments.append(Segment(" " * (width - used), fill))
    return segments


class MessageList(ScrollView, can_focus=True):
    """The current page; the highlighted row is the store's selection."""

    COMPONENT_CLASSES = {"message-list--highlighted", "message-list--hover"}

    DEFAULT_CSS = """
    MessageList {
        height: 1fr; border: none; padding: 0; overflow-x: hidden;
        color: $foreground; background: $surface;
        &:focus { background-tint: $foreground 5%; }
        /* A neutral highlight: role colours (the theme's primary/accent) stay readable on it. */
        & > .message-list--highlighted { color: $foreground; background: $foreground 18%; text-style: bold; }
        &:focus > .message-list--highlighted {
            color: $block-cursor-foreground; background: $foreground 25%; text-style: $block-cursor-text-style;
        }
        & > .message-list--hover { background: $block-hover-background; }
    }
    """

    # ↓/↑ are the screen's (remappable, and they page on past the edges); these are the list's own.
    BINDINGS = [
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("enter", "choose", "Choose", show=False),
    ]

    class _RowMessage(TextualMessage):
        def __init__(self, message_list: MessageList, message_id: str) -> None:
            super().__init__()
            self.message_list = message_list
            self.message_id = message_id

        @property
        def control(self) -> MessageList:
            return self.message_list

    class Highlighted(_RowMessage):
        """The user moved the highlight (by key or mouse) to `message_id`."""

    class Chosen(_RowMessage):
        """The user chose the highlighted message (enter, or a click on the highlighted row)."""

    class RowsChanged(TextualMessage):
        """The list now shows `rows` rows (its size changed)."""

        def __init__(self, rows: int) -> None:
            super().__init__()
            self.rows = rows

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._messages: list[Message] = []
        self._ids: list[str] = []
        self._signature: list[tuple] | None = None
        self.highlighted: int | None = None
        self._hover: int | None = None
        self.role_styles: dict[str, str] = {}
        self._pieces: dict[str, list[tuple[str, str]]] = {}  # message id → row pieces
        # (message id, row style, width) → the drawn row's segments. Not the Strip: Textual's Strip
        # caches results that are itself, a cycle; one kept across keys only a full collection frees.
        self._rows: dict[tuple, list[Segment]] = {}
        self._styles: dict[tuple[Style, str], RichStyle] = {}  # (row style, piece style) → segment style

    def on_mount(self) -> None:
        self.role_styles = role_styles(self.app.current_theme)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def on_unmount(self) -> None:
        self.app.theme_changed_signal.unsubscribe(self)  # its callback holds this widget

    def _theme_changed(self, theme: Theme) -> None:
        self.role_styles = role_styles(theme)
        self.redraw(self._messages, None if self.highlighted is None else self._ids[self.highlighted])

    # -- what is shown -----------------------------------------------------------------------

    def show_page(self, messages: list[Message], selected_id: str | None) -> None:
        """Replace the rows (only when the page changed, so a refresh does not flicker)."""
        signature = [(m.id, m.text[:80], len(m.metadata_dict)) for m in messages]
        if signature != self._signature:
            self._signature = signature
            self._messages = list(messages)
            self._ids = [m.id for m in messages]
            self._pieces.clear()
            self._rows.clear()
            self.highlighted = self._hover = None
            self.virtual_size = Size(0, len(messages))
            self.refresh()
        self.select_id(selected_id)

    def redraw(self, messages: list[Message], selected_id: str | None) -> None:
        """Draw the rows again even if the page is the same (new role colours)."""
        self._signature = None
        self._styles.clear()
        self.show_page(messages, selected_id)

    def select_id(self, message_id: str | None) -> None:
        """Highlight `message_id` if it is on this page (the store's change: nothing is posted)."""
        if message_id is None or message_id not in self._ids:
            return
        self._move_to(self._ids.index(message_id), announce=False)

    def _move_to(self, index: int, *, announce: bool = True) -> None:
        if not self._ids:
            return
        index = max(0, min(index, len(self._ids) - 1))
        previous = self.highlighted
        if index == previous:
            return
        self.highlighted = index
        if previous is not None:
            self.refresh_line(previous)
        self.refresh_line(index)
        self.scroll_to_region(Region(0, index, 1, 1), animate=False, force=True, immediate=True, x_axis=False)
        if announce:
            self.post_message(self.Highlighted(self, self._ids[index]))

    # -- keys and mouse ----------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        """Next row; the last stays (the browser pages on from there)."""
        self._move_to(0 if self.highlighted is None else self.highlighted + 1)

    def action_cursor_up(self) -> None:
        self._move_to(0 if self.highlighted is None else self.highlighted - 1)

    def action_first(self) -> None:
        self._move_to(0)

    def action_last(self) -> None:
        self._move_to(len(self._ids) - 1)

    def action_page_down(self) -> None:
        self._move_to((self.highlighted or 0) + max(1, self.scrollable_content_region.height))

    def action_page_up(self) -> None:
        self._move_to((self.highlighted or 0) - max(1, self.scrollable_content_region.height))

    def action_choose(self) -> None:
        if self.highlighted is not None:
            self.post_message(self.Chosen(self, self._ids[self.highlighted]))

    def on_resize(self, event: events.Resize) -> None:
        self.post_message(self.RowsChanged(self.scrollable_content_region.height))

    def _row_at(self, event: events.MouseEvent) -> int | None:
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        index = self.scroll_offset.y + offset.y
        return index if 0 <= index < len(self._ids) else None

    def on_click(self, event: events.Click) -> None:
        index = self._row_at(event)
        if index is None:
            return
        if index == self.highlighted:
            self.action_choose()
        else:
            self._move_to(index)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._set_hover(self._row_at(event))

    def on_leave(self, event: events.Leave) -> None:
        self._set_hover(None)

    def _set_hover(self, index: int | None) -> None:
        if index != self._hover:
            for row in (self._hover, index):
                if row is not None:
                    self.refresh_line(row)
            self._hover = index

    # -- drawing -----------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        # A new theme or focus: the same row style object may now mean other colours.
        self._styles.clear()
        self._rows.clear()

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if index == self.highlighted:
            row_style = self.get_visual_style("message-list--highlighted")
        elif index == self._hover:
            row_style = self.get_visual_style("message-list--hover")
        else:
            row_style = self.get_visual_style()
        if not 0 <= index < len(self._messages):
            return Strip.blank(width, row_style.rich_style)
        message = self._messages[index]
        key = (message.id, row_style, width)
        segments = self._rows.get(key)
        if segments is None:
            if len(self._rows) > 1_000:  # widths from resizes pile up; a page is at most 100 rows
                self._rows.clear()
            pieces = self._pieces.get(message.id)
            if pieces is None:
                pieces = self._pieces[message.id] = row_pieces(message, self.role_styles)
            styled = [(text, self._segment_style(row_style, style)) for text, style in pieces]
            segments = self._rows[key] = fit(styled, width, row_style.rich_style)
        return Strip(segments, width)

    def _segment_style(self, row_style: Style, piece_style: str) -> RichStyle:
        """The row's style with a piece's on top, as a Rich style for a segment."""
        key = (row_style, piece_style)
        style = self._styles.get(key)
        if style is None:
            combined = row_style
            if piece_style:
                app = self.app
                combined = row_style + Style.from_rich_style(app.console.get_style(piece_style), app.ansi_theme)
            style = self._styles[key] = combined.rich_style
        return style
