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


class MigrateThreads(Message):
    """Migrate these threads into conversations: (thread id, label) pairs (tui/screens/migrate.py)."""

    def __init__(self, threads: list[tuple[str, str]]) -> None:
        super().__init__()
        self.threads = threads


class OpenMigrated(Message):
    """Open the conversation this thread was migrated into (`O` in its browser)."""

    def __init__(self, thread_id: str) -> None:
        super().__init__()
        self.thread_id = thread_id
