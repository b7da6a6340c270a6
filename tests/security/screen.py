"""What the terminal would receive: the composited screen as text, and as the bytes a redraw writes."""

from __future__ import annotations

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
    """Every row of the current screen (toasts and modals included), as plain text."""
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip) for strip in strips]


def screen_text(app) -> str:
    return "\n".join(screen_lines(app))


def region_text(app, widget) -> str:
    """The rows and columns of the screen that `widget` occupies, as plain text."""
    region = widget.region
    strips = app.screen._compositor.render_strips()
    rows = strips[region.y: region.y + region.height]
    return "\n".join("".join(s.text for s in strip.crop(region.x, region.x + region.width)) for strip in rows)


def terminal_output(app) -> str:
    """The exact text a full redraw of the current screen writes to the terminal (escape codes included)."""
    return app.screen._compositor.render_full_update().render_segments(app.console)


def raw_controls_in(text: str) -> list[str]:
    """Names of the raw control characters/sequences found in `text`."""
    return [name for name, raw in RAW_CONTROLS.items() if raw in text]


def toast_text(app) -> str:
    """The text of every toast on screen, wrapping and the toast's edge folded away."""
    from textual.widgets._toast import Toast

    parts = [region_text(app, toast).replace("▌", " ") for toast in app.screen.query(Toast)]
    return " ".join(" ".join(parts).split())


async def wait_for_toast(app, pilot, words: str) -> str:
    """Pause until a toast showing `words` is on screen (a toast is laid out a few refreshes after its notice)."""
    for _ in range(50):
        shown = toast_text(app)
        if words in shown:
            return shown
        await pilot.pause()
    raise AssertionError(f"no toast saying {words!r}; toasts: {toast_text(app)!r}")
