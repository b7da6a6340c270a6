"""Fit table columns to the width there is: values are cut with "…" rather than scrolled out of sight."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

ELLIPSIS = "…"


def cut_end(text: str, width: int, style: str = "") -> Text:
    """`text` in at most `width` cells, its end replaced by "…" when it does not fit."""
    cut = Text(text, style=style, no_wrap=True)
    cut.truncate(max(1, width), overflow="ellipsis")
    return cut


def cut_middle(text: str, width: int) -> str:
    """`text` in at most `width` cells, keeping its head and its tail (where ids differ) around "…"."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    tail_cells = (width - 1) // 2
    head = _leading(text, width - 1 - tail_cells)
    tail = _leading(text[::-1], tail_cells)[::-1]
    return f"{head}{ELLIPSIS}{tail}"


def _leading(text: str, cells: int) -> str:
    """The longest start of `text` that fits in `cells` cells (wide characters count two)."""
    used = 0
    for n, char in enumerate(text):
        used += cell_len(char)
        if used > cells:
            return text[:n]
    return text


def fit(natural: dict[str, int], available: int, shrink: list[tuple[str, int]]) -> dict[str, int]:
    """Column widths summing to at most `available` where possible.

    Columns start at their `natural` width; while too wide, each `(key, floor)` step of
    `shrink` in turn narrows one column (if shown), never below its floor.
    """
    widths = dict(natural)
    excess = sum(widths.values()) - available
    for key, floor in shrink:
        if excess <= 0:
            break
        if key not in widths:
            continue
        take = min(excess, max(0, widths[key] - floor))
        widths[key] -= take
        excess -= take
    return widths
