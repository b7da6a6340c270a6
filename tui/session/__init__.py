"""One open thread or conversation, without Textual: what the browser shows and every flow on it.

A `Session` pages through a `Source` (a thread's messages, or a conversation's items), keeps the page, cursors, order, filter and selection in a
`BrowserStore`, caches and prefetches pages, and runs the write flows (metadata save with its
stale guard and journal — of an entry or of the thread or conversation itself — undo, compose,
and deleting an item). Screens render from its store and turn keys into
calls on it.
"""

import importlib
from typing import Any

from tui.session.browse import LoadFailed, Notice, PageRequest, Session, SessionEvent
from tui.session.source import ConversationSource, Entry, Owner, Page, Source, ThreadSource, source_for

__all__ = [
    "AlreadySaved", "ComposeFlow", "Conflict", "ConversationSource", "DeleteFailed", "Deleted", "Entry", "LoadFailed",
    "Notice", "Owner", "OwnerWrites", "Page", "PageRequest", "Posted", "Saved", "SaveFailed", "SendFailed", "Session",
    "SessionEvent", "Source", "ThreadSource", "may_have_landed", "source_for",
]

# The write flows' names, loaded with tui.session.writes when first asked for (PEP 562): opening a
# thread to read it needs none of them.
_WRITE_NAMES = frozenset({"AlreadySaved", "ComposeFlow", "Conflict", "DeleteFailed", "Deleted", "OwnerWrites", "Posted",
                          "Saved", "SaveFailed", "SendFailed", "may_have_landed"})


def __getattr__(name: str) -> Any:
    if name in _WRITE_NAMES:
        return getattr(importlib.import_module("tui.session.writes"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
