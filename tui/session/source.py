"""Where a session's entries come from: a thread's messages or a conversation's items.

Paging uses only the `after` cursor in either order (conversation items have no `before`):
the page before another is the page after its first entry in the opposite order, flipped.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

from tui.api.client import DashScopeClient
from tui.api.models import Conversation, DeletedItem, Item, Message, Thread
from tui.api.validation import ITEM_ROLES
from tui.ids import is_conversation

Entry = Message | Item  # one row of the browser
Owner = Thread | Conversation  # what the entries belong to (its metadata is `E`'s)


class Page(NamedTuple):
    """Entries in the order they were asked for, and whether more follow in that order."""

    entries: list[Entry]
    has_more: bool


class Source(Protocol):
    """What a session reads and writes."""

    kind: str  # "thread" or "conversation": the word the user sees in errors
    entry_word: str  # "message" or "item"
    family: str  # the API the status bar names
    roles: tuple[str, ...]  # what compose may create, the first by default
    entries_have_metadata: bool
    id: str
    client: DashScopeClient

    async def list_page(self, *, limit: int, order: str, after: str | None,
                        metadata: dict[str, str] | None) -> Page: ...

    async def retrieve(self, entry_id: str) -> Entry: ...

    async def create(self, content: str, metadata: dict[str, str] | None, role: str = "user") -> Entry: ...

    async def modify_metadata(self, entry_id: str, metadata: dict[str, str]) -> Entry: ...

    async def retrieve_owner(self) -> Owner: ...

    async def update_owner(self, metadata: dict[str, str]) -> Owner: ...


class ThreadSource:
    """A thread's messages through the Assistant API client."""

    kind = "thread"
    entry_word = "message"
    family = "Assistant API"
    roles = ("user",)
    entries_have_metadata = True

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

    async def create(self, content: str, metadata: dict[str, str] | None, role: str = "user") -> Message:
        return await self.client.create_message(self.id, content, metadata=metadata or None)

    async def modify_metadata(self, entry_id: str, metadata: dict[str, str]) -> Message:
        return await self.client.modify_message(self.id, entry_id, metadata=metadata)

    async def retrieve_owner(self) -> Thread:
        return await self.client.retrieve_thread(self.id)

    async def update_owner(self, metadata: dict[str, str]) -> Thread:
        return await self.client.modify_thread(self.id, metadata=metadata)


class ConversationSource:
    """A conversation's items through the Conversations (compatible-mode) calls."""

    kind = "conversation"
    entry_word = "item"
    family = "Conversations API"
    roles = ITEM_ROLES
    entries_have_metadata = False

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

    async def create(self, content: str, metadata: dict[str, str] | None, role: str = "user") -> Item:
        if metadata:
            raise ValueError("conversation items carry no metadata")
        page = await self.client.create_items(self.id, [{"type": "message", "role": role, "content": content}])
        return page.data[0]

    async def modify_metadata(self, entry_id: str, metadata: dict[str, str]) -> Item:
        raise ValueError("conversation items carry no metadata: edit the conversation's (E)")

    async def delete(self, entry_id: str) -> DeletedItem:
        return await self.client.delete_item(self.id, entry_id)

    async def retrieve_owner(self) -> Conversation:
        return await self.client.retrieve_conversation(self.id)

    async def update_owner(self, metadata: dict[str, str]) -> Conversation:
        return await self.client.update_conversation(self.id, metadata=metadata)


def source_for(client: DashScopeClient, entry_id: str) -> ThreadSource | ConversationSource:
    """The source behind an id: `conv_…` is a conversation, anything else a thread."""
    if is_conversation(entry_id):
        return ConversationSource(client, entry_id)
    return ThreadSource(client, entry_id)
