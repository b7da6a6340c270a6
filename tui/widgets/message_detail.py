"""The detail pane: every field of one message or item, its text as Markdown (an item's parts, each inert), or the raw JSON as sent."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.api.models import Item, Message
from tui.inert import make_inert

if TYPE_CHECKING:
    from rich.syntax import Syntax
    from textual.widgets import Markdown

# Past this, Markdown layout is too slow to be worth it: show the text plain (still inert).
MARKDOWN_MAX_CHARS = 40_000
MARKDOWN_MAX_LINES = 1_500
PLAIN_MAX_CHARS = 200_000
PLAIN_MAX_LINES = 2_000  # a 20,000-line text lays out in seconds; the rest is in raw JSON / export
RAW_HIGHLIGHT_MAX_CHARS = 100_000  # beyond this, raw JSON is shown unhighlighted (and cut)

# Characters that cannot start Markdown markup, an entity, HTML or a link ("gfm-like" links bare
# domains, so no "." before another character); lines are checked for block starts below.
PLAIN_CHARS = re.compile(r"(?:[^\W_]|[ ,;:'\"?!()\n-]|\.(?![^ \n]))*")
BLOCK_START = re.compile(r"[ \-+=>]|\d+[.)]")


def reads_as_typed(text: str) -> bool:
    """True when Markdown would show `text` as typed (but for spaces ending a line, which it drops):
    one paragraph of plain words and line breaks."""
    if not PLAIN_CHARS.fullmatch(text):
        return False
    return all(line.strip() and not BLOCK_START.match(line) for line in text.split("\n"))


def relative(when: datetime, now: datetime | None = None) -> str:
    """'3 minutes ago', '2 days ago', 'in 5 seconds'."""
    if now is None:
        from tui.clock import now as clock_now

        now = clock_now()
    seconds = (now - when).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("year", 31_536_000), ("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1)):
        if seconds >= size or unit == "second":
            count = int(seconds // size)
            words = f"{count} {unit}{'' if count == 1 else 's'}"
            return f"in {words}" if future else f"{words} ago"
    return ""


def line_breaking_parser():
    """Textual's Markdown parser, with each newline in a paragraph kept (as typed in compose), not joined."""
    from markdown_it import MarkdownIt

    def keep_newlines(state) -> None:
        for token in state.tokens:
            for child in token.children or ():
                if child.type == "softbreak":
                    child.type = "hardbreak"

    parser = MarkdownIt("gfm-like")
    parser.core.ruler.push("keep_newlines", keep_newlines)
    return parser


def pretty_json(value: Any) -> str:
    return make_inert(json.dumps(value, ensure_ascii=False, indent=2))


def describe_tool_call(call: Any) -> Text:
    """A tool call as `name(arguments)` and its output, readable, inert."""
    text = Text()
    if not isinstance(call, dict):
        text.append(pretty_json(call))
        return text
    function = call.get("function") if isinstance(call.get("function"), dict) else {}
    name = function.get("name") or call.get("type") or "?"
    text.append(make_inert(str(name)), style="bold")
    text.append(f"  {make_inert(str(call.get('id', '')))}  {make_inert(str(call.get('type', '')))}\n", style="dim")
    for label in ("arguments", "output"):
        value = function.get(label)
        if value in (None, ""):
            continue
        try:
            value = json.loads(value) if isinstance(value, str) else value
            shown = pretty_json(value)
        except ValueError:
            shown = make_inert(str(value))
        text.append(f"{label}: ", style="italic")
        text.append(shown + "\n")
    extra = {k: v for k, v in call.items() if k not in ("function", "id", "type")}
    if extra:
        text.append(pretty_json(extra) + "\n")
    return text


class MessageDetail(VerticalScroll, can_focus=True):
    """Shows one message: rendered (fields, Markdown, annotations, tools, metadata) or raw JSON."""

    DEFAULT_CSS = """
    MessageDetail { padding: 0 1; }
    MessageDetail > .section { color: $text-muted; text-style: bold; margin-top: 1; }
    MessageDetail > #detail-header { margin-bottom: 0; }
    MessageDetail > Markdown { margin: 0; padding: 0; }
    MessageDetail > #detail-empty { color: $text-muted; margin: 1 0; }
    """

    def __init__(self, *, empty_text: str = "No message selected.", **kwargs) -> None:
        super().__init__(**kwargs)
        self.message: Message | None = None
        self.raw = False
        self.empty_text = empty_text
        self.owner_id: str | None = None  # the conversation an item belongs to (items do not say)
        self._rendered: tuple[object, bool] | None = None

    def compose(self):
        # Only the empty line at first: the sections join when the first message is shown (a
        # frame after the list is painted), so eleven widgets fewer are mounted and styled
        # before the first paint.
        yield Static(self.empty_text, id="detail-empty", markup=False)

    @staticmethod
    def _sections():
        # A fixed set of children updated in place: no remove/mount race when keys repeat fast,
        # and moving the highlight only re-renders what changed.
        yield Static("", id="detail-raw")
        yield Static("", id="detail-header")
        yield Static("Text", classes="section", id="section-text", markup=False)
        yield Static("", id="detail-text")
        # The Markdown widget (#detail-markdown) joins after the first paint: see _markdown().
        yield Static("", classes="section", id="section-annotations", markup=False)
        yield Static("", id="detail-annotations")
        yield Static("", classes="section", id="section-tools", markup=False)
        yield Static("", id="detail-tools")
        yield Static("Plugin call", classes="section", id="section-plugin", markup=False)
        yield Static("", id="detail-plugin")
        yield Static("", classes="section", id="section-metadata", markup=False)
        yield Static("", id="detail-metadata")

    def on_mount(self) -> None:
        self._composed = True
        self._rendered = None
        self.show(self.message)
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.refresh_view())

    def on_unmount(self) -> None:
        self.app.theme_changed_signal.unsubscribe(self)  # its callback holds this widget

    def _put(self, widget_id: str, content: Any = None) -> None:
        """Show `widget_id` (with new content); what is not put during a render is hidden after it."""
        widget = self.get_child_by_id(widget_id)
        if content is not None and isinstance(widget, Static):
            widget.update(content)
        self._visible.add(widget_id)

    def _apply_visibility(self) -> None:
        # Only touch `display` where it changes: each change costs a layout pass.
        for child in self.children:
            want = child.id in self._visible
            if child.display != want:
                child.display = want

    def show(self, message: Message | None, *, raw: bool | None = None) -> None:
        """Render `message` (None: an empty pane) in the current or given mode."""
        if raw is not None:
            self.raw = raw
        self.message = message
        # Identity of the raw dict, not id(): a freed dict's id can be reused by the next message.
        key = (message.raw if message is not None else self.empty_text, self.raw)
        previous = self._rendered
        if previous is not None and previous[1] == key[1] and (
                previous[0] is key[0] or (isinstance(key[0], str) and previous[0] == key[0])):
            return
        if not getattr(self, "_composed", False):
            return  # on_mount renders whatever was asked for before the children existed
        self._rendered = key
        with self.app.batch_update():
            if message is not None and not self.query_children("#detail-raw"):
                self.mount_all(self._sections())
            self._visible: set[str] = set()
            if self.scroll_y:
                self.scroll_home(animate=False)
            if message is None:
                self._put("detail-empty", Text(self.empty_text))
            elif self.raw:
                self._put("detail-raw", self._raw_view(message))
            else:
                self._render_message(message)
            self._apply_visibility()

    def refresh_view(self) -> None:
        """Render again even if the same message is shown (e.g. after a theme change)."""
        self._rendered = None
        self.show(self.message)

    def _markdown(self) -> Markdown | None:
        """The Markdown widget, or None while it is still to come.

        Importing Textual's Markdown (markdown-it, pygments) is a large part of a cold
        start: the message list is painted first, then the widget is
        imported and mounted, and the message shown again with it.
        """
        children = self.query_children("#detail-markdown")
        if children:
            return children.first()
        if not getattr(self, "_markdown_coming", False):
            self._markdown_coming = True
            self.call_after_refresh(self._mount_markdown)
        return None

    async def _mount_markdown(self) -> None:
        from textual.widgets import Markdown

        if not self.is_attached:  # the app quit, or the screen closed, before its second frame
            return
        await self.mount(Markdown("", id="detail-markdown", open_links=False, parser_factory=line_breaking_parser),
                         after="#detail-text")
        self.refresh_view()

    @staticmethod
    def _raw_view(message: Message) -> Syntax | Text:
        from rich.syntax import Syntax  # pygments: only when raw JSON is first shown

        shown = pretty_json(message.raw)
        if len(shown) <= RAW_HIGHLIGHT_MAX_CHARS:
            return Syntax(shown, "json", word_wrap=True, background_color="default", theme="ansi_dark")
        # Highlighting a megabyte takes seconds per key press: plain, cut, and say so.
        note = Text(f"(raw JSON of {len(shown):,} characters, shown without highlighting"
                    + (f"; the first {PLAIN_MAX_CHARS:,} — y → message JSON copies all of it" if len(shown) > PLAIN_MAX_CHARS else "")
                    + ")\n", style="dim italic")
        return note + Text(shown[:PLAIN_MAX_CHARS])

    def _render_item(self, item: Item) -> None:
        rows = [("id", item.id), ("type", item.type), ("role", item.role or "(none)")]
        if item.status:
            rows.append(("status", item.status))
        if self.owner_id:
            rows.append(("conversation", self.owner_id))
        self._put("detail-header", self._rows_text(rows))
        parts = item.parts
        self._put("section-text", Text(f"Content ({len(parts)} part{'' if len(parts) == 1 else 's'})"))
        self._put("detail-text", self._parts_text(parts))
        self._put("section-metadata", Text("Metadata"))
        self._put("detail-metadata", Text("Items carry no metadata: E edits the conversation's.", style="dim italic"))

    @staticmethod
    def _parts_text(parts: list[Any]) -> Text:
        """Every content part: its type, then its text (or, for another shape, its JSON), all inert."""
        text = Text()
        if not parts:
            return Text("(no content)", style="dim italic")
        for index, part in enumerate(parts):
            kind = part.get("type", "?") if isinstance(part, dict) else type(part).__name__
            if index:
                text.append("\n")
            text.append(f"{index + 1}. {make_inert(str(kind))}\n", style="bold dim")
            value = part.get("text") if isinstance(part, dict) else None
            body = value if isinstance(value, str) else pretty_json(part)
            if len(body) > PLAIN_MAX_CHARS:
                body = body[:PLAIN_MAX_CHARS] + f"\n… {len(body) - PLAIN_MAX_CHARS:,} more characters (see raw JSON)"
            text.append(make_inert(body) + "\n")
        return text

    def _render_message(self, message: Message | Item) -> None:
        if isinstance(message, Item):
            self._render_item(message)
            return
        self._put("detail-header", self._header(message))
        self._put("section-text")
        body = message.text
        if not body:
            self._put("detail-text", Text("(no text content)", style="dim italic"))
        elif len(body) > MARKDOWN_MAX_CHARS or body.count("\n") > MARKDOWN_MAX_LINES:
            head = body[:PLAIN_MAX_CHARS]
            lines = head.split("\n")
            if len(lines) > PLAIN_MAX_LINES:
                head = "\n".join(lines[:PLAIN_MAX_LINES])
            shown = make_inert(head)
            rest = len(body) - len(head)
            note = "" if not rest else f"\n… {rest:,} more characters (see raw JSON or export)"
            self._put("detail-text", Text(f"(long message: {len(body):,} characters, shown as plain text)\n", style="dim italic")
                      + Text(shown + note))
        else:
            inert = make_inert(body)
            markdown = self._markdown()
            # For a frame or two at start: the text as it is, then rendered. Plain prose stays in
            # the Static: Markdown.update replaces its block widgets, garbage a full collection frees.
            if markdown is None:
                self._put("detail-text", Text(inert))
            elif reads_as_typed(inert):
                self._put("detail-text", Text("\n".join(line.rstrip(" ") for line in inert.split("\n"))))
            else:
                if markdown.source != inert:
                    markdown.update(inert)
                self._visible.add("detail-markdown")
        if message.annotations:
            self._put("section-annotations", Text(f"Annotations ({len(message.annotations)})"))
            self._put("detail-annotations", self._annotations(message.annotations))
        if message.tool_calls:
            self._put("section-tools", Text(f"Tool calls ({len(message.tool_calls)})"))
            text = Text()
            for call in message.tool_calls:
                text.append_text(describe_tool_call(call))
            self._put("detail-tools", text)
        if message.plugin_call:
            self._put("section-plugin")
            self._put("detail-plugin", Text(pretty_json(message.plugin_call)))
        metadata = message.metadata_dict
        self._put("section-metadata", Text(f"Metadata ({len(metadata)})"))
        if metadata:
            table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, expand=False)
            table.add_column("key", no_wrap=True)
            table.add_column("value", overflow="fold")
            for key, value in metadata.items():
                table.add_row(Text(make_inert(str(key))), Text(make_inert(str(value))))
            self._put("detail-metadata", table)
        else:
            self._put("detail-metadata", Text("(none)", style="dim italic"))

    @staticmethod
    def _header(message: Message) -> Text:
        created = message.created
        local = created.astimezone()
        rows = [
            ("id", message.id),
            ("role", message.role),
            ("created", f"{created:%Y-%m-%d %H:%M:%S}.{created.microsecond // 1000:03d} UTC · {relative(created)}"
                        + (f" · local {local:%H:%M:%S %Z}" if local.utcoffset() else "")),
            ("thread_id", message.thread_id),
        ]
        if message.assistant_id:
            rows.append(("assistant_id", message.assistant_id))
        if message.run_id:
            rows.append(("run_id", message.run_id))
        status = message.status
        if status:
            rows.append(("status", status.get("status", json.dumps(status)) if isinstance(status, dict) else str(status)))
        if message.name:
            rows.append(("name", message.name))
        return MessageDetail._rows_text(rows)

    @staticmethod
    def _rows_text(rows: list[tuple[str, Any]]) -> Text:
        text = Text()
        for index, (label, value) in enumerate(rows):
            text.append(f"{label:<13}", style="dim")
            text.append(make_inert(str(value)), style="bold" if label == "id" else "")
            if index < len(rows) - 1:
                text.append("\n")
        return text

    @staticmethod
    def _annotations(annotations: list[Any]) -> Text:
        text = Text()
        for note in annotations:
            if not isinstance(note, dict):
                text.append(pretty_json(note) + "\n")
                continue
            kind = note.get("type", "annotation")
            text.append(make_inert(str(kind)), style="bold")
            if note.get("text"):
                text.append(f"  {make_inert(str(note['text']))}")
            if "start_index" in note:
                text.append(f"  [{note.get('start_index')}–{note.get('end_index')}]", style="dim")
            detail = note.get(kind) if isinstance(note.get(kind), dict) else None
            if detail:
                for key, value in detail.items():
                    text.append(f"\n    {make_inert(str(key))}: ", style="dim")
                    text.append(make_inert(str(value)))
            text.append("\n")
        return text
