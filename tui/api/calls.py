"""One API call and its policy: retries, errors, decoding, and walking every page of a list.

Safe operations (list, retrieve, modify/update, delete) retry on connection failures and
429/5xx with exponential backoff and jitter, honouring `Retry-After`; creates are never
sent twice once the request may have reached the server.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit

import httpx
import pydantic_core

from tui import __version__
from tui.api.errors import (
    CODE_STATUS,
    APIError,
    NotFoundError,
    OutcomeUnknownError,
    ProtocolError,
    TransportError,
    error_fields,
    error_for_status,
    redact,
)
from tui.api.exchange import DEFAULT_MAX_RESPONSE_BYTES, Answer, AnswerTooLarge, DeadlineExceeded, Exchange, Timeouts
from tui.api.models import WireObject, parse_wire
from tui.api.validation import ValidationError

log = logging.getLogger("tui.api")
D = TypeVar("D", bound=WireObject)

REGION_URLS = {
    "intl": "https://dashscope-intl.aliyuncs.com/api/v1",
    "cn": "https://dashscope.aliyuncs.com/api/v1",
}
COMPAT_REGION_URLS = {
    "intl": "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
    "cn": "https://dashscope.aliyuncs.com/compatible-mode/v1",
}
DEFAULT_REGION = "intl"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0
ON_THE_WIRE_TURNS = 32  # loop turns to let a prefetch request out (it takes 4-8 over loopback)
_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")  # what a bearer token may hold: visible ASCII


def compat_base_url_for(base_url: str | None, region: str, compat_base_url: str | None) -> str | None:
    """The compatible-mode base URL: the one given; else, for a `base_url` ending in `/api/v1`,
    its origin + `/compatible-mode/v1` (any path before /api/v1 is not kept); else the region's. None when a custom `base_url`
    leaves it unknown (conversation calls then say so instead of guessing a host)."""
    if compat_base_url:
        return compat_base_url.rstrip("/")
    if base_url:
        parts = urlsplit(base_url.rstrip("/"))
        if parts.path.endswith("/api/v1"):
            return f"{parts.scheme}://{parts.netloc}/compatible-mode/v1"  # the same origin (CONTRACT §1b)
        return None
    return COMPAT_REGION_URLS.get(region) or COMPAT_REGION_URLS[DEFAULT_REGION]


SNIPPET = 200  # characters of a body that is not what the API promised, shown in an error
SNIPPET_SLACK = 4096  # read past the cut so a secret that crosses it is still found whole


class TooDeep(ValueError):
    """JSON nested deeper than Python's parser can follow."""


def decode_json(body: bytes) -> Any:
    """A response body decoded as `json.loads` would; ValueError when it is not JSON (or nested
    too deeply to decode).

    pydantic-core's parser is faster and gives the same objects, key order and numbers
    included; what it refuses (a lone surrogate escape, deep nesting) goes to the standard
    library, which has the last word.
    """
    try:
        # Keys repeat on every object of a page, values (ids, text) seldom: caching values only costs.
        return pydantic_core.from_json(body, cache_strings="keys")
    except ValueError:
        try:
            return json.loads(body)  # UnicodeDecodeError is a ValueError too
        except RecursionError:
            raise TooDeep("the JSON is nested too deeply") from None


_HAS_MORE = re.compile(rb'"has_more"\s*:\s*(true|false)')
_LAST_ID = re.compile(rb'"last_id"\s*:\s*"([A-Za-z0-9_.:-]{1,256})"')


def peek_next_cursor(body: bytes) -> str | None:
    """A guess at a list response's next cursor, read from the raw bytes without decoding.

    The page's `last_id` and `has_more` sit after or before its `data`, so only the last
    and first few hundred bytes are searched (the last pair at the end, the first at the
    start). An object could hold such keys too, so this is only ever a guess, confirmed
    once the page is decoded.
    """
    for region, pick in ((body[-512:], -1), (body[:512], 0)):
        more, found = _HAS_MORE.findall(region), _LAST_ID.findall(region)
        if more and found:
            return found[pick].decode("ascii") if more[pick] == b"true" else None
    return None


def parse_retry_after(value: str | None) -> float | None:
    """`Retry-After` as seconds (it may be a number or an HTTP date), capped; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        import email.utils  # only for the date form

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


def _discard(future: asyncio.Future[Any]) -> None:
    """Cancel a request nobody will wait for, and retrieve its outcome if it already has one."""
    if future.done():
        if not future.cancelled():
            future.exception()
    else:
        future.cancel()


def _unsendable(operation: str) -> ValidationError:
    return ValidationError(f"{operation}: the request holds text that is not valid Unicode (a lone surrogate, "
                           "e.g. from a broken copy and paste); nothing was sent", "text")


class Failure:
    """What a failed exchange means: the error to show and whether trying again may help."""

    def __init__(self, error: TransportError | ProtocolError, *, never_sent: bool = False, retryable: bool = False) -> None:
        self.error = error
        self.never_sent = never_sent  # nothing reached the server: even a create may try again
        self.retryable = retryable  # for any call if never sent, else for safe ones


class ApiCalls:
    """The plumbing every DashScope call shares (see `DashScopeClient` for the calls)."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        workspace: str | None = None,
        *,
        compat_base_url: str | None = None,
        region: str = DEFAULT_REGION,
        transport: httpx.AsyncBaseTransport | None = None,
        timeouts: Timeouts = Timeouts(),
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_tries: int = 3,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.region = region
        self.base_url = (base_url or REGION_URLS.get(region) or REGION_URLS[DEFAULT_REGION]).rstrip("/")
        self.compat_base_url = compat_base_url_for(base_url, region, compat_base_url)
        self.workspace = workspace or None
        self.max_tries = max(1, max_tries)
        self._secret = api_key or ""
        # A key pasted with a line break around it: the break is not part of the key.
        self._api_key = self._secret.strip()
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._sleep = sleep
        headers = {
            "Accept": "application/json",
            "User-Agent": f"threadscope/{__version__} (+https://pypi.org/project/threadscope/)",
        }
        if self._api_key and self._key_is_sendable():
            headers["Authorization"] = f"Bearer {self._api_key}"
        # TLS (and its CA bundle) only when a URL this client calls is https (or not plain http).
        tls = any(urlsplit(url).scheme.lower() != "http" for url in (self.base_url, self.compat_base_url) if url)
        self._exchange = Exchange(headers, timeouts=timeouts, max_bytes=max_response_bytes, transport=transport, tls=tls)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, workspace={self.workspace!r}, api_key={'***' if self._api_key else None})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._exchange.aclose()

    def _key_is_sendable(self) -> bool:
        return bool(_HEADER_SAFE.fullmatch(self._api_key))

    def _redact(self, text: str) -> str:
        return redact(text, (self._secret,))

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        return random.uniform(0, min(self._backoff_cap, self._backoff_base * (2**attempt)))

    def _url(self, path: str, compat: bool, operation: str) -> str:
        if not compat:
            return self.base_url + path
        if self.compat_base_url is None:
            raise ValidationError(
                f"{operation}: no compatible-mode base URL for {self.base_url}; give --compat-base-url "
                "(or DASHSCOPE_COMPAT_BASE_URL), e.g. https://HOST/compatible-mode/v1", "compat_base_url")
        return self.compat_base_url + path

    async def _call(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        compat: bool = False,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        safe: bool = True,
        create: bool = False,
        sent: asyncio.Event | None = None,
        undecoded: bool = False,
    ) -> Any:
        """One API call with the retry policy: the decoded JSON object (the answer itself if
        `undecoded`); `sent` is set once a request has been written.

        `compat` routes it to the compatible-mode base URL (no workspace header there).
        `create` (with `safe=False`): an unknown outcome raises OutcomeUnknownError.
        """
        if self._api_key and not self._key_is_sendable():
            raise ValidationError("the API key holds a line break, a space or another character an HTTP header "
                                  "cannot carry; check DASHSCOPE_API_KEY or the profile's key (pasted with extra "
                                  "characters?)", "api_key")
        url = self._url(path, compat, operation)
        content = None
        headers: dict[str, str] = {}
        if json_body is not None:
            try:
                content = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:
                raise _unsendable(operation) from None
            headers["Content-Type"] = "application/json"
        if self.workspace and not compat:
            headers["X-DashScope-WorkSpace"] = self.workspace
        attempt = 0
        landed = False  # an earlier try may have been carried out (its answer was lost)
        while True:
            attempt += 1
            last = attempt >= self.max_tries
            try:
                answer = await self._exchange.send(method, url, params=params, content=content, headers=headers, sent=sent)
            except UnicodeEncodeError:  # a lone surrogate in an id or a query value
                raise _unsendable(operation) from None
            except (httpx.HTTPError, httpx.InvalidURL, DeadlineExceeded, AnswerTooLarge) as exc:
                failure = self._failure(operation, exc)
                failure.error.tries = attempt
                # Nothing reached the server: even a create may try again. It may have arrived
                # (a broken connection): only safe operations try again. A timeout is not
                # retried (three times the read timeout is no help).
                if last or not failure.retryable or not (safe or failure.never_sent):
                    if create and not failure.never_sent and isinstance(failure.error, TransportError):
                        raise OutcomeUnknownError(operation, failure.error) from None
                    raise failure.error from None
                landed = landed or not failure.never_sent
                log.info("%s: %s, try %d of %d", operation, type(exc).__name__, attempt, self.max_tries)
                await self._sleep(self._backoff(attempt, None))
                continue
            if answer.status_code < 300:
                return answer if undecoded else self._decode(answer, operation, compat)
            if answer.status_code < 400:
                raise self._redirected(answer, operation)
            error = self._error(answer, operation, compat)
            error.earlier_try_may_have_landed = landed
            error.tries = attempt
            landed = landed or answer.status_code >= 500
            if safe and not last and answer.status_code in RETRY_STATUSES:
                wait = self._backoff(attempt, error.retry_after)
                log.info("%s: HTTP %d, retrying in %.2f s (try %d of %d)", operation, answer.status_code, wait, attempt, self.max_tries)
                await self._sleep(wait)
                continue
            if create and (answer.status_code >= 500 or answer.status_code == 408):
                raise OutcomeUnknownError(operation, error)
            raise error

    async def _delete(self, path: str, model: type[D], object_id: str, *, operation: str, compat: bool = False) -> D:
        """A delete; a 404 on a retry whose earlier try may have been carried out is that
        try's success (its answer was lost), not an error."""
        try:
            data = await self._call("DELETE", path, operation=operation, compat=compat)
        except NotFoundError as error:
            if not error.earlier_try_may_have_landed:
                raise
            log.info("%s: gone on a retry after a lost answer: deleted", operation)
            return model(id=object_id, object=model.model_fields["object"].default, deleted=True)
        return parse_wire(model, data, operation)

    def _failure(self, operation: str, exc: Exception) -> Failure:
        """What an exception from the exchange means, as an error a person can read."""
        if isinstance(exc, AnswerTooLarge):
            return Failure(ProtocolError(operation, exc.status, "(not read)", reason=str(exc)))
        kind = type(exc).__name__
        detail = self._redact(str(exc)) or kind
        if isinstance(exc, DeadlineExceeded):
            return Failure(TransportError(operation, f"timed out ({detail})", hint="the server answers too slowly; "
                                          "check your network, or raise the timeout"))
        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
            hint = "check the network and the base URL (--region intl|cn, --base-url)"
            detail = f"cannot connect to {self.base_url} ({detail})"
            if isinstance(exc, httpx.ConnectTimeout):
                detail = f"timed out ({kind})"
            return Failure(TransportError(operation, detail, hint=hint, maybe_sent=False), never_sent=True, retryable=True)
        if isinstance(exc, httpx.TimeoutException):
            return Failure(TransportError(operation, f"timed out ({kind})", hint="the server is slow or unreachable; "
                                          "check your network, or raise the timeout"))
        if isinstance(exc, (httpx.LocalProtocolError, httpx.UnsupportedProtocol)) or not isinstance(exc, httpx.TransportError):
            # refused before sending: a bad URL or header
            error = TransportError(operation, f"{kind}: {detail}", hint="check the base URL and the key", maybe_sent=False)
            return Failure(error, never_sent=True)
        retryable = isinstance(exc, (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError))
        error = TransportError(operation, f"connection broken ({kind}: {detail})", hint="the connection dropped; try again")
        return Failure(error, retryable=retryable)

    def _decode(self, answer: Answer, operation: str, compat: bool = False) -> dict[str, Any]:
        """The JSON object of a 2xx answer; an error body (either envelope) raises its APIError."""
        try:
            data = decode_json(answer.content)
        except TooDeep as exc:
            raise ProtocolError(operation, answer.status_code, self._snippet(answer), reason=str(exc)) from None
        except ValueError:
            raise ProtocolError(operation, answer.status_code, self._snippet(answer)) from None
        if not isinstance(data, dict):
            raise ProtocolError(operation, answer.status_code, self._snippet(answer), reason="the response is not a JSON object")
        if "id" not in data and "data" not in data:
            fields = error_fields(data)
            if fields is not None and fields[0] is not None:  # an error dressed as a success
                code, message, request_id = fields
                raise self._api_error(answer, operation, code, message, request_id, compat,
                                      kind=CODE_STATUS.get(code or "", 400))
        return data

    def _redirected(self, answer: Answer, operation: str) -> ProtocolError:
        where = self._redact(answer.header("Location") or "nowhere said")
        error = ProtocolError(operation, answer.status_code, self._snippet(answer), reason=f"the server redirected to {where}")
        error.hint = "a redirect is not followed (it would carry the key elsewhere): check --base-url"
        return error

    def _snippet(self, answer: Answer) -> str:
        # Scrubbed before it is cut: a key straddling the cut would otherwise show in part.
        text = self._redact(answer.content[:SNIPPET + SNIPPET_SLACK].decode("utf-8", errors="replace"))
        return text[:SNIPPET] if text else "(empty body)"

    def _error(self, answer: Answer, operation: str, compat: bool) -> APIError:
        try:
            fields = error_fields(decode_json(answer.content))
        except ValueError:
            fields = None
        if fields is None:
            # An HTML error page from a gateway: keep the status, show the start of the body.
            body = f"(not a DashScope error body: {self._snippet(answer)!r})"
            return self._api_error(answer, operation, None, body, None, compat)
        return self._api_error(answer, operation, *fields, compat)

    def _api_error(self, answer: Answer, operation: str, code: str | None, message: str | None,
                   request_id: str | None, compat: bool, *, kind: int | None = None) -> APIError:
        return error_for_status(
            answer.status_code,
            self._redact(code or "") or None,
            self._redact(message or "") or None,
            self._redact(request_id or answer.header("X-Request-Id") or "") or None,
            operation=operation,
            region=self.region if self.base_url in REGION_URLS.values() else None,
            workspace=self.workspace,
            retry_after=parse_retry_after(answer.header("Retry-After")),
            kind=kind,
            conversations=compat,
        )

    async def _iter_pages(self, path: str, params_for: Callable[[str | None], dict[str, Any]], *,
                          operation: str, after: str | None, compat: bool = False) -> AsyncIterator[list[dict[str, Any]]]:
        """Every page of a list with the `after` cursor: its objects as the server sent them.

        The next page is requested as soon as its cursor can be read, so the server works on
        it while this page is decoded and consumed. Cursors that go round in a circle end
        the walk with a ProtocolError instead of walking forever.
        """

        def fetch(cursor: str | None) -> tuple[asyncio.Future[Answer], asyncio.Event]:
            sent = asyncio.Event()
            call = self._call("GET", path, params=params_for(cursor), operation=operation, compat=compat,
                              sent=sent, undecoded=True)
            return asyncio.ensure_future(call), sent

        async def on_the_wire(future: asyncio.Future[Answer], sent: asyncio.Event) -> None:
            # Yielding from an async generator gives the loop no turn: without this the next
            # request would only go out once this page had been consumed. The turns are
            # capped: a transport may trace nothing, or the request may wait out a backoff.
            for _ in range(ON_THE_WIRE_TURNS):
                if sent.is_set() or future.done():
                    break
                await asyncio.sleep(0)

        cursor = after
        seen: dict[str | None, int] = {cursor: 0}  # cursor → place in the walk; a dict: a look-up costs the same on page 10,000
        pending: asyncio.Future[Answer] | None = fetch(cursor)[0]
        try:
            while pending is not None:
                answer = await pending
                pending = None
                guess = peek_next_cursor(answer.content)
                if guess and guess not in seen:
                    pending, sent = fetch(guess)
                    await on_the_wire(pending, sent)
                items, next_cursor = self._page_items(answer, operation, compat)
                if next_cursor is not None and next_cursor in seen:
                    trail = " → ".join(str(c) for c in [*list(seen)[seen[next_cursor]:], next_cursor])
                    raise ProtocolError(operation, 200, self._redact(trail)[:200],
                                        reason="the list cursors go round in a circle")
                if pending is not None and next_cursor != guess:
                    _discard(pending)  # the guess was wrong: drop it, ask for the right page
                    pending = None
                if pending is None and next_cursor is not None:
                    pending, sent = fetch(next_cursor)
                    await on_the_wire(pending, sent)
                seen[next_cursor] = len(seen)
                cursor = next_cursor
                yield items
        finally:
            if pending is not None:
                _discard(pending)

    def _page_items(self, answer: Answer, operation: str, compat: bool) -> tuple[list[dict[str, Any]], str | None]:
        """A list page's objects and the cursor of the page after it (None at the end)."""
        data = self._decode(answer, operation, compat)
        items = data.get("data")
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise ProtocolError(operation, answer.status_code, self._snippet(answer),
                                reason="the response is not a list page (no `data` array of objects)")
        if not (data.get("has_more") and items):
            return items, None
        next_cursor = data.get("last_id") or items[-1].get("id")
        if not isinstance(next_cursor, str) or not next_cursor:
            raise ProtocolError(operation, 200, str(next_cursor), reason="the list has more but no cursor to it")
        return items, next_cursor

