"""Where a session's entries come from: a thread's messages today, a conversation's items next.

Paging uses only the `after` cursor in either order (conversation items have no `before`):
the page before another is the page after its first entry in the opposite order, flipped.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

from tui.api.client import DashScopeClient
from tui.api.models import Item, Message

Entry = Message | Item  # a thread's message or a conversation's item


class Page(NamedTuple):
    """Entries in the order they were asked for, and whether more follow in that order."""

    entries: list[Entry]
    has_more: bool


class Source(Protocol):
    """What a session reads and writes."""

    kind: str  # "thread" or "conversation": the word the user sees in errors
    id: str
    client: DashScopeClient

    async def list_page(self, *, limit: int, order: str, after: str | None,
                        metadata: dict[str, str] | None) -> Page: ...

    async def retrieve(self, entry_id: str) -> Entry: ...

    async def create(self, content: str, metadata: dict[str, str] | None) -> Entry: ...

    async def modify_metadata(self, entry_id: str, metadata: dict[str, str]) -> Entry: ...


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


class ConversationSource:
    """A conversation's items through the Conversations API (items carry no metadata)."""

    kind = "conversation"

    def __init__(self, client: DashScopeClient, conversation_id: str) -> None:
        self.client = client
        self.id = conversation_id

    async def list_page(self, *, limit: int, order: str, after: str | None,
                        metadata: dict[str, str] | None) -> Page:
        if metadata:
            raise ValueError("conversation items carry no metadata to filter on")
        page = await self.client.list_items(self.id, limit=limit, order=order, after=after)
        return Page(list(page.data), page.has_more)

    async def retrieve(self, entry_id: str) -> Item:
        return await self.client.retrieve_item(self.id, entry_id)

    async def create(self, content: str, metadata: dict[str, str] | None) -> Item:
        if metadata:
            raise ValueError("conversation items carry no metadata")
        created = await self.client.create_items(self.id, [{"role": "user", "content": content}])
        return created.data[0]

    async def modify_metadata(self, entry_id: str, metadata: dict[str, str]) -> Item:
        raise ValueError("conversation items carry no metadata: edit the conversation's own metadata instead")
