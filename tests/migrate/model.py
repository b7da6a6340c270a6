"""A plain model of the two APIs a migration touches, in memory, with faults on item creation.

Not a stand-in for the product's client in general: the migration engine takes any object
with the client's method names, and this one lets a test decide, call by call, whether the
server acts, and whether its answer arrives.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from tui.api.errors import NotFoundError, RateLimitError, ServerError, TransportError
from tui.api.models import Thread

_ids = itertools.count(1)

# What a fault on create_items does: (the server writes the batch?, the error the caller sees).
FAULTS = {
    "lost": (True, lambda: ServerError(504, "GatewayTimeout", "answer lost", operation="create items")),
    "reset_before": (False, lambda: TransportError("create items", "connection reset", maybe_sent=True)),
    "reset_after": (True, lambda: TransportError("create items", "connection reset", maybe_sent=True)),
    "timeout": (False, lambda: TransportError("create items", "timed out (ReadTimeout)")),
    "timeout_written": (True, lambda: TransportError("create items", "timed out (ReadTimeout)")),
    "503": (False, lambda: ServerError(503, "ServiceUnavailable", "busy", operation="create items")),
    "429": (False, lambda: RateLimitError(429, "Throttling", "slow down", operation="create items", retry_after=2.0)),
}


def message(thread_id: str, role: str, texts: list[str], **extra: Any) -> dict[str, Any]:
    """A `thread.message` object as the server sends it."""
    return {
        "id": f"message_{next(_ids):06d}", "object": "thread.message", "created_at": 1, "thread_id": thread_id,
        "role": role, "content": [{"type": "text", "text": {"value": t, "annotations": []}} for t in texts],
        "metadata": extra.pop("metadata", {}), "tool_calls": extra.pop("tool_calls", []),
        "plugin_call": extra.pop("plugin_call", {}), **extra,
    }


@dataclass
class ModelServer:
    threads: dict[str, dict[str, Any]] = field(default_factory=dict)
    thread_messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    conversations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)  # for the next create_items calls, in order
    list_faults: int = 0  # how many coming list_items calls answer 503
    calls: list[str] = field(default_factory=list)

    def add_thread(self, messages: list[dict[str, Any]], metadata: dict[str, str] | None = None) -> str:
        thread_id = f"thread_{next(_ids):06d}"
        self.threads[thread_id] = {"id": thread_id, "object": "thread", "created_at": 1, "metadata": metadata or {}}
        self.thread_messages[thread_id] = [{**m, "thread_id": thread_id} for m in messages]
        return thread_id

    # -- the client's methods ----------------------------------------------------------------

    async def retrieve_thread(self, thread_id: str) -> Thread:
        if thread_id not in self.threads:
            raise NotFoundError(404, "NotFound", f"thread {thread_id} not found", operation="retrieve thread")
        return Thread.from_wire(self.threads[thread_id])

    async def list_messages_raw(self, thread_id: str, *, limit: int, order: str, after: str | None = None) -> dict:
        assert order == "asc"
        messages = self.thread_messages[thread_id]
        start = 0 if after is None else [m["id"] for m in messages].index(after) + 1
        data = messages[start:start + limit]
        return {"object": "list", "data": data, "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None, "has_more": start + limit < len(messages)}

    async def create_conversation(self, *, metadata: dict[str, str] | None = None) -> SimpleNamespace:
        conversation_id = f"conv_{next(_ids):06d}"
        self.conversations[conversation_id] = []
        self.calls.append("create_conversation")
        return SimpleNamespace(id=conversation_id, metadata=metadata or {})

    def _items(self, conversation_id: str) -> list[dict[str, Any]]:
        if conversation_id not in self.conversations:
            raise NotFoundError(404, "not_found", "no such conversation", operation="conversation")
        return self.conversations[conversation_id]

    async def retrieve_conversation(self, conversation_id: str) -> SimpleNamespace:
        self._items(conversation_id)
        return SimpleNamespace(id=conversation_id)

    async def create_items(self, conversation_id: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        stored = self._items(conversation_id)
        self.calls.append("create_items")
        writes, error = FAULTS[self.faults.pop(0)] if self.faults else (True, None)
        new = [{"id": f"msg_{next(_ids):06d}", "type": "message", "role": item["role"],
                "content": [dict(part) for part in item["content"]], "status": "completed"} for item in items]
        if writes:
            stored.extend(new)
        if error is not None:
            raise error()
        return {"data": new, "first_id": new[0]["id"], "last_id": new[-1]["id"], "has_more": False}

    async def list_items(self, conversation_id: str, *, limit: int = 20, order: str = "desc",
                         after: str | None = None) -> dict[str, Any]:
        stored = self._items(conversation_id)
        if self.list_faults:
            self.list_faults -= 1
            raise ServerError(503, "ServiceUnavailable", "busy", operation="list items")
        ordered = stored if order == "asc" else stored[::-1]
        start = 0 if after is None else [i["id"] for i in ordered].index(after) + 1
        data = ordered[start:start + limit]
        return {"object": "list", "data": data, "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None, "has_more": start + limit < len(ordered)}


    list_items_raw = list_items


class FakeClock:
    """Time that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
