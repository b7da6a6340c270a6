"""The Conversations calls (OpenAI-compatible, under `compat_base_url`): CONTRACT §5.

Conversation and item creates are never sent twice: a create whose outcome is unknown
raises `OutcomeUnknownError`. Everything else is safe to retry.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from tui.api.calls import ApiCalls
from tui.api.models import Conversation, DeletedConversation, DeletedItem, Item, ItemPage, parse_page, parse_wire
from tui.api.validation import DEFAULT_LIMIT, check_items, check_limit, check_metadata, check_order


class ConversationCalls(ApiCalls):
    """Conversations and their items."""

    async def create_conversation(self, items: list[dict[str, Any]] | None = None,
                                  metadata: dict[str, str] | None = None) -> Conversation:
        """Create a conversation, with up to 20 items and metadata (never sent twice)."""
        body: dict[str, Any] = {}
        if items:
            body["items"] = check_items(items, least=0)
        if metadata is not None:
            body["metadata"] = check_metadata(metadata)
        data = await self._call("POST", "/conversations", json_body=body, operation="create conversation",
                                compat=True, safe=False, create=True)
        return parse_wire(Conversation, data, "create conversation")

    async def retrieve_conversation(self, conversation_id: str) -> Conversation:
        """Fetch one conversation."""
        operation = f"retrieve conversation {conversation_id}"
        data = await self._call("GET", f"/conversations/{conversation_id}", operation=operation, compat=True)
        return parse_wire(Conversation, data, operation)

    async def update_conversation(self, conversation_id: str, *, metadata: dict[str, str]) -> Conversation:
        """Replace a conversation's metadata with `metadata` (keys left out are removed)."""
        operation = f"update conversation {conversation_id}"
        data = await self._call("POST", f"/conversations/{conversation_id}", json_body={"metadata": check_metadata(metadata)},
                                operation=operation, compat=True)
        return parse_wire(Conversation, data, operation)

    async def delete_conversation(self, conversation_id: str) -> DeletedConversation:
        """Delete a conversation; it and its items answer 404 afterwards."""
        return await self._delete(f"/conversations/{conversation_id}", DeletedConversation, conversation_id,
                                  operation=f"delete conversation {conversation_id}", compat=True)

    async def create_items(self, conversation_id: str, items: list[dict[str, Any]]) -> ItemPage:
        """Append 1–20 items, in order; the answer lists the created items (never sent twice)."""
        operation = f"create items in {conversation_id}"
        data = await self._call("POST", f"/conversations/{conversation_id}/items",
                                json_body={"items": check_items(items, least=1)}, operation=operation,
                                compat=True, safe=False, create=True)
        return parse_wire(ItemPage, data, operation)

    async def list_items(self, conversation_id: str, *, limit: int = DEFAULT_LIMIT, order: str = "desc",
                         after: str | None = None) -> ItemPage:
        """One page of a conversation's items; `after` is the item the page follows, in that order."""
        operation = f"list items of {conversation_id}"
        data = await self._call("GET", f"/conversations/{conversation_id}/items", operation=operation, compat=True,
                                params=self._item_params(limit, order, after))
        return parse_wire(ItemPage, data, operation)

    async def list_items_raw(self, conversation_id: str, *, limit: int = DEFAULT_LIMIT, order: str = "desc",
                             after: str | None = None) -> dict[str, Any]:
        """The list response exactly as decoded from the server (for `--json`)."""
        operation = f"list items of {conversation_id}"
        data = await self._call("GET", f"/conversations/{conversation_id}/items", operation=operation, compat=True,
                                params=self._item_params(limit, order, after))
        parse_wire(ItemPage, data, operation)
        return data

    async def iter_items(self, conversation_id: str, *, order: str = "asc", page_size: int = 100,
                         after: str | None = None) -> AsyncIterator[Item]:
        """Every item of a conversation, page by page, each exactly once."""
        operation = f"list items of {conversation_id}"
        async for page in self.iter_item_pages(conversation_id, order=order, page_size=page_size, after=after):
            for item in parse_page(Item, page, operation):
                yield item

    async def iter_raw_items(self, conversation_id: str, *, order: str = "asc", page_size: int = 100,
                             after: str | None = None) -> AsyncIterator[dict[str, Any]]:
        """Like `iter_items`, each item as the JSON object the server sent."""
        async for page in self.iter_item_pages(conversation_id, order=order, page_size=page_size, after=after):
            for raw in page:
                yield raw

    async def iter_item_pages(self, conversation_id: str, *, order: str = "asc", page_size: int = 100,
                              after: str | None = None) -> AsyncIterator[list[dict[str, Any]]]:
        """Like `iter_raw_items`, a page at a time: each page's items as the server sent them."""

        def params_for(cursor: str | None) -> dict[str, Any]:
            return self._item_params(page_size, order, cursor)

        params_for(after)  # a bad limit or order fails before anything is sent
        async for page in self._iter_pages(f"/conversations/{conversation_id}/items", params_for,
                                           operation=f"list items of {conversation_id}", after=after, compat=True):
            yield page

    async def retrieve_item(self, conversation_id: str, item_id: str) -> Item:
        """Fetch one item."""
        operation = f"retrieve item {item_id}"
        data = await self._call("GET", f"/conversations/{conversation_id}/items/{item_id}", operation=operation,
                                compat=True)
        return parse_wire(Item, data, operation)

    async def delete_item(self, conversation_id: str, item_id: str) -> DeletedItem:
        """Delete one item."""
        return await self._delete(f"/conversations/{conversation_id}/items/{item_id}", DeletedItem, item_id,
                                  operation=f"delete item {item_id}", compat=True)

    @staticmethod
    def _item_params(limit: int, order: str, after: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": check_limit(limit), "order": check_order(order)}
        if after:
            params["after"] = after
        return params
