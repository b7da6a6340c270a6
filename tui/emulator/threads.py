"""The DashScope Threads and Messages routes, under /api/v1.

Shapes follow the provider's reference: every message field present, `created_at` in
milliseconds, `request_id` on every body (and in `X-Request-Id`). Storage calls run in a
worker thread, so a slow query never holds up the event loop.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.api.validation import metadata_problems
from tui.emulator.errors import APIProblem
from tui.emulator.storage import Missing, Storage, dumps, message_object, new_message_id, now_ms
from tui.emulator.web import check_encodable, json_list, json_text, parse_json_text, query_limit, query_order, read_json

MAX_FILE_IDS = 10
MAX_FILTER_KEYS = 16  # a message holds at most 16 pairs, so a longer filter can match nothing


def checked_metadata(value: Any) -> dict[str, str]:
    """Metadata from a body: null is {}, anything breaking the rules is a 400 naming the problem."""
    if value is None:
        return {}
    problems = metadata_problems(value)
    if problems:
        raise APIProblem(400, problems[0].message)
    return value


def new_user_message(thread_id: str, body: Any) -> dict[str, Any]:
    """A complete user message from a create body, or a 400 saying what is wrong with it."""
    if not isinstance(body, dict):
        raise APIProblem(400, "each message must be a JSON object")
    role = body.get("role")
    if role is not None and role != "user":
        raise APIProblem(400, f"role must be 'user' (got {role!r}); only user messages can be created")
    content = body.get("content")
    if not isinstance(content, str) or not content.strip():
        raise APIProblem(400, "message content must be a non-empty string")
    extra = {}
    file_ids = body.get("file_ids")
    if file_ids is not None:
        if not isinstance(file_ids, list) or not all(isinstance(f, str) and f for f in file_ids):
            raise APIProblem(400, "file_ids must be an array of file id strings")
        if len(file_ids) > MAX_FILE_IDS:
            raise APIProblem(400, f"file_ids has {len(file_ids)} entries; at most {MAX_FILE_IDS} are allowed")
        if file_ids:
            extra["file_ids"] = file_ids
    return message_object(
        message_id=new_message_id(), thread_id=thread_id, created_at=now_ms(), role="user", text=content,
        metadata=checked_metadata(body.get("metadata")), extra=extra,
    )


def metadata_filter(raw: str | None) -> dict[str, str] | None:
    """The `metadata` query filter: a JSON object of at most 16 string pairs."""
    if not raw:
        return None
    try:
        metadata = parse_json_text(raw, "metadata filter")
    except APIProblem:
        raise APIProblem(400, "metadata filter must be a JSON object string of valid text") from None
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise APIProblem(400, "metadata filter must be a JSON object of string values")
    if len(metadata) > MAX_FILTER_KEYS:
        raise APIProblem(400, f"metadata filter has {len(metadata)} keys; at most {MAX_FILTER_KEYS} are allowed")
    return metadata


class ThreadRoutes:
    """The route handlers, bound to one Storage."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def routes(self) -> list[Route]:
        return [
            Route("/threads", self.create_thread, methods=["POST"]),
            Route("/threads/{thread_id}", self.get_thread, methods=["GET"]),
            Route("/threads/{thread_id}", self.update_thread, methods=["POST"]),
            Route("/threads/{thread_id}", self.delete_thread, methods=["DELETE"]),
            Route("/threads/{thread_id}/messages", self.create_message, methods=["POST"]),
            Route("/threads/{thread_id}/messages", self.list_messages, methods=["GET"]),
            Route("/threads/{thread_id}/messages/{message_id}", self.get_message, methods=["GET"]),
            Route("/threads/{thread_id}/messages/{message_id}", self.update_message, methods=["POST"]),
        ]

    async def create_thread(self, request: Request) -> Response:
        body = await read_json(request)
        metadata = checked_metadata(body.get("metadata"))
        messages = body.get("messages")
        if messages is not None and not isinstance(messages, list):
            raise APIProblem(400, "messages must be an array")
        prepared = [new_user_message("", item) for item in messages or []]
        thread = await run_in_threadpool(self.storage.create_thread, metadata, messages=prepared)
        return json_text(dumps(thread), request)

    async def get_thread(self, request: Request) -> Response:
        thread = await run_in_threadpool(self.storage.get_thread, request.path_params["thread_id"])
        return json_text(dumps(thread), request)

    async def update_thread(self, request: Request) -> Response:
        body = await read_json(request)
        metadata = checked_metadata(body.get("metadata"))
        thread = await run_in_threadpool(self.storage.update_thread, request.path_params["thread_id"], metadata)
        return json_text(dumps(thread), request)

    async def delete_thread(self, request: Request) -> Response:
        thread_id = request.path_params["thread_id"]
        await run_in_threadpool(self.storage.delete_thread, thread_id)
        return json_text(dumps({"id": thread_id, "object": "thread.deleted", "deleted": True}), request)

    async def create_message(self, request: Request) -> Response:
        body = await read_json(request)
        message = new_user_message(request.path_params["thread_id"], body)
        return json_text(await run_in_threadpool(self.storage.add_message, message), request)

    async def list_messages(self, request: Request) -> Response:
        thread_id = request.path_params["thread_id"]
        query = request.query_params
        limit, order = query_limit(request), query_order(request)
        metadata = metadata_filter(query.get("metadata"))
        cursors = {name: query.get(name) or None for name in ("after", "before")}
        for name, value in cursors.items():
            if value is not None:
                check_encodable(value, name)
        page = await run_in_threadpool(
            lambda: self.storage.list_messages(thread_id, limit=limit, order=order, metadata=metadata, **cursors)
        )
        tail = (
            f'],"first_id":{dumps(page.first_id)},"last_id":{dumps(page.last_id)},'
            f'"has_more":{"true" if page.has_more else "false"}}}'
        )
        return json_list('{"object":"list","data":[', page.bodies, tail, request)

    async def get_message(self, request: Request) -> Response:
        params = request.path_params
        return json_text(await run_in_threadpool(self.storage.get_message, params["thread_id"], params["message_id"]), request)

    async def update_message(self, request: Request) -> Response:
        body = await read_json(request)
        metadata = checked_metadata(body.get("metadata"))
        params = request.path_params
        text = await run_in_threadpool(
            self.storage.update_message_metadata, params["thread_id"], params["message_id"], metadata
        )
        return json_text(text, request)


__all__ = ["Missing", "ThreadRoutes", "checked_metadata"]
