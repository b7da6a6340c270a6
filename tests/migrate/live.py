"""Helpers for migrations over real HTTP: the emulator on a loopback socket, the `openai` SDK reading back."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tui.api.client import DashScopeClient, Timeouts
from tui.migrate import MigrationRecord, Migrator, Options, ThreadResult


def compat_url(server: Any) -> str:
    return server.base_url.removesuffix("/api/v1") + "/compatible-mode/v1"


def read_back(server: Any, conversation_id: str) -> list[tuple[str, tuple[str, ...]]]:
    """Every item of a conversation, oldest first, as (role, texts), read with the official `openai` SDK."""
    from openai import OpenAI

    with OpenAI(api_key="local", base_url=compat_url(server), max_retries=0) as sdk:
        items = list(sdk.conversations.items.list(conversation_id, order="asc", limit=100))
    return [(item.role, tuple(part.text for part in item.content)) for item in items]


def expected_items(specs: list[dict[str, Any]], non_text: str = "skip") -> list[tuple[str, tuple[str, ...]]]:
    """What CONTRACT §6 says a thread of these messages becomes (written independently of the mapping)."""
    out = []
    for spec in specs:
        texts = tuple(spec.get("texts", []))
        if any(text.strip() for text in texts):
            out.append((spec["role"], texts))
        elif spec.get("tool_calls") and non_text == "as-text":
            out.append((spec["role"], ('tool call lookup_order({"id": 7})',)))
    return out


def migrate(server: Any, thread_ids: list[str], record_path: Path, *, read_timeout: float = 30.0,
            **options: Any) -> list[ThreadResult]:
    """Run the engine in this process on the real client over HTTP."""

    async def main() -> list[ThreadResult]:
        record = MigrationRecord(record_path, "live")
        try:
            async with DashScopeClient(api_key="local", base_url=server.base_url,
                                       timeouts=Timeouts(connect=2.0, read=read_timeout)) as client:
                return await Migrator(client, record, Options(backoff=0.01, **options)).run(thread_ids)
        finally:
            record.close()

    return asyncio.run(main())

