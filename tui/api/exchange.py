"""How one request travels: one keep-alive `httpx.AsyncClient`, a size cap and an overall deadline.

The client decides what to send and what an answer means (retries, errors, parsing); this
module only carries the bytes there and back, and refuses to wait forever or to hold more
than `max_bytes` of an answer in memory. Any httpx transport works, the embedded emulator's
`httpx.ASGITransport` included.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from typing import Any, NamedTuple

import httpx

# Large enough for a page of 100 of the biggest messages the API stores (1 MiB each, and
# twice that when the server escapes non-ASCII text as \u sequences), with room to spare.
DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024


class Timeouts(NamedTuple):
    """Seconds to wait to connect, for each read, and for a whole answer (`total`)."""

    connect: float = 5.0
    read: float = 30.0
    total: float = 120.0


class Answer(NamedTuple):
    """A whole HTTP answer, read under the size cap."""

    status_code: int
    headers: httpx.Headers
    content: bytes

    def header(self, name: str) -> str | None:
        """The value of header `name` (any case), None if absent."""
        return self.headers.get(name)


class DeadlineExceeded(Exception):
    """No whole answer within `Timeouts.total` (a server trickling bytes, or a stalled app)."""


class AnswerTooLarge(Exception):
    """The answer is larger than the cap; `status` is the HTTP status it came with."""

    def __init__(self, status: int, limit: int) -> None:
        super().__init__(f"the response is larger than {limit:,} bytes")
        self.status = status


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process (httpx's defaults: certifi, SSL_CERT_FILE/DIR honoured).

    Loading the CA bundle is slow; httpx would do it again for every client.
    """
    return httpx.create_ssl_context()


def plain_http_context() -> ssl.SSLContext:
    """For a client whose URLs are all plain http:// (e.g. a local `threadscope serve`): no CA bundle to load.

    It trusts no certificate, so an https:// request through it fails verification, never goes unverified.
    """
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class Exchange:
    """Requests over one `httpx.AsyncClient` (keep-alive, TLS, or any given httpx transport)."""

    def __init__(self, headers: dict[str, str], *, timeouts: Timeouts, max_bytes: int,
                 transport: httpx.AsyncBaseTransport | None = None, tls: bool = True) -> None:
        self._deadline = timeouts.total
        self._max_bytes = max_bytes
        verify: ssl.SSLContext | bool = True  # a given transport brings its own
        if transport is None:
            verify = shared_ssl_context() if tls else plain_http_context()
        self._client = httpx.AsyncClient(
            headers={**headers, "User-Agent": f"{headers.get('User-Agent', 'threadscope')} httpx/{httpx.__version__}"},
            timeout=httpx.Timeout(connect=timeouts.connect, read=timeouts.read, write=timeouts.read, pool=timeouts.connect),
            transport=transport,
            verify=verify,
            limits=httpx.Limits(max_keepalive_connections=10, keepalive_expiry=60),
        )

    @property
    def deadline(self) -> float:
        """Seconds a whole answer may take."""
        return self._deadline

    async def send(self, method: str, url: str, *, params: dict[str, Any] | None, content: bytes | None,
                   headers: dict[str, str] | None, sent: asyncio.Event | None) -> Answer:
        """Send one request and read its whole answer; httpx's errors pass through unchanged."""
        extensions = None
        if sent is not None:
            async def trace(event: str, info: dict[str, Any]) -> None:
                if event in ("http11.send_request_body.complete", "http11.send_request_body.failed"):
                    sent.set()

            extensions = {"trace": trace}
        request = self._client.build_request(method, url, params=params, content=content, headers=headers,
                                             extensions=extensions)
        deadline = asyncio.timeout(self._deadline)
        try:
            async with deadline:
                response = await self._client.send(request, stream=True)
                try:
                    body = await self._read(response)
                finally:
                    await response.aclose()
        except TimeoutError:
            if not deadline.expired():
                raise  # the transport's own (an in-process app that gave up), not our deadline
            raise DeadlineExceeded(f"no complete answer within {self._deadline:g} s") from None
        return Answer(response.status_code, response.headers, body)

    async def _read(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise AnswerTooLarge(response.status_code, self._max_bytes)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():  # decoded: a compressed bomb counts at full size
            size += len(chunk)
            if size > self._max_bytes:
                raise AnswerTooLarge(response.status_code, self._max_bytes)
            chunks.append(chunk)
        return b"".join(chunks)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()
