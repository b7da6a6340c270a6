"""Export a whole thread or conversation, oldest first, streamed page by page (memory stays flat on huge threads).

The Assistants API is deprecated by the provider; export is the way out of it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import pydantic_core

from tui.api.client import DashScopeClient
from tui.api.errors import ThreadscopeError
from tui.api.models import Item, Message, parse_wire
from tui.ids import is_conversation
from tui.inert import make_inert

EXPORT_PAGE_SIZE = 100


class ExportError(ThreadscopeError):
    """The export file cannot be written (no such directory, no permission, disk full)."""


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
    if message.plugin_call:
        lines += ["Plugin call:", "", "```json", json.dumps(message.plugin_call, ensure_ascii=False, indent=2), "```", ""]
    return make_inert("\n".join(lines)) + "\n"


def _item_markdown_block(item: Item) -> str:
    lines = [f"## {item.role} · `{item.id}`", ""]
    if item.text:
        lines += [item.text, ""]
    for part in item.parts:
        if not isinstance(part, dict) or not isinstance(part.get("text"), str):  # what is not text is kept, as JSON
            lines += ["```json", json.dumps(part, ensure_ascii=False, indent=2), "```", ""]
    return make_inert("\n".join(lines)) + "\n"


def _json_bytes(item: object) -> bytes:
    """One message as compact UTF-8 JSON (the text `json.dumps(ensure_ascii=False)` gives, but for
    the notation of some floats: `1.5e-7`, not `1.5e-07`, the same number).

    Serialising sets the export rate: orjson is the fastest; what it refuses (an integer beyond
    64 bits, a lone surrogate) or writes differently (NaN and Infinity, as `null`) goes to
    pydantic-core. A string with a lone surrogate cannot be UTF-8: that message is written
    with `\\u` escapes instead of failing the export.
    """
    try:
        line = orjson.dumps(item)
    except orjson.JSONEncodeError:
        line = None
    if line is not None and b"null" not in line:  # a NaN would read null: such lines are written again below
        return line
    try:
        return pydantic_core.to_json(item)
    except pydantic_core.PydanticSerializationError:
        return json.dumps(item, separators=(",", ":")).encode("ascii")


async def write_export(client: DashScopeClient, thread_id: str, fmt: str, output: Path | None) -> int:
    """Write every message of a thread (or item of a conversation: `conv_…`) as json, jsonl or md
    to `output` (stdout if None); return the count.

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
        stream = open(tmp, "wb")
    except OSError as exc:
        raise _cannot_write(output, exc) from None
    try:
        with stream:
            count = await _stream(client, thread_id, fmt, stream.write, stream.flush)
        os.replace(tmp, output)
    except OSError as exc:
        raise _cannot_write(output, exc) from None
    finally:
        tmp.unlink(missing_ok=True)
    return count


def _cannot_write(output: Path, exc: OSError) -> ExportError:
    return ExportError(f"export failed: cannot write {output}: {exc.strerror or exc}")


async def _stream(
    client: DashScopeClient, target_id: str, fmt: str, write: Callable[[bytes], object], flush: Callable[[], object]
) -> int:
    conversation = is_conversation(target_id)
    count = 0
    # Written with the first page: nothing reaches the output if the first request fails.
    head = {"json": b"[", "md": f"# {'Conversation' if conversation else 'Thread'} `{target_id}`\n\n".encode()}.get(fmt, b"")
    # Raw objects, not models: the export is exactly what the server sent, and parsing is skipped.
    pages = client.iter_item_pages if conversation else client.iter_message_pages
    async for page in pages(target_id, order="asc", page_size=EXPORT_PAGE_SIZE):
        write(head + _page_bytes(page, fmt, count == 0, conversation, target_id))  # one write per page, not per message
        head = b""
        count += len(page)
    if fmt == "json":
        head += b"\n]\n" if count else b"]\n"
    write(head)
    flush()
    return count


def _page_bytes(page: list[dict], fmt: str, first: bool, conversation: bool, target_id: str) -> bytes:
    """One page of the export file: each object compact JSON on its line (jsonl), an element of
    the array (json), or a markdown section (md)."""
    if fmt == "jsonl":
        return b"".join([_json_bytes(item) + b"\n" for item in page])
    if fmt == "json":
        return b"".join([(b"\n" if first and n == 0 else b",\n") + _json_bytes(item) for n, item in enumerate(page)])
    return "".join([_markdown(item, conversation, target_id) for item in page]).encode("utf-8", errors="backslashreplace")


def _markdown(raw: dict, conversation: bool, target_id: str) -> str:
    # A malformed object is a ProtocolError that says where, not a traceback.
    if conversation:
        return _item_markdown_block(parse_wire(Item, raw, f"export {target_id}"))
    return _markdown_block(parse_wire(Message, raw, f"export {target_id}"))
