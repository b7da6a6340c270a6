"""The Conversations routes (OpenAI-compatible), served under /compatible-mode/v1 and the legacy
/api/v2/apps/protocols/compatible-mode/v1.

Conversations carry `created_at` in milliseconds and metadata as threads do; items are
messages only. Success bodies are exactly the provider's objects (the request id travels in
`X-Request-Id`); errors use the `{"error":{…},"request_id"}` envelope (see `errors.py`).
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.emulator.conversation_store import item_object
from tui.emulator.errors import APIProblem
from tui.emulator.storage import Storage, dumps
from tui.emulator.threads import checked_metadata
from tui.emulator.web import check_encodable, json_list, json_text, query_limit, query_order, read_json

MAX_ITEMS = 20
ROLES = ("user", "assistant", "system", "developer")
PART_TYPES = ("input_text", "output_text")


def content_parts(role: str, content: Any, where: str) -> list[dict[str, str]]:
    """An item's content as parts: a string is one part (`output_text` for the assistant,
    `input_text` otherwise); a list must hold `{type: input_text|output_text, text}` parts."""
    if isinstance(content, str):
        if not content:
            raise APIProblem(400, f"{where}.content must not be empty")
        return [{"type": "output_text" if role == "assistant" else "input_text", "text": content}]
    if not isinstance(content, list) or not content:
        raise APIProblem(400, f"{where}.content must be a string or a non-empty array of text parts")
    parts = []
    for index, part in enumerate(content):
        if not isinstance(part, dict) or part.get("type") not in PART_TYPES:
            raise APIProblem(400, f"{where}.content[{index}] must be a part of type 'input_text' or 'output_text'")
        if not isinstance(part.get("text"), str):
            raise APIProblem(400, f"{where}.content[{index}].text must be a string")
        parts.append({"type": part["type"], "text": part["text"]})
    return parts


def new_item(body: Any, where: str) -> dict[str, Any]:
    """A complete item from one entry of `items`, or a 400 naming the entry and the problem."""
    if not isinstance(body, dict):
        raise APIProblem(400, f"{where} must be a JSON object")
    kind = body.get("type", "message")
    if kind != "message":
        raise APIProblem(400, f"{where}.type must be 'message' (got {kind!r}); only message items are supported")
    role = body.get("role")
    if not isinstance(role, str) or role not in ROLES:
        raise APIProblem(400, f"{where}.role must be one of {', '.join(ROLES)} (got {role!r})")
    return item_object(role, content_parts(role, body.get("content"), where))


def new_items(value: Any, *, required: bool) -> list[dict[str, Any]]:
    """The `items` of a body: an array of 1–20 message items (0 allowed when not required)."""
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise APIProblem(400, "items must be an array of message items")
    if required and not value:
        raise APIProblem(400, "items must hold at least one item")
    if len(value) > MAX_ITEMS:
        raise APIProblem(400, f"items has {len(value)} entries; at most {MAX_ITEMS} are allowed per request")
    return [new_item(item, f"items[{index}]") for index, item in enumerate(value)]


def list_answer(request: Request, bodies: list[str], first_id: str | None, last_id: str | None, has_more: bool,
                *, with_object: bool) -> Response:
    head = '{"object":"list","data":[' if with_object else '{"data":['
    tail = f'],"first_id":{dumps(first_id)},"last_id":{dumps(last_id)},"has_more":{"true" if has_more else "false"}}}'
    return json_list(head, bodies, tail, request, with_request_id=False)


class ConversationRoutes:
    """The route handlers, bound to one Storage."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def routes(self) -> list[Route]:
        conv, items, item = "/conversations/{conv_id}", "/conversations/{conv_id}/items", "/conversations/{conv_id}/items/{item_id}"
        return [
            Route("/conversations", self.create_conversation, methods=["POST"]),
            Route(conv, self.get_conversation, methods=["GET"]),
            Route(conv, self.update_conversation, methods=["POST"]),
            Route(conv, self.delete_conversation, methods=["DELETE"]),
            Route(items, self.create_items, methods=["POST"]),
            Route(items, self.list_items, methods=["GET"]),
            Route(item, self.get_item, methods=["GET"]),
            Route(item, self.delete_item, methods=["DELETE"]),
        ]

    async def create_conversation(self, request: Request) -> Response:
        body = await read_json(request)
        metadata = checked_metadata(body.get("metadata"))
        items = new_items(body.get("items"), required=False)
        conversation = await run_in_threadpool(self.storage.create_conversation, metadata, items)
        return json_text(dumps(conversation), request, with_request_id=False)

    async def get_conversation(self, request: Request) -> Response:
        conversation = await run_in_threadpool(self.storage.get_conversation, request.path_params["conv_id"])
        return json_text(dumps(conversation), request, with_request_id=False)

    async def update_conversation(self, request: Request) -> Response:
        body = await read_json(request)
        if "metadata" not in body:
            raise APIProblem(400, "metadata is required: it replaces the conversation's whole metadata")
        metadata = checked_metadata(body["metadata"])
        conversation = await run_in_threadpool(self.storage.update_conversation, request.path_params["conv_id"], metadata)
        return json_text(dumps(conversation), request, with_request_id=False)

    async def delete_conversation(self, request: Request) -> Response:
        conv_id = request.path_params["conv_id"]
        await run_in_threadpool(self.storage.delete_conversation, conv_id)
        return json_text(dumps({"id": conv_id, "object": "conversation.deleted", "deleted": True}), request,
                         with_request_id=False)

    async def create_items(self, request: Request) -> Response:
        body = await read_json(request)
        items = new_items(body.get("items"), required=True)
        bodies = await run_in_threadpool(self.storage.add_items, request.path_params["conv_id"], items)
        return list_answer(request, bodies, items[0]["id"], items[-1]["id"], False, with_object=False)

    async def list_items(self, request: Request) -> Response:
        conv_id = request.path_params["conv_id"]
        limit, order = query_limit(request), query_order(request)
        after = request.query_params.get("after") or None
        if after is not None:
            check_encodable(after, "after")
        page = await run_in_threadpool(
            lambda: self.storage.list_items(conv_id, limit=limit, order=order, after=after)
        )
        return list_answer(request, page.bodies, page.first_id, page.last_id, page.has_more, with_object=True)

    async def get_item(self, request: Request) -> Response:
        params = request.path_params
        text = await run_in_threadpool(self.storage.get_item, params["conv_id"], params["item_id"])
        return json_text(text, request, with_request_id=False)

    async def delete_item(self, request: Request) -> Response:
        params = request.path_params
        await run_in_threadpool(self.storage.delete_item, params["conv_id"], params["item_id"])
        body = {"id": params["item_id"], "object": "conversation.item.deleted", "deleted": True}
        return json_text(dumps(body), request, with_request_id=False)
