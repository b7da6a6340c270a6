"""One open thread (later also a conversation), without Textual: what the browser shows and every flow on it.

A `Session` pages through a `Source` (a thread's messages; a conversation's items can sit
behind the same protocol), keeps the page, cursors, order, filter and selection in a
`BrowserStore`, caches and prefetches pages, and runs the write flows (metadata save with its
stale guard and journal, undo, compose). Screens render from its store and turn keys into
calls on it.
"""

from tui.session.browse import LoadFailed, Notice, PageRequest, Session, SessionEvent
from tui.session.source import ConversationSource, Entry, Page, Source, ThreadSource
from tui.session.writes import (
    AlreadySaved,
    ComposeFlow,
    Conflict,
    Posted,
    Saved,
    SaveFailed,
    SendFailed,
    may_have_landed,
)

__all__ = [
    "AlreadySaved", "ComposeFlow", "Conflict", "ConversationSource", "Entry", "LoadFailed", "Notice", "Page", "PageRequest", "Posted", "Saved",
    "SaveFailed", "SendFailed", "Session", "SessionEvent", "Source", "ThreadSource", "may_have_landed",
]
