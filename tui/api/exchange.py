"""How the client's requests travel: over HTTP with httpx, or handed in-process to an ASGI app.

`DashScopeClient` builds each request and reads each answer (retries, errors, parsing); an
exchange only carries the bytes there and back. `HttpExchange` is one `httpx.AsyncClient`
(keep-alive, TLS); `InProcessExchange` calls an ASGI app in this process and this event
loop — the embedded emulator — as `threadscope serve` would over loopback, without
importing httpx's client stack (ssl, email, http.cookiejar, urllib.request, idna: ~6 % of
threadscope's cold start on the embedded demo, bench goal 3).

Failures come back the same way from both: an `ExchangeFailure` saying whether the request
may have reached the server, whether it timed out, and whether trying again could help.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlencode, urlsplit

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("tui.api")

# Characters a request path keeps as they are (RFC 3986 pchar plus "/" and existing %-escapes),
# as httpx leaves them; anything else (a space, "?", "#", non-ASCII) is percent-encoded.
_PATH_SAFE = "/:@!$&'()*+,;=~%"


class Reply:
    """A whole HTTP answer: status, headers (looked up case-insensitively), body."""

    __slots__ = ("status_code", "content", "_headers")

    def __init__(self, status_code: int, headers: Mapping[str, str], content: bytes) -> None:
        self.status_code = status_code
        self.content = content
        self._headers = headers

    def header(self, name: str) -> str | None:
        """The value of header `name` (any case), None if absent."""
        return self._headers.get(name.lower())


class ExchangeFailure(Exception):
    """No answer came back. `name` is the kind of failure as httpx names it (ConnectError,
    ReadTimeout, RemoteProtocolError, ...), `detail` what it said."""

    def __init__(self, name: str, detail: str, *, never_sent: bool = False, timed_out: bool = False,
                 retryable: bool = False) -> None:
        super().__init__(f"{name}: {detail}")
        self.name = name
        self.detail = detail
        self.never_sent = never_sent  # nothing reached the server: even a create may try again
        self.timed_out = timed_out
        self.retryable = retryable  # trying again may help: for any call if never sent, else for safe ones


class HttpExchange:
    """Requests over HTTP(S) with one keep-alive `httpx.AsyncClient` (or any httpx transport)."""

    def __init__(self, base_url: str, headers: dict[str, str], *, connect_timeout: float, read_timeout: float,
                 transport: httpx.AsyncBaseTransport | None = None, verify: Any = True) -> None:
        import httpx

        self._httpx = httpx
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers={**headers, "User-Agent": f"{headers.get('User-Agent', 'threadscope')} httpx/{httpx.__version__}"},
            timeout=httpx.Timeout(connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout),
            transport=transport,
            verify=verify,
            limits=httpx.Limits(max_keepalive_connections=10, keepalive_expiry=60),
        )

    async def send(self, method: str, path: str, *, params: dict[str, Any] | None, content: bytes | None,
                   headers: dict[str, str] | None, sent: asyncio.Event | None) -> Reply:
        extensions = None
        if sent is not None:
            async def trace(event: str, info: dict[str, Any]) -> None:
                if event in ("http11.send_request_body.complete", "http11.send_request_body.failed"):
                    sent.set()

            extensions = {"trace": trace}
        httpx = self._httpx
        try:
            response = await self._client.request(
                method, path, params=params, content=content, headers=headers, extensions=extensions
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise _failure(exc, never_sent=True, timed_out=isinstance(exc, httpx.TimeoutException), retryable=True) from None
        except (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError) as exc:
            raise _failure(exc, retryable=True) from None
        except httpx.TimeoutException as exc:
            raise _failure(exc, timed_out=True) from None
        except httpx.HTTPError as exc:
            raise _failure(exc) from None
        return Reply(response.status_code, response.headers, response.content)

    async def aclose(self) -> None:
        await self._client.aclose()


def _failure(exc: Exception, **flags: bool) -> ExchangeFailure:
    return ExchangeFailure(type(exc).__name__, str(exc), **flags)


class InProcessExchange:
    """Requests handed to an ASGI app in this process, as `threadscope serve` would hand them
    to it over loopback: the same scope, body and headers a server builds, the app's failures
    answered as a server answers them (a 500 before the answer started; a broken connection
    after), and a read timeout that abandons the request (the app is cancelled with it)."""

    def __init__(self, app: Callable[..., Awaitable[None]], base_url: str, headers: dict[str, str], *,
                 read_timeout: float) -> None:
        self._app = app
        url = urlsplit(base_url)
        scheme = url.scheme or "http"
        self._scheme = scheme
        self._root = url.path.rstrip("/")
        self._server = (url.hostname or "localhost", url.port or (443 if scheme == "https" else 80))
        self._headers = [(b"host", url.netloc.encode("ascii")), *_asgi_headers(headers)]
        self._read_timeout = read_timeout

    async def send(self, method: str, path: str, *, params: dict[str, Any] | None, content: bytes | None,
                   headers: dict[str, str] | None, sent: asyncio.Event | None) -> Reply:
        raw_path = quote(self._root + path, safe=_PATH_SAFE)
        body = content or b""
        request_headers = list(self._headers)
        if headers:
            request_headers += _asgi_headers(headers)
        if content is not None:
            request_headers.append((b"content-length", str(len(body)).encode("ascii")))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": self._scheme,
            "path": unquote(raw_path),
            "raw_path": raw_path.encode("ascii"),
            "root_path": "",
            "query_string": urlencode(params, quote_via=quote).encode("ascii") if params else b"",
            "headers": request_headers,
            "server": self._server,
            "client": ("127.0.0.1", 0),
        }
        delivered = False
        complete = asyncio.Event()
        status: int | None = None
        response_headers: dict[str, str] = {}
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if delivered:  # after the body: the client is there until the answer is complete
                await complete.wait()
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start" and status is None:
                status = message["status"]
                for name, value in message.get("headers") or ():
                    response_headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
            elif message["type"] == "http.response.body" and status is not None and not complete.is_set():
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    complete.set()

        if sent is not None:
            sent.set()  # handed to the server: as good as written
        deadline = asyncio.timeout(self._read_timeout)
        try:
            async with deadline:
                await self._app(scope, receive, send)
        except Exception as exc:
            if isinstance(exc, TimeoutError) and deadline.expired():
                raise ExchangeFailure("ReadTimeout", f"no answer within {self._read_timeout:g} s", timed_out=True) from None
            if status is None:
                # The traceback is logged, as a server logs it, not raised into the UI.
                log.error("the in-process server failed on %s %s", method, scope["path"], exc_info=exc)
                return _internal_server_error()
            raise ExchangeFailure("RemoteProtocolError", f"the server dropped the connection mid-answer ({exc})",
                                  retryable=True) from None
        if status is None:
            log.error("the in-process server returned without answering %s %s", method, scope["path"])
            return _internal_server_error()
        if not complete.is_set():
            raise ExchangeFailure("RemoteProtocolError", "the server closed the answer before its end", retryable=True)
        return Reply(status, response_headers, b"".join(chunks) if len(chunks) != 1 else chunks[0])

    async def aclose(self) -> None:
        """Nothing to close: no connection was opened."""


def _asgi_headers(headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    """Headers as an ASGI scope holds them: lower-case names, latin-1 bytes."""
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


def _internal_server_error() -> Reply:
    """What uvicorn answers for an app that fails, or returns, without starting an answer."""
    return Reply(500, {"content-type": "text/plain; charset=utf-8"}, b"Internal Server Error")
