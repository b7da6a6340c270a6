"""How screens tell the user about failures and copies (shared by every screen, no app import)."""

from __future__ import annotations

from textual.app import App

from tui.api.errors import ThreadscopeError
from tui.inert import copyable, make_inert


def report(app: App, error: ThreadscopeError, headline: str | None = None) -> None:
    """An expected failure as a notice: what failed, code, request_id, and what to try."""
    text = error.describe()
    if headline:
        text = f"{headline}\n{text}"
    app.notify(make_inert(text), severity="error", timeout=12, markup=False)


def copy_text(app: App, what: str, text: str) -> None:
    """Copy `text`: through the terminal (OSC 52) always, and the system clipboard when there is one.

    Server text can carry escape sequences that would act when pasted into a terminal (end a
    bracketed paste, say): controls and bidi formatting characters are left out, and the notice says so.
    """
    text, left_out = copyable(text)
    said = f" ({left_out}: they would act when pasted)" if left_out else ""
    app.copy_to_clipboard(text)
    try:
        import pyperclip

        pyperclip.copy(text)
    except Exception:  # pyperclip raises its own exception type, or others without a display
        app.notify(f"Sent {what} to the terminal clipboard (OSC 52){said}.", timeout=6 if said else 3, markup=False)
        return
    app.notify(f"Copied {what} to the clipboard{said}.", timeout=6 if said else 3, markup=False)
