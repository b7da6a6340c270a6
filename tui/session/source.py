"""Where a session's entries come from: a thread's messages today, a conversation's items next.

Paging uses only the `after` cursor in either order (conversation items have no `before`):
the page before another is the page after its first entry in the opposite order, flipped.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

from tui.api.client import DashScopeClient
from tui.api.models import Message


class Page(NamedTuple):
    """Entries in the order they were asked for, and whether more follow in that order."""

    entries: list[Message]
    has_more: bool


class Source(Protocol):
    """What a session reads and writes."""

    kind: str  # "thread" or "conversation": the word the user sees in errors
    id: str
    client: DashScopeClient

    async def list_page(self, *, limit: int, order: str, after: str | None,
                        metadata: dict[str, str] | None) -> Page: ...

    async def retrieve(self, entry_id: str) -> Message: ...

    async def create(self, content: str, metadata: dict[str, str] | None) -> Message: ...

    async def modify_metadata(self, entry_id: str, metadata: dict[str, str]) -> Message: ...


class ThreadSource:
    """A thread's messages through the Assistant API client."""

    kind = "thread"

    def __init__(self, client: DashScopeClient, thread_id: str) -> None:
        self.client = client
        self.id = thread_id

    async def list_page(self, *, limit: int, order: str, after: str | None,
                        metadata: dict[str, str] | None) -> Page:
        page = await self.client.list_messages(self.id, limit=limit, order=order, after=after,
                                               metadata=metadata or None)
        return Page(list(page.data), page.has_more)

    async def retrieve(self, entry_id: str) -> Message:
        return await self.client.retrieve_message(self.id, entry_id)

    async def create(self, content: str, metadata: dict[str, str] | None) -> Message:
        return await self.client.create_message(self.id, content, metadata=metadata or None)

    async def modify_metadata(self, entry_id: str, metadata: dict[str, str]) -> Message:
        return await self.client.modify_message(self.id, entry_id, metadata=metadata)
