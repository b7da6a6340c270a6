"""What every route shares: reading a JSON body strictly, query parsing, JSON answers, and the
middleware in front of the routes (request ids, bearer auth, a crash becoming a 500)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tui.emulator.db import dumps
from tui.emulator.errors import APIProblem, error_response, new_request_id

log = logging.getLogger("tui.emulator.app")

MAX_BODY = 1024 * 1024
BODY_TIMEOUT = 30.0  # a body trickling in slower than this is dropped with a 408, freeing the connection
MAX_LIMIT = 100
DEFAULT_LIMIT = 20
STREAM_OVER = 1024 * 1024  # a page bigger than this is sent message by message, never joined in memory
_WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")  # ASCII digits only: no sign, spaces, "_" or other scripts


def request_id(request: Request) -> str:
    return request.state.request_id


def json_text(text: str, request: Request, *, with_request_id: bool = True) -> Response:
    """A 200 whose body is the JSON object `text`; native answers carry `request_id` as the last field."""
    if with_request_id:
        text = text[:-1] + ("," if len(text) > 2 else "") + f'"request_id":"{request_id(request)}"}}'
    return Response(text.encode("utf-8"), media_type="application/json")


def json_list(head: str, bodies: list[str], tail: str, request: Request, *, with_request_id: bool = True) -> Response:
    """A list answer: `head`, the JSON texts of `bodies` comma-separated, `tail` (which closes the object)."""
    if with_request_id:
        tail = tail[:-1] + f',"request_id":"{request_id(request)}"}}'
    if sum(map(len, bodies)) <= STREAM_OVER:
        return Response((head + ",".join(bodies) + tail).encode("utf-8"), media_type="application/json")

    async def chunks():
        yield head.encode("utf-8")
        for index, body in enumerate(bodies):
            yield (("," if index else "") + body).encode("utf-8")
        yield tail.encode("utf-8")

    return StreamingResponse(chunks(), media_type="application/json")


def check_encodable(value: Any, what: str) -> None:
    """A lone surrogate (`\\ud800`) is valid JSON text but no valid UTF-8: refuse it with a 400."""
    try:
        dumps(value).encode("utf-8")
    except UnicodeEncodeError:
        raise APIProblem(400, f"{what} contains a lone surrogate (an unpaired \\ud800-\\udfff escape)") from None
    except RecursionError:
        raise APIProblem(400, f"{what} is nested too deeply") from None


def parse_json_text(raw: bytes | str, what: str) -> Any:
    """JSON from the wire: invalid, too deeply nested or unencodable text is a 400."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise APIProblem(400, f"{what} is nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise APIProblem(400, f"{what} is not valid JSON: {exc}") from None
    check_encodable(data, what)
    return data


async def read_json(request: Request) -> dict[str, Any]:
    """The body as an object: empty, `""`, `{}` and `null` all mean no fields; more than 1 MiB is a 413."""
    declared = request.headers.get("content-length")
    too_large = APIProblem(413, f"request body is larger than {MAX_BODY} bytes")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise too_large
    chunks: list[bytes] = []
    try:
        async with asyncio.timeout(BODY_TIMEOUT):
            size = 0
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BODY:
                    raise too_large
                chunks.append(chunk)
    except TimeoutError:
        raise APIProblem(408, f"the request body did not arrive within {BODY_TIMEOUT:g} s") from None
    raw = b"".join(chunks)
    if not raw.strip():
        return {}
    data = parse_json_text(raw, "request body")
    if data in ("", None):
        return {}
    if not isinstance(data, dict):
        raise APIProblem(400, "request body must be a JSON object")
    return data


def query_limit(request: Request) -> int:
    """`limit` from the query: ASCII digits, 1–100, blank or absent means the default."""
    raw = request.query_params.get("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not _WHOLE_NUMBER.fullmatch(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise APIProblem(400, f"limit must be a whole number from 1 to {MAX_LIMIT}, got {raw!r}")
    return int(raw)


def query_order(request: Request) -> str:
    """`order` from the query: asc or desc, blank or absent means desc."""
    order = request.query_params.get("order") or "desc"
    if order not in ("asc", "desc"):
        raise APIProblem(400, f"order must be 'asc' or 'desc', got {order!r}")
    return order


class RequestIds:
    """ASGI middleware: a request id for every request (`request.state.request_id`), sent back in
    `X-Request-Id` on every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = new_request_id()
        scope.setdefault("state", {})["request_id"] = rid

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", rid.encode("latin-1"))]}
            await send(message)

        await self.app(scope, receive, send_with_id)


class CrashGuard:
    """ASGI middleware: an emulator bug answers 500 in the route's error shape and is logged,
    instead of escaping to the server (which would answer in text) or to an in-process client."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            log.exception("the emulator failed on %s %s", scope["method"], scope["path"])
            if started:
                raise
            rid = scope.get("state", {}).get("request_id") or new_request_id()
            response = error_response(scope["path"], 500, f"the emulator failed: {type(exc).__name__}", rid)
            await response(scope, receive, send)


class BearerAuth:
    """ASGI middleware: a missing or empty bearer, or (when a key is set) a different one, is 401.
    A repeated Authorization header: the first one counts, as everywhere else in Starlette."""

    def __init__(self, app: ASGIApp, api_key: str | None) -> None:
        self.app = app
        self.api_key = api_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scheme, _, token = Headers(scope=scope).get("authorization", "").partition(" ")
            token = token.strip()
            problem = None
            if scheme.lower() != "bearer" or not token:
                problem = "no API key: send the header 'Authorization: Bearer <key>'"
            elif self.api_key is not None and token != self.api_key:
                problem = "Invalid API-key provided."
            if problem:
                rid = scope.get("state", {}).get("request_id") or new_request_id()
                await error_response(scope["path"], 401, problem, rid)(scope, receive, send)
                return
        await self.app(scope, receive, send)
