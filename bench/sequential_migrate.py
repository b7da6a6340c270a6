"""The baseline of goals 21a/21b: a straightforward script that copies threads into conversations.

    python bench/sequential_migrate.py BASE_URL KEY THREAD…

One thread after another: the `dashscope` SDK reads the thread and pages its messages
(oldest first, 100 a page); the `openai` SDK creates the conversation (the thread's metadata
plus `migrated_from`, as CONTRACT §6 says) and writes the items in batches of 20. Prints one
JSON line per thread: {"thread_id", "conversation_id", "items"}.
"""

from __future__ import annotations

import json
import sys
import warnings

import dashscope
from dashscope import Messages, Threads
from openai import OpenAI

BATCH = 20
MAX_PAIRS = 16


def read_thread(thread_id: str, key: str) -> tuple[dict[str, str], list]:
    thread = Threads.retrieve(thread_id, api_key=key)
    if thread.status_code != 200:
        raise SystemExit(f"retrieve {thread_id}: {thread}")
    messages, after = [], None
    while True:
        page = Messages.list(thread_id, limit=100, order="asc", after=after, api_key=key)
        if page.status_code != 200:
            raise SystemExit(f"list {thread_id}: {page}")
        messages += page.data
        if not page.has_more:
            return dict(thread.metadata or {}), messages
        after = page.last_id


def as_item(message) -> dict:
    kind = "output_text" if message.role == "assistant" else "input_text"
    texts = [part.text.value for part in message.content if part.type == "text"]
    return {"type": "message", "role": message.role, "content": [{"type": kind, "text": text} for text in texts]}


def main() -> None:
    warnings.simplefilter("ignore", DeprecationWarning)
    base, key, *thread_ids = sys.argv[1:]
    dashscope.base_http_api_url = base
    client = OpenAI(api_key=key, base_url=base.removesuffix("/api/v1") + "/compatible-mode/v1")
    for thread_id in thread_ids:
        metadata, messages = read_thread(thread_id, key)
        if len(metadata) < MAX_PAIRS:
            metadata.setdefault("migrated_from", thread_id)
        conversation = client.conversations.create(metadata=metadata)
        items = [as_item(message) for message in messages]
        for start in range(0, len(items), BATCH):
            client.conversations.items.create(conversation.id, items=items[start:start + BATCH])
        print(json.dumps({"thread_id": thread_id, "conversation_id": conversation.id, "items": len(items)}), flush=True)


if __name__ == "__main__":
    main()
