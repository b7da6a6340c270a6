"""Export a whole thread, oldest first, streamed page by page (memory stays flat on huge threads).

The Assistants API is deprecated by the provider; export is the way out of it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import IO

from tui.api.client import DashScopeClient
from tui.api.models import Message
from tui.inert import make_inert

EXPORT_PAGE_SIZE = 100


def _markdown_block(message: Message) -> str:
    lines = [f"## {message.role} · {message.created.isoformat()} · `{message.id}`", ""]
    for key, value in message.metadata_dict.items():
        lines.append(f"- **{key}**: {value}")
    if message.metadata_dict:
        lines.append("")
    if message.text:
        lines += [message.text, ""]
    for call in message.tool_calls or []:
        lines += ["```json", json.dumps(call, ensure_ascii=False, indent=2), "```", ""]
    return make_inert("\n".join(lines)) + "\n"


async def write_export(client: DashScopeClient, thread_id: str, fmt: str, output: Path | None) -> int:
    """Write every message of `thread_id` as json, jsonl or md to `output` (stdout if None); return the count.

    A file is written beside its target and renamed when complete, so a failed export
    never leaves a half file under the name asked for.
    """
    if output is None:
        return await _stream(client, thread_id, fmt, sys.stdout)
    tmp = output.with_name(output.name + ".part")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as stream:
            count = await _stream(client, thread_id, fmt, stream)
        os.replace(tmp, output)
    finally:
        if tmp.exists():
            tmp.unlink()
    return count


async def _stream(client: DashScopeClient, thread_id: str, fmt: str, stream: IO[str]) -> int:
    count = 0
    if fmt == "json":
        stream.write("[")
    elif fmt == "md":
        stream.write(f"# Thread `{thread_id}`\n\n")
    # Raw objects, not models: the export is exactly what the server sent, and parsing is skipped.
    async for item in client.iter_raw_messages(thread_id, order="asc", page_size=EXPORT_PAGE_SIZE):
        if fmt == "jsonl":
            stream.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n")
        elif fmt == "json":
            stream.write(("\n" if count == 0 else ",\n") + json.dumps(item, ensure_ascii=False))
        else:
            stream.write(_markdown_block(Message.from_wire(item)))
        count += 1
    if fmt == "json":
        stream.write("\n]\n" if count else "]\n")
    stream.flush()
    return count
