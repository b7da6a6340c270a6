"""The async DashScope client shared by the TUI, the CLI and users' scripts.

One `httpx.AsyncClient` (keep-alive) per `DashScopeClient`, over HTTPS or any httpx
transport: the embedded emulator is `httpx.ASGITransport(app=tui.emulator.create_app(db))`.
Threads and messages live under `base_url` (…/api/v1); conversations and items under
`compat_base_url` (…/compatible-mode/v1, see `tui.api.conversations`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from tui.api.calls import DEFAULT_REGION, REGION_URLS, compat_base_url_for, parse_retry_after
from tui.api.conversations import ConversationCalls
from tui.api.exchange import Timeouts
from tui.api.models import DeletedThread, Message, MessagePage, Thread, parse_page, parse_wire
from tui.api.validation import DEFAULT_LIMIT, check_content, check_limit, check_metadata, check_order

__all__ = ["DEFAULT_REGION", "REGION_URLS", "DashScopeClient", "Timeouts", "compat_base_url_for", "parse_retry_after"]


class DashScopeClient(ConversationCalls):
    """Async client for the DashScope Threads/Messages API and the Conversations API.

    `DashScopeClient(api_key, base_url, workspace, *, compat_base_url=None, region="intl",
    transport=None, timeouts=Timeouts(), max_response_bytes=..., max_tries=3, backoff_base=0.5,
    backoff_cap=8.0, sleep=asyncio.sleep)`. `transport` accepts any httpx transport; `sleep`
    waits out the backoff between tries (a test may record instead). Errors raise `APIError` subclasses (status, code, message,
    request_id), `TransportError`, `ProtocolError` or `ValidationError` (before sending).
    """

    # -- threads -------------------------------------------------------------------------

    async def create_thread(self, *, metadata: dict[str, str] | None = None, messages: list[dict] | None = None) -> Thread:
        """Create a thread (never retried once it may have reached the server)."""
        body: dict[str, Any] = {}
        if metadata:
            body["metadata"] = check_metadata(metadata)
        if messages:
            for item in messages:
                check_content(item.get("content"))
                if item.get("metadata"):
                    check_metadata(item["metadata"])
            body["messages"] = messages
        data = await self._call("POST", "/threads", json_body=body, operation="create thread", safe=False)
        return parse_wire(Thread, data, "create thread")

    async def retrieve_thread(self, thread_id: str) -> Thread:
        """Fetch one thread."""
        data = await self._call("GET", f"/threads/{thread_id}", operation=f"retrieve thread {thread_id}")
        return parse_wire(Thread, data, f"retrieve thread {thread_id}")

    async def modify_thread(self, thread_id: str, *, metadata: dict[str, str]) -> Thread:
        """Replace a thread's metadata."""
        body = {"metadata": check_metadata(metadata)}
        data = await self._call("POST", f"/threads/{thread_id}", json_body=body, operation=f"modify thread {thread_id}")
        return parse_wire(Thread, data, f"modify thread {thread_id}")

    async def delete_thread(self, thread_id: str) -> DeletedThread:
        """Delete a thread and its messages."""
        return await self._delete(f"/threads/{thread_id}", DeletedThread, thread_id, operation=f"delete thread {thread_id}")

    # -- messages ------------------------------------------------------------------------

    async def create_message(
        self, thread_id: str, content: str, *, metadata: dict[str, str] | None = None, role: str = "user"
    ) -> Message:
        """Add a user message to a thread (never retried once it may have reached the server)."""
        body: dict[str, Any] = {"role": role, "content": check_content(content)}
        if metadata:
            body["metadata"] = check_metadata(metadata)
        data = await self._call(
            "POST", f"/threads/{thread_id}/messages", json_body=body, operation=f"create message in {thread_id}", safe=False
        )
        return parse_wire(Message, data, f"create message in {thread_id}")

    async def list_messages(
        self,
        thread_id: str,
        *,
        limit: int = DEFAULT_LIMIT,
        order: str = "desc",
        after: str | None = None,
        before: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> MessagePage:
        """One page of a thread's messages; `after`/`before` are exclusive message-id cursors."""
        params = self._list_params(limit=limit, order=order, after=after, before=before, metadata=metadata)
        data = await self._call(
            "GET", f"/threads/{thread_id}/messages", params=params, operation=f"list messages of {thread_id}"
        )
        return parse_wire(MessagePage, data, f"list messages of {thread_id}")

    async def list_messages_raw(self, thread_id: str, **kwargs: Any) -> dict[str, Any]:
        """The list response exactly as decoded from the server (for `--json`)."""
        params = self._list_params(**kwargs)
        operation = f"list messages of {thread_id}"
        data = await self._call("GET", f"/threads/{thread_id}/messages", params=params, operation=operation)
        parse_wire(MessagePage, data, operation)  # `{}` or a stray object is an error, not an empty page
        return data

    async def iter_messages(
        self,
        thread_id: str,
        *,
        order: str = "asc",
        page_size: int = 100,
        metadata: dict[str, str] | None = None,
        after: str | None = None,
    ) -> AsyncIterator[Message]:
        """Every message of a thread, page by page with the `after` cursor, each exactly once."""
        operation = f"list messages of {thread_id}"
        async for page in self.iter_message_pages(thread_id, order=order, page_size=page_size, metadata=metadata,
                                                  after=after):
            for message in parse_page(Message, page, operation):
                yield message

    async def iter_raw_messages(
        self,
        thread_id: str,
        *,
        order: str = "asc",
        page_size: int = 100,
        metadata: dict[str, str] | None = None,
        after: str | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Like `iter_messages`, but each message as the JSON object the server sent."""
        async for page in self.iter_message_pages(thread_id, order=order, page_size=page_size, metadata=metadata,
                                                  after=after):
            for item in page:
                yield item

    async def iter_message_pages(
        self,
        thread_id: str,
        *,
        order: str = "asc",
        page_size: int = 100,
        metadata: dict[str, str] | None = None,
        after: str | None = None,
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Like `iter_raw_messages`, a page at a time: each page's messages as the server sent them
        (export writes a page at a time)."""

        def params_for(cursor: str | None) -> dict[str, Any]:
            return self._list_params(limit=page_size, order=order, after=cursor, metadata=metadata)

        params_for(after)  # a bad limit, order or filter fails here, before anything is sent
        async for page in self._iter_pages(f"/threads/{thread_id}/messages", params_for,
                                           operation=f"list messages of {thread_id}", after=after):
            yield page

    async def retrieve_message(self, thread_id: str, message_id: str) -> Message:
        """Fetch one message."""
        data = await self._call(
            "GET", f"/threads/{thread_id}/messages/{message_id}", operation=f"retrieve message {message_id}"
        )
        return parse_wire(Message, data, f"retrieve message {message_id}")

    async def modify_message(self, thread_id: str, message_id: str, *, metadata: dict[str, str]) -> Message:
        """Replace a message's metadata with `metadata` (the whole object: keys left out are removed)."""
        body = {"metadata": check_metadata(metadata)}
        data = await self._call(
            "POST",
            f"/threads/{thread_id}/messages/{message_id}",
            json_body=body,
            operation=f"modify message {message_id}",
        )
        return parse_wire(Message, data, f"modify message {message_id}")

    # -- plumbing ------------------------------------------------------------------------

    @staticmethod
    def _list_params(
        *,
        limit: int = DEFAULT_LIMIT,
        order: str = "desc",
        after: str | None = None,
        before: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": check_limit(limit), "order": check_order(order)}
        if after:
            params["after"] = after
        if before:
            params["before"] = before
        if metadata:
            params["metadata"] = json.dumps(check_metadata(metadata), ensure_ascii=False, separators=(",", ":"))
        return params
