"""The DashScope-compatible HTTP API (Threads and Messages) as an ASGI app under /api/v1.

Shapes follow the provider's reference: every message field present, `created_at` in
milliseconds, `request_id` on every body and in an `X-Request-Id` header. Every error is
`application/json` `{"code", "message", "request_id"}` with a real status — the official
SDK reads errors from the body, and counts any 200 as success.

Plain ASGI, no framework: eight routes, JSON in and out, need little of one, and importing
Starlette (with anyio, its middleware and its response types) was ~4 % of every cold start
of the embedded demo (bench goal 3). `Request` and `Response` below are the slice of
Starlette's that the routes used; uvicorn still serves this app for `threadscope serve`.
"""

from __future__ import annotations

import json
import logging
import random
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from tui.api.validation import (
    DEFAULT_LIMIT,
    ValidationError,
    check_content,
    check_limit,
    check_order,
    metadata_problems,
)
from tui.emulator.storage import BadCursor, Missing, Storage, message_object, new_message_id, now_ms

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
ERROR_CODES = {
    400: "InvalidParameter",
    401: "InvalidApiKey",
    403: "AccessDenied",
    404: "NotFound",
    405: "MethodNotAllowed",
    413: "RequestTooLarge",
    500: "InternalError",
}


class APIProblem(Exception):
    """An error answer: status, DashScope code, message."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or ERROR_CODES.get(status, "InternalError")
        self.message = message


_seeded_ids: random.Random | None = None


def seed_request_ids(seed: int | None) -> None:
    """Draw request ids from a seeded RNG (screenshots and snapshots), or from uuid4 again (None)."""
    global _seeded_ids
    _seeded_ids = None if seed is None else random.Random(seed)


def new_request_id() -> str:
    if _seeded_ids is not None:
        return str(uuid.UUID(int=_seeded_ids.getrandbits(128), version=4))
    return str(uuid.uuid4())


class ClientGone(Exception):
    """The client hung up before its request body arrived."""


class Request:
    """One HTTP request, as the handlers read it."""

    __slots__ = ("method", "path", "path_params", "query_params", "headers", "request_id", "_receive")

    def __init__(self, scope: dict, receive: Callable[[], Awaitable[dict]], path_params: dict[str, str]) -> None:
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.path_params = path_params
        # As Starlette's QueryParams: blank values kept, the last of a repeated name wins.
        self.query_params = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        headers: dict[str, str] = {}
        for name, value in scope.get("headers") or []:
            headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))  # the first of a repeated one
        self.headers = headers
        self.request_id = new_request_id()
        self._receive = receive

    async def stream(self) -> AsyncIterator[bytes]:
        """The body, chunk by chunk as it arrives."""
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                raise ClientGone()
            if message.get("body"):
                yield message["body"]
            if not message.get("more_body", False):
                return


class Response:
    """A JSON answer: status, body, and its request id in `X-Request-Id`."""

    __slots__ = ("status", "body", "request_id")

    def __init__(self, body: str, status: int, request_id: str) -> None:
        self.status = status
        self.body = body.encode("utf-8")
        self.request_id = request_id

    async def __call__(self, scope: dict, receive: Any, send: Callable[[dict], Awaitable[None]]) -> None:
        headers = [
            (b"x-request-id", self.request_id.encode("latin-1")),
            (b"content-length", str(len(self.body)).encode("latin-1")),
            (b"content-type", b"application/json"),
        ]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else self.body})


def json_response(body: str, request_id: str, status: int = 200) -> Response:
    """A JSON object body (text already encoded) with `request_id` spliced in as its last field."""
    text = body[:-1] + (',' if len(body) > 2 else '') + f'"request_id":"{request_id}"}}'
    return Response(text, status, request_id)


def error_response(status: int, code: str, message: str, request_id: str | None = None) -> Response:
    request_id = request_id or new_request_id()
    body = json.dumps({"code": code, "message": message, "request_id": request_id}, ensure_ascii=False)
    return Response(body, status, request_id)


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def checked_metadata(value: Any) -> dict[str, str]:
    """Metadata from a body: null is {}, anything breaking the rules is a 400 naming the problem."""
    if value is None:
        return {}
    problems = metadata_problems(value)
    if problems:
        raise APIProblem(400, problems[0].message)
    return value


async def read_json(request: Request) -> dict[str, Any]:
    """The body as an object: empty, `""`, `{}` and `null` all mean no fields; more than 1 MiB is a 413."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise APIProblem(413, f"request body is larger than {MAX_BODY} bytes")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise APIProblem(413, f"request body is larger than {MAX_BODY} bytes")
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise APIProblem(400, f"request body is not valid JSON: {exc}") from None
    if data in ("", None):
        return {}
    if not isinstance(data, dict):
        raise APIProblem(400, "request body must be a JSON object")
    return data


class EmulatorAPI:
    """The route handlers, bound to one Storage."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    # threads

    async def create_thread(self, request: Request) -> Response:
        body = await read_json(request)
        metadata = checked_metadata(body.get("metadata"))
        messages = body.get("messages") or []
        if not isinstance(messages, list):
            raise APIProblem(400, "messages must be an array")
        prepared = [self._new_user_message("", item) for item in messages]
        thread = self.storage.create_thread(metadata)
        for message in prepared:
            message["thread_id"] = thread["id"]
            self.storage.add_message(message)
        return json_response(dumps(thread), request.request_id)

    async def get_thread(self, request: Request) -> Response:
        thread = self.storage.get_thread(request.path_params["thread_id"])
        return json_response(dumps(thread), request.request_id)

    async def update_thread(self, request: Request) -> Response:
        body = await read_json(request)
        thread = self.storage.update_thread(request.path_params["thread_id"], checked_metadata(body.get("metadata")))
        return json_response(dumps(thread), request.request_id)

    async def delete_thread(self, request: Request) -> Response:
        thread_id = request.path_params["thread_id"]
        self.storage.delete_thread(thread_id)
        return json_response(dumps({"id": thread_id, "object": "thread.deleted", "deleted": True}), request.request_id)

    # messages

    def _new_user_message(self, thread_id: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise APIProblem(400, "each message must be a JSON object")
        role = body.get("role") or "user"
        if role != "user":
            raise APIProblem(400, f"role must be 'user' (got {role!r}); only user messages can be created")
        content = body.get("content")
        try:
            check_content(content)
        except ValidationError as exc:
            raise APIProblem(400, exc.message) from None
        extra = {}
        file_ids = body.get("file_ids")
        if file_ids:
            if not isinstance(file_ids, list) or not all(isinstance(f, str) for f in file_ids):
                raise APIProblem(400, "file_ids must be an array of strings")
            extra["file_ids"] = file_ids
        return message_object(
            message_id=new_message_id(), thread_id=thread_id, created_at=now_ms(), role="user", text=content,
            metadata=checked_metadata(body.get("metadata")), extra=extra,
        )

    async def create_message(self, request: Request) -> Response:
        thread_id = request.path_params["thread_id"]
        body = await read_json(request)
        message = self._new_user_message(thread_id, body)
        if not self.storage.thread_exists(thread_id):
            raise Missing(f"thread {thread_id} not found")
        text = self.storage.add_message(message)
        return json_response(text, request.request_id)

    async def list_messages(self, request: Request) -> Response:
        thread_id = request.path_params["thread_id"]
        query = request.query_params
        try:
            raw_limit = query.get("limit")
            if raw_limit is None or raw_limit == "":
                limit = DEFAULT_LIMIT
            else:
                try:
                    limit = int(raw_limit)
                except ValueError:
                    raise ValidationError(f"limit must be a whole number from 1 to 100, got {raw_limit!r}") from None
                check_limit(limit)
            order = check_order(query.get("order") or "desc")
        except ValidationError as exc:
            raise APIProblem(400, exc.message) from None
        metadata = None
        if query.get("metadata"):
            try:
                metadata = json.loads(query["metadata"])
            except ValueError:
                raise APIProblem(400, "metadata filter must be a JSON object string") from None
            if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
                raise APIProblem(400, "metadata filter must be a JSON object of string values")
        page = self.storage.list_messages(
            thread_id, limit=limit, order=order, after=query.get("after") or None,
            before=query.get("before") or None, metadata=metadata,
        )
        text = (
            '{"object":"list","data":[' + ",".join(page.bodies) + "],"
            f'"first_id":{dumps(page.first_id)},"last_id":{dumps(page.last_id)},'
            f'"has_more":{"true" if page.has_more else "false"}}}'
        )
        return json_response(text, request.request_id)

    async def get_message(self, request: Request) -> Response:
        text = self.storage.get_message(request.path_params["thread_id"], request.path_params["message_id"])
        return json_response(text, request.request_id)

    async def update_message(self, request: Request) -> Response:
        body = await read_json(request)
        metadata = checked_metadata(body.get("metadata"))
        text = self.storage.update_message_metadata(
            request.path_params["thread_id"], request.path_params["message_id"], metadata
        )
        return json_response(text, request.request_id)


Handler = Callable[[Request], Awaitable[Response]]


async def _answer(handler: Handler, request: Request) -> Response:
    """Run a route; known failures become DashScope errors, anything else a 500 (and a log line)."""
    try:
        return await handler(request)
    except APIProblem as exc:
        return error_response(exc.status, exc.code, exc.message, request.request_id)
    except Missing as exc:
        return error_response(404, "NotFound", str(exc), request.request_id)
    except BadCursor as exc:
        return error_response(400, "InvalidParameter", str(exc), request.request_id)
    except ClientGone:
        raise
    except Exception as exc:
        log.exception("the emulator failed on %s %s", request.method, request.path)
        return error_response(500, ERROR_CODES[500], f"the emulator failed: {type(exc).__name__}", request.request_id)


class Router:
    """ASGI: each path pattern with its handler per method; 404 for an unknown path, 405 for a
    method the path does not take (HEAD is GET without the body, as HTTP has it)."""

    def __init__(self, routes: list[tuple[str, dict[str, Handler]]]) -> None:
        # `{name}` in a path is one segment, as in Starlette: any characters but "/".
        self.routes = [
            (re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)), methods) for path, methods in routes
        ]

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        for pattern, methods in self.routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            handler = methods.get("GET" if method == "HEAD" else method)
            if handler is None:
                response = error_response(405, ERROR_CODES[405], f"method {method} is not allowed on {path}")
            else:
                try:
                    response = await _answer(handler, Request(scope, receive, match.groupdict()))
                except ClientGone:
                    return  # nobody to answer
            break
        else:
            response = error_response(404, ERROR_CODES[404], f"no such route: {method} {path}")
        await response(scope, receive, send)


async def _lifespan(receive: Any, send: Any) -> None:
    """Nothing to start or stop, but a server (or a test client) may ask."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


class BearerAuth:
    """ASGI middleware: a missing or empty bearer, or (when a key is set) a different one, is 401."""

    def __init__(self, app: Any, api_key: str | None) -> None:
        self.app = app
        self.api_key = api_key

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            header = dict(scope.get("headers") or []).get(b"authorization", b"").decode("latin-1")
            scheme, _, token = header.partition(" ")
            token = token.strip()
            problem = None
            if scheme.lower() != "bearer" or not token:
                problem = "no API key: send the header 'Authorization: Bearer <key>'"
            elif self.api_key is not None and token != self.api_key:
                problem = "Invalid API-key provided."
            if problem:
                await error_response(401, "InvalidApiKey", problem)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def build_app(storage: Storage, *, api_key: str | None = None) -> Any:
    """The ASGI app over `storage`: routes, JSON errors everywhere, bearer auth in front."""
    api = EmulatorAPI(storage)
    prefix = "/api/v1/threads"
    router = Router([
        (prefix, {"POST": api.create_thread}),
        (prefix + "/{thread_id}", {"GET": api.get_thread, "POST": api.update_thread, "DELETE": api.delete_thread}),
        (prefix + "/{thread_id}/messages", {"POST": api.create_message, "GET": api.list_messages}),
        (prefix + "/{thread_id}/messages/{message_id}", {"GET": api.get_message, "POST": api.update_message}),
    ])
    return BearerAuth(router, api_key)


def create_app_from_path(db_path: str | Path, *, api_key: str | None = None, demo_data: bool = False,
                         faults: str | None = None) -> Any:
    """Open (or create) the database at `db_path`, seed the demo if asked, and build the app."""
    storage = Storage(db_path)
    if demo_data:
        from tui.emulator.demo import seed_demo

        seed_demo(storage)
    app = build_app(storage, api_key=api_key)
    if faults:
        from tui.emulator.faults import FaultInjector

        app = FaultInjector(app, faults)
    app.storage = storage  # tests and benchmarks reach the database through the app
    return app
