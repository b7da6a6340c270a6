"""Where screens ask the app to go: Textual messages up, so no screen imports the app."""

from __future__ import annotations

from textual.message import Message


class OpenThread(Message):
    """Show this thread's browser (and remember the thread)."""

    def __init__(self, thread_id: str) -> None:
        super().__init__()
        self.thread_id = thread_id


class AskForThread(Message):
    """Ask the user for a thread id, then open it."""


class ShowLedger(Message):
    """Go back to the thread ledger."""


class NewThread(Message):
    """Create a thread on the server and open it."""
