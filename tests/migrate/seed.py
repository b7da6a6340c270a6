"""Threads seeded straight into an emulator's storage: roles, tool calls and parts the public API cannot create."""

from __future__ import annotations

import itertools
from typing import Any

from tui.emulator.storage import message_object, new_message_id

_clock = itertools.count(1_700_000_000_000)


def seed_thread(storage: Any, messages: list[dict[str, Any]], metadata: dict[str, str] | None = None) -> str:
    """A thread holding `messages` (each `{"role", "texts", "tool_calls"?, "metadata"?}`), oldest first."""
    thread_id = storage.create_thread(metadata or {})["id"]
    objects = []
    for spec in messages:
        texts = spec.get("texts", [""])
        obj = message_object(message_id=new_message_id(), thread_id=thread_id, created_at=next(_clock),
                             role=spec["role"], text=texts[0] if texts else "", metadata=spec.get("metadata"),
                             tool_calls=spec.get("tool_calls"))
        obj["content"] = [{"type": "text", "text": {"value": t, "annotations": []}} for t in texts]
        objects.append(obj)
    storage.bulk_insert_messages(objects)
    return thread_id


def plain_thread(storage: Any, count: int, metadata: dict[str, str] | None = None) -> str:
    """`count` messages, user and assistant by turns, each text naming its position."""
    return seed_thread(storage, [{"role": "user" if i % 2 == 0 else "assistant", "texts": [f"message {i}"]}
                                 for i in range(count)], metadata)


TOOL_CALL = {"id": "call_1", "type": "function", "function": {"name": "lookup_order", "arguments": '{"id": 7}'}}
