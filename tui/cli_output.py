"""What the command line prints: tables, one object in detail, JSON — any server text, printable.

Server text is untrusted (made inert) and may hold what no terminal encoding can write (a
lone surrogate from a `\\ud800` escape): such characters are printed escaped, never raised.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import click

from tui.inert import make_inert, one_line

TEXT_WIDTH = 60


def echo(text: str, *, err: bool = False) -> None:
    """`click.echo`, with what the stream's encoding cannot hold written as backslash escapes."""
    stream = sys.stderr if err else sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        text = text.encode(encoding, errors="backslashreplace").decode(encoding)
    click.echo(text, err=err)


def json_text(data: Any, *, compact: bool = False) -> str:
    """`data` as JSON, non-ASCII kept; a string no UTF-8 can hold makes it `\\u`-escaped instead."""
    separators = (",", ":") if compact else None
    indent = None if compact else 2
    text = json.dumps(data, ensure_ascii=False, separators=separators, indent=indent)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(data, ensure_ascii=True, separators=separators, indent=indent)
    return text


def print_json(data: Any, *, compact: bool = False) -> None:
    echo(json_text(data, compact=compact))


def local_time(ms: Any) -> str:
    """A `created_at` in milliseconds as local time; blank when absent (items carry none)."""
    if not isinstance(ms, int | float) or isinstance(ms, bool):
        return ""
    try:
        return datetime.fromtimestamp(ms / 1000).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return str(ms)


def part_text(part: Any) -> str | None:
    """The text of one content part: `{"text": {"value": …}}` (threads) or `{"text": "…"}` (items)."""
    if not isinstance(part, Mapping):
        return None
    text = part.get("text")
    if isinstance(text, Mapping):
        text = text.get("value")
    return text if isinstance(text, str) else None


def object_text(raw: Mapping[str, Any]) -> str:
    """Every text part of a message or item, joined by blank lines."""
    content = raw.get("content")
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else []
    return "\n\n".join(text for text in map(part_text, parts) if text is not None)


def call_name(call: Any) -> str:
    """A tool or plugin call's name, as the TUI's list shows it."""
    if not isinstance(call, Mapping):
        return "?"
    function = call.get("function")
    if isinstance(function, Mapping) and function.get("name"):
        return str(function["name"])
    return str(call.get("name") or call.get("type") or "?")


def summary(raw: Mapping[str, Any], width: int = TEXT_WIDTH) -> str:
    """One line for a table: the first line of text, else what the message holds instead."""
    line = one_line(object_text(raw), width)
    if line:
        return line
    calls = raw.get("tool_calls")
    if isinstance(calls, list) and calls:
        return one_line(f"(tool call: {', '.join(call_name(c) for c in calls)})", width)
    plugin = raw.get("plugin_call")
    if isinstance(plugin, Mapping) and plugin:
        return one_line(f"(plugin call: {call_name(plugin)})", width)
    return "(no text)"


def _metadata(raw: Mapping[str, Any]) -> dict[str, Any]:
    metadata = raw.get("metadata")
    return dict(metadata) if isinstance(metadata, Mapping) else {}


def print_table(objects: Iterable[Mapping[str, Any]], *, header: bool = True) -> None:
    """Messages or items (their JSON objects) as aligned columns for people; server text made inert."""
    if header:
        echo(f"{'ID':<46}  {'ROLE':<9}  {'CREATED':<19}  {'META':>4}  TEXT")
    for raw in objects:
        echo(
            f"{make_inert(str(raw.get('id', ''))):<46}  {make_inert(str(raw.get('role', ''))):<9}  "
            f"{local_time(raw.get('created_at')):<19}  {len(_metadata(raw)):>4}  {summary(raw)}"
        )


def _pretty_call_value(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return make_inert(value)
    return make_inert(json_text(value))


def call_lines(call: Any) -> list[str]:
    """A tool or plugin call as readable lines: `name  id  type`, then its arguments and output as JSON."""
    if not isinstance(call, Mapping):
        return [make_inert(json_text(call))]
    function = call.get("function") if isinstance(call.get("function"), Mapping) else call
    head = "  ".join(make_inert(str(part)) for part in (call_name(call), call.get("id"), call.get("type")) if part)
    lines = [head]
    for label in ("arguments", "output"):
        value = function.get(label)
        if value not in (None, ""):
            shown = _pretty_call_value(value).replace("\n", "\n    ")
            lines.append(f"  {label}: {shown}")
    return lines


def print_detail(raw: Mapping[str, Any], fields: tuple[str, ...]) -> None:
    """One message or item for people: the named fields, metadata, text, tool and plugin calls."""
    for name in fields:
        value = raw.get(name)
        if value in (None, ""):
            continue
        if name == "created_at":
            echo(f"{'created_at:':<12}{local_time(value)} ({make_inert(str(value))})")
        else:
            echo(f"{name + ':':<12}{make_inert(str(value))}")
    for key, value in _metadata(raw).items():
        echo(f"{'metadata:':<12}{make_inert(str(key))} = {make_inert(str(value))}")
    text = object_text(raw)
    if text:
        echo("")
        echo(make_inert(text))
    calls = raw.get("tool_calls")
    if isinstance(calls, list) and calls:
        echo("")
        echo(f"tool calls ({len(calls)}):")
        for call in calls:
            echo("\n".join("  " + line for line in call_lines(call)))
    plugin = raw.get("plugin_call")
    if isinstance(plugin, Mapping) and plugin:
        echo("")
        echo("plugin call:")
        echo("\n".join("  " + line for line in call_lines(plugin)))
