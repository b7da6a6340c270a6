"""What the terminal would receive: the composited screen as text, and the sequences that draw it.

Only public Textual APIs: `App.export_screenshot`, `Screen.find_widget`, `Widget.render_lines`, `Strip.render`.
"""

from __future__ import annotations

import html
import re

from rich.cells import cell_len
from textual.errors import NoWidget

# Raw characters that must never reach the terminal from server text (Textual's own output has none of them).
RAW_CONTROLS = {
    "ESC ]  (OSC: clipboard, title, hyperlink)": "\x1b]",
    "ESC [2J (clear screen)": "\x1b[2J",
    "NUL": "\x00",
    "BEL": "\x07",
    "BS": "\x08",
    "C1 CSI": "\x9b",
    "C1 OSC": "\x9d",
    "RLO bidi override": "\u202e",
    "ZWSP": "\u200b",
    "word joiner": "\u2060",
}


def screen_lines(app) -> list[str]:
    """Every row of the screen as the user sees it (toasts and modals included), as plain text."""
    return ["".join(row) for row in _screen_cells(app)]


def _screen_cells(app) -> list[list[str]]:
    """The screen as rows of terminal cells.

    Read from `App.export_screenshot()`, the public picture of the composited screen: each
    `<text>` names its row (clip path) and column (x), the blank cells between them are spaces.
    """
    svg = app.export_screenshot()
    width, height = app.size
    char_width = float(re.search(r'<clipPath id="[\w-]+-line-0">\s*<rect x="0" y="[\d.]+" width="([\d.]+)"', svg)[1]) / width
    rows = [[" "] * width for _ in range(height)]
    texts = re.findall(r'<text class="[^"]*" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
                       r'clip-path="url\(#[\w-]+-line-(\d+)\)">(.*?)</text>', svg, re.S)
    assert texts, "no text read from the screenshot: has Rich's SVG layout changed?"  # else absence checks pass vacuously
    for x, y, text in texts:
        text = html.unescape(text.replace("&#160;", " ")).rstrip("\n")  # a row ends in its line break
        _place(rows[int(y)], round(float(x) / char_width), text)
    return rows


def _place(row: list[str], column: int, text: str) -> None:
    """Write `text` into `row` from `column`, one entry per terminal cell (a wide character's second cell stays "")."""
    for char in text:
        width = cell_len(char)
        if width == 0:  # combining and zero-width characters ride on the cell before them
            row[max(column - 1, 0)] += char
            continue
        if column + width > len(row):  # cropped at the right edge, as the terminal would
            return
        row[column: column + width] = [char, ""][:width]
        column += width


def screen_text(app) -> str:
    return "\n".join(screen_lines(app))


def region_text(app, widget) -> str:
    """The rows and columns of the screen that `widget` occupies, as plain text."""
    region = widget.region
    rows = _screen_cells(app)[region.y: region.y + region.height]
    return "\n".join("".join(row[region.x: region.x + region.width]) for row in rows)


def terminal_output(app) -> str:
    """The terminal sequences (escape codes included) that draw the visible part of every widget on the screen.

    Each widget paints its own lines (`Widget.render_lines`, clipped as the screen shows it) and
    `Strip.render` turns them into what is written to the terminal; only cursor moves are left out.
    """
    screen = app.screen
    drawn = []
    for widget in [screen, *screen.query("*")]:
        try:
            geometry = screen.find_widget(widget)
        except NoWidget:  # not laid out: not drawn
            continue
        visible = geometry.visible_region
        if visible.area:
            crop = visible.translate(-geometry.region.offset)
            drawn.extend(strip.render(app.console) for strip in widget.render_lines(crop))
    return "\n".join(drawn)


def raw_controls_in(text: str) -> list[str]:
    """Names of the raw control characters/sequences found in `text`."""
    return [name for name, raw in RAW_CONTROLS.items() if raw in text]


def toast_text(app) -> str:
    """The text of every toast on screen, wrapping and the toast's edge folded away."""
    parts = [region_text(app, toast).replace("▌", " ") for toast in app.screen.query("Toast")]
    return " ".join(" ".join(parts).split())


async def wait_for_toast(app, pilot, words: str) -> str:
    """Pause until a toast showing `words` is on screen (a toast is laid out a few refreshes after its notice)."""
    for _ in range(50):
        shown = toast_text(app)
        if words in shown:
            return shown
        await pilot.pause()
    raise AssertionError(f"no toast saying {words!r}; toasts: {toast_text(app)!r}")
