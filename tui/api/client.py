"""The async DashScope client shared by the TUI, the CLI and users' scripts.

One `httpx.AsyncClient` (keep-alive) per `DashScopeClient` — or, for the embedded
emulator, requests handed to it in-process (`tui.api.exchange`). Safe operations (list,
retrieve, modify, thread retrieve) retry on connection failures and 429/5xx with
exponential backoff and jitter, honouring `Retry-After`; creates are never retried once
the request may have reached the server.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import pydantic_core
from pydantic import ValidationError as PydanticValidationError

from tui import __version__
from tui.api.errors import (
    APIError,
    ProtocolError,
    TransportError,
    error_for_status,
    first_problem,
    redact,
)
from tui.api.exchange import ExchangeFailure, HttpExchange, InProcessExchange, Reply
from tui.api.models import DeletedThread, Message, MessagePage, Thread, WireObject
from tui.api.validation import DEFAULT_LIMIT, check_content, check_limit, check_metadata, check_order

if TYPE_CHECKING:
    import ssl

    import httpx

log = logging.getLogger("tui.api")
W = TypeVar("W", bound=WireObject)

REGION_URLS = {
    "intl": "https://dashscope-intl.aliyuncs.com/api/v1",
    "cn": "https://dashscope.aliyuncs.com/api/v1",
}
DEFAULT_REGION = "intl"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0
ON_THE_WIRE_TURNS = 32  # loop turns to let a prefetch request out (it takes 4-8 over loopback)


def decode_json(body: bytes) -> Any:
    """A response body decoded as `json.loads` would; ValueError when it is not JSON.

    pydantic-core's parser is faster (bench goals 1 and 6) and gives the same objects,
    key order and numbers included; what it refuses (a lone surrogate escape) goes to the
    standard library, which has the last word.
    """
    try:
        return pydantic_core.from_json(body)
    except ValueError:
        return json.loads(body)  # UnicodeDecodeError is a ValueError too


_HAS_MORE = re.compile(rb'"has_more"\s*:\s*true')
_LAST_ID = re.compile(rb'"last_id"\s*:\s*"([A-Za-z0-9_.:-]{1,256})"')


def peek_next_cursor(body: bytes) -> str | None:
    """A guess at a list response's next cursor, read from the raw bytes without decoding.

    The page's `last_id` and `has_more` sit after or before its `data`, so only the last
    and first few hundred bytes are searched. A message's metadata could hold a key
    `last_id` too, so this is only ever a guess, confirmed once the page is decoded.
    """
    for region in (body[-512:], body[:512]):
        if _HAS_MORE.search(region):
            found = _LAST_ID.findall(region)
            if found:
                return found[-1].decode("ascii")
    return None


def _discard(future: asyncio.Future[Any]) -> None:
    """Cancel a request nobody will wait for, and retrieve its outcome if it already has one."""
    if future.done():
        if not future.cancelled():
            future.exception()
    else:
        future.cancel()


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process (httpx's defaults: certifi, SSL_CERT_FILE/DIR honoured).

    Loading the CA bundle costs ~17 ms; httpx would do it again for every client (a
    profile switch, each CLI call that opens a client, every benchmark run).
    """
    import httpx

    return httpx.create_ssl_context()


class Timeouts(NamedTuple):
    """Seconds to wait to connect and for each read."""

    connect: float = 5.0
    read: float = 30.0


def parse_retry_after(value: str | None) -> float | None:
    """`Retry-After` as seconds (it may be a number or an HTTP date), capped; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        import email.utils  # only for the date form: the email package is ~1 % of a cold start

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


class DashScopeClient:
    """Async client for the DashScope Threads and Messages API.

    `transport` accepts any httpx transport. `app` is an ASGI app to hand every request to
    in-process instead, as the embedded emulator is: `app=tui.emulator.create_app(db_path)`
    (httpx is then not imported at all).
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        workspace: str | None = None,
        *,
        region: str = DEFAULT_REGION,
        transport: httpx.AsyncBaseTransport | None = None,
        app: Callable[..., Awaitable[None]] | None = None,
        timeouts: Timeouts = Timeouts(),
        max_tries: int = 3,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.region = region
        self.base_url = (base_url or REGION_URLS.get(region) or REGION_URLS[DEFAULT_REGION]).rstrip("/")
        self.workspace = workspace or None
        self.max_tries = max(1, max_tries)
        self._api_key = api_key or ""
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._sleep = sleep
        headers = {
            "Accept": "application/json",
            "User-Agent": f"threadscope/{__version__} (+https://pypi.org/project/threadscope/)",
        }
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        if self.workspace:
            headers["X-DashScope-WorkSpace"] = self.workspace
        self._exchange: HttpExchange | InProcessExchange
        if app is not None:
            if transport is not None:
                raise ValueError("give an httpx transport or an in-process app, not both")
            self._exchange = InProcessExchange(app, self.base_url, headers, read_timeout=timeouts.read)
        else:
            self._exchange = HttpExchange(
                self.base_url, headers, connect_timeout=timeouts.connect, read_timeout=timeouts.read,
                transport=transport, verify=shared_ssl_context() if transport is None else True,
            )

    def __repr__(self) -> str:
        return f"DashScopeClient(base_url={self.base_url!r}, workspace={self.workspace!r}, api_key={'***' if self._api_key else None})"

    async def __aenter__(self) -> DashScopeClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._exchange.aclose()

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
        return self._parse(Thread, data, "create thread")

    async def retrieve_thread(self, thread_id: str) -> Thread:
        """Fetch one thread."""
        data = await self._call("GET", f"/threads/{thread_id}", operation=f"retrieve thread {thread_id}")
        return self._parse(Thread, data, f"retrieve thread {thread_id}")

    async def modify_thread(self, thread_id: str, *, metadata: dict[str, str]) -> Thread:
        """Replace a thread's metadata."""
        body = {"metadata": check_metadata(metadata)}
        data = await self._call("POST", f"/threads/{thread_id}", json_body=body, operation=f"modify thread {thread_id}")
        return self._parse(Thread, data, f"modify thread {thread_id}")

    async def delete_thread(self, thread_id: str) -> DeletedThread:
        """Delete a thread and its messages."""
        data = await self._call("DELETE", f"/threads/{thread_id}", operation=f"delete thread {thread_id}")
        return self._parse(DeletedThread, data, f"delete thread {thread_id}")

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
        return self._parse(Message, data, f"create message in {thread_id}")

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
        return self._parse(MessagePage, data, f"list messages of {thread_id}")

    async def list_messages_raw(self, thread_id: str, **kwargs: Any) -> dict[str, Any]:
        """The list response exactly as decoded from the server (for `--json`)."""
        params = self._list_params(**kwargs)
        return await self._call("GET", f"/threads/{thread_id}/messages", params=params, operation=f"list messages of {thread_id}")

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
        async for item in self.iter_raw_messages(
            thread_id, order=order, page_size=page_size, metadata=metadata, after=after
        ):
            yield self._parse(Message, item, f"list messages of {thread_id}")

    async def iter_raw_messages(
        self,
        thread_id: str,
        *,
        order: str = "asc",
        page_size: int = 100,
        metadata: dict[str, str] | None = None,
        after: str | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Like `iter_messages`, but each message as the JSON object the server sent (for export).

        The next page is requested as soon as its cursor can be read, so the server works on
        it while this page is decoded and consumed.
        """
        operation = f"list messages of {thread_id}"
        path = f"/threads/{thread_id}/messages"

        def fetch(cursor: str | None) -> tuple[asyncio.Future[Reply], asyncio.Event]:
            params = self._list_params(limit=page_size, order=order, after=cursor, metadata=metadata)
            sent = asyncio.Event()
            call = self._call("GET", path, params=params, operation=operation, sent=sent, undecoded=True)
            return asyncio.ensure_future(call), sent

        async def on_the_wire(future: asyncio.Future[Reply], sent: asyncio.Event) -> None:
            # Yielding from an async generator gives the loop no turn: without this the next
            # request would only go out once this page had been consumed, and nothing would
            # overlap (bench goal 1). A few bare loop turns: asyncio.wait would cost more
            # than the overlap gains. The turns are capped: an httpx test transport sends
            # nothing traceable, and a request waiting out a retry backoff or a slow server
            # must not be spun on; then the page is simply awaited later, as before.
            for _ in range(ON_THE_WIRE_TURNS):
                if sent.is_set() or future.done():
                    break
                await asyncio.sleep(0)

        cursor = after
        pending: asyncio.Future[Reply] | None = fetch(cursor)[0]
        try:
            while pending is not None:
                response = await pending
                pending = None
                # Ask for the next page before decoding this one, on the cursor read from the
                # bytes; the decoded page then confirms the guess or the request is dropped.
                guess = peek_next_cursor(response.content)
                if guess and guess != cursor:
                    pending, sent = fetch(guess)
                    await on_the_wire(pending, sent)
                data = self._decode(response, operation)
                items = data.get("data") or []
                next_cursor = None
                if data.get("has_more") and items:
                    next_cursor = data.get("last_id") or items[-1].get("id")
                    if not next_cursor or next_cursor == cursor:  # a server that does not advance would loop forever
                        raise ProtocolError(operation, 200, str(next_cursor), reason="the list cursor did not advance")
                if pending is not None and guess != next_cursor:
                    _discard(pending)
                    pending = None
                if next_cursor and pending is None:
                    pending, sent = fetch(next_cursor)
                    await on_the_wire(pending, sent)
                cursor = next_cursor
                for item in items:
                    yield item
        finally:
            if pending is not None:
                _discard(pending)

    async def retrieve_message(self, thread_id: str, message_id: str) -> Message:
        """Fetch one message."""
        data = await self._call(
            "GET", f"/threads/{thread_id}/messages/{message_id}", operation=f"retrieve message {message_id}"
        )
        return self._parse(Message, data, f"retrieve message {message_id}")

    async def modify_message(self, thread_id: str, message_id: str, *, metadata: dict[str, str]) -> Message:
        """Replace a message's metadata with `metadata` (the whole object: keys left out are removed)."""
        body = {"metadata": check_metadata(metadata)}
        data = await self._call(
            "POST",
            f"/threads/{thread_id}/messages/{message_id}",
            json_body=body,
            operation=f"modify message {message_id}",
        )
        return self._parse(Message, data, f"modify message {message_id}")

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

    def _parse(self, model: type[W], data: dict[str, Any], operation: str) -> W:
        """`model.from_wire(data)`; a body of the wrong shape is a ProtocolError, not a traceback."""
        try:
            return model.from_wire(data)
        except PydanticValidationError as exc:
            where, what, _ = first_problem(exc, "(the object)")
            kind = model.__name__
            raise ProtocolError(operation, 200, self._redact(f"{where}: {what}"),
                                reason=f"the response is not a valid {kind} ({exc.error_count()} problem(s))") from None

    def _redact(self, text: str) -> str:
        return redact(text, (self._api_key,))

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        return random.uniform(0, min(self._backoff_cap, self._backoff_base * (2**attempt)))

    async def _call(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        safe: bool = True,
        sent: asyncio.Event | None = None,
        undecoded: bool = False,
    ) -> Any:
        """One API call with the retry policy: the decoded JSON object (the reply itself if
        `undecoded`); `sent` is set once a request has been written."""
        content = None
        headers = None
        if json_body is not None:
            content = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            headers = {"Content-Type": "application/json"}
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self.max_tries
            try:
                response = await self._exchange.send(method, path, params=params, content=content, headers=headers, sent=sent)
            except ExchangeFailure as failure:
                # Nothing reached the server: even a create may try again. The request may have
                # arrived (a broken connection): only safe operations try again. A timeout is
                # not retried (three times the read timeout is no help).
                if last or not failure.retryable or not (safe or failure.never_sent):
                    raise self._transport_error(operation, failure) from None
                log.info("%s: %s, try %d of %d", operation, failure.name, attempt, self.max_tries)
                await self._sleep(self._backoff(attempt, None))
                continue

            if response.status_code < 400:
                return response if undecoded else self._decode(response, operation)
            error = self._error(response, operation)
            if safe and not last and response.status_code in RETRY_STATUSES:
                wait = self._backoff(attempt, error.retry_after)
                log.info("%s: HTTP %d, retrying in %.2f s (try %d of %d)", operation, response.status_code, wait, attempt, self.max_tries)
                await self._sleep(wait)
                continue
            raise error

    def _transport_error(self, operation: str, failure: ExchangeFailure) -> TransportError:
        kind = failure.name
        detail = self._redact(failure.detail) or kind
        if failure.timed_out:
            detail = f"timed out ({kind})"
            hint = "the server is slow or unreachable; check your network, or raise the timeout"
        elif failure.never_sent:
            detail = f"cannot connect to {self.base_url} ({detail})"
            hint = "check the network and the base URL (--region intl|cn, --base-url)"
        else:
            detail = f"connection broken ({kind}: {detail})"
            hint = "the connection dropped; try again"
        return TransportError(operation, detail, hint=hint, maybe_sent=not failure.never_sent)

    def _decode(self, response: Reply, operation: str) -> dict[str, Any]:
        try:
            data = decode_json(response.content)
        except ValueError:
            raise ProtocolError(operation, response.status_code, self._snippet(response)) from None
        if not isinstance(data, dict):
            raise ProtocolError(operation, response.status_code, self._snippet(response), reason="the response is not a JSON object")
        return data

    def _snippet(self, response: Reply) -> str:
        text = response.content[:200].decode("utf-8", errors="replace")
        return self._redact(text) if text else "(empty body)"

    def _error(self, response: Reply, operation: str) -> APIError | ProtocolError:
        retry_after = parse_retry_after(response.header("Retry-After"))
        try:
            body = json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            # An HTML error page from a gateway: keep the status, show the start of the body.
            error = error_for_status(
                response.status_code,
                None,
                f"(not a DashScope error body: {self._snippet(response)!r})",
                self._redact(response.header("X-Request-Id") or "") or None,
                operation=operation,
                region=self.region if self.base_url in REGION_URLS.values() else None,
                workspace=self.workspace,
                retry_after=retry_after,
            )
            return error
        return error_for_status(
            response.status_code,
            self._redact(str(body.get("code") or "")) or None,
            self._redact(str(body.get("message") or "")) or None,
            self._redact(str(body.get("request_id") or response.header("X-Request-Id") or "")) or None,
            operation=operation,
            region=self.region if self.base_url in REGION_URLS.values() else None,
            workspace=self.workspace,
            retry_after=retry_after,
        )
