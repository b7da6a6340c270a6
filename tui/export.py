"""Export a whole thread, oldest first, streamed page by page (memory stays flat on huge threads).

The Assistants API is deprecated by the provider; export is the way out of it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pydantic_core

from tui.api.client import DashScopeClient
from tui.api.models import Message, parse_wire
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


def _json_bytes(item: object) -> bytes:
    """One message as compact UTF-8 JSON (the same text `json.dumps(ensure_ascii=False)` gives).

    pydantic-core's serializer is five times faster than the standard library's, which
    decided the export rate (bench goal 6). A string the server sent with a lone surrogate
    cannot be UTF-8: that message is written with `\\u` escapes instead of failing the export.
    """
    try:
        return pydantic_core.to_json(item)
    except pydantic_core.PydanticSerializationError:
        return json.dumps(item, separators=(",", ":")).encode("ascii")


async def write_export(client: DashScopeClient, thread_id: str, fmt: str, output: Path | None) -> int:
    """Write every message of `thread_id` as json, jsonl or md to `output` (stdout if None); return the count.

    A file is written beside its target and renamed when complete, so a failed export
    never leaves a half file under the name asked for.
    """
    if output is None:
        stdout = getattr(sys.stdout, "buffer", None)
        if stdout is not None:
            sys.stdout.flush()
            return await _stream(client, thread_id, fmt, stdout.write, stdout.flush)
        return await _stream(client, thread_id, fmt, lambda b: sys.stdout.write(b.decode("utf-8")), sys.stdout.flush)
    tmp = output.with_name(output.name + ".part")
    try:
        with open(tmp, "wb") as stream:
            count = await _stream(client, thread_id, fmt, stream.write, stream.flush)
        os.replace(tmp, output)
    finally:
        if tmp.exists():
            tmp.unlink()
    return count


async def _stream(
    client: DashScopeClient, thread_id: str, fmt: str, write: Callable[[bytes], object], flush: Callable[[], object]
) -> int:
    count = 0
    chunk: list[bytes] = []  # one write per page, not per message: a write is a syscall every 8 KiB
    if fmt == "json":
        chunk.append(b"[")
    elif fmt == "md":
        chunk.append(f"# Thread `{thread_id}`\n\n".encode())
    # Raw objects, not models: the export is exactly what the server sent, and parsing is skipped.
    async for item in client.iter_raw_messages(thread_id, order="asc", page_size=EXPORT_PAGE_SIZE):
        if fmt == "jsonl":
            chunk.append(_json_bytes(item) + b"\n")
        elif fmt == "json":
            chunk.append((b"\n" if count == 0 else b",\n") + _json_bytes(item))
        else:
            message = parse_wire(Message, item, f"export {thread_id}")  # a malformed one: ProtocolError, not a traceback
            chunk.append(_markdown_block(message).encode("utf-8", errors="backslashreplace"))
        count += 1
        if count % EXPORT_PAGE_SIZE == 0:
            write(b"".join(chunk))
            chunk.clear()
    if fmt == "json":
        chunk.append(b"\n]\n" if count else b"]\n")
    write(b"".join(chunk))
    flush()
    return count
