"""Thread → conversation, as pure functions (CONTRACT §6): what each message becomes, what is reported.

A message becomes one item: role kept, each text part one content part (`output_text` for
the assistant, `input_text` otherwise). What an item cannot hold is never dropped silently:
it is a note on the message (metadata, annotations, non-text parts, tool calls that ride
along with text) or, for a message with no text at all, the reason it is skipped — or,
with `non_text="as-text"`, a readable text item instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tui.api.validation import MAX_METADATA_PAIRS

BATCH_SIZE = 20  # the most items one create call takes
MIGRATED_FROM = "migrated_from"
ITEM_ROLES = ("user", "assistant", "system", "developer")  # the roles an item may have


@dataclass(frozen=True)
class MappedMessage:
    """One source message's fate: the item it becomes (None when skipped) and what was reported."""

    message_id: str
    item: dict[str, Any] | None
    skipped: str | None = None  # why no item was written
    notes: tuple[str, ...] = ()  # what the item could not hold
    metadata: dict[str, Any] = field(default_factory=dict)


def plural(count: int, noun: str) -> str:
    """`1 pair`, `2 pairs`."""
    return f"{count} {noun}" + ("" if count == 1 else "es" if noun.endswith("ch") else "s")


def part_type(role: str) -> str:
    """The content part type an item of `role` carries its text in."""
    return "output_text" if role == "assistant" else "input_text"


def make_item(role: str, texts: Sequence[str]) -> dict[str, Any]:
    """A message item for create calls: one content part per text."""
    kind = part_type(role)
    return {"type": "message", "role": role, "content": [{"type": kind, "text": text} for text in texts]}


def _text_of(part: dict[str, Any]) -> tuple[str | None, int]:
    """A text part's value and its number of annotations; (None, 0) for a part that is not text."""
    if part.get("type") != "text":
        return None, 0
    text = part.get("text")
    if isinstance(text, dict):
        value = text.get("value")
        annotations = text.get("annotations")
        return (value if isinstance(value, str) else ""), (len(annotations) if isinstance(annotations, list) else 0)
    return (text if isinstance(text, str) else ""), 0


def _describe_call(call: Any) -> str:
    """A tool call as one readable line: `tool call name(arguments) → output`."""
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict):  # a code interpreter, a retrieval…: shown whole
        kind = str(call.get("type") or "") if isinstance(call, dict) else ""
        return " ".join(filter(None, ["tool call", kind, json.dumps(call, ensure_ascii=False)]))
    name = function.get("name") or "function"
    line = f"tool call {name}({function.get('arguments') or ''})"
    if function.get("output"):
        line += f" → {function['output']}"
    return line


def _describe_plugin(plugin: dict[str, Any]) -> str:
    line = f"plugin call {plugin.get('name') or 'plugin'}({plugin.get('arguments') or ''})"
    if plugin.get("output"):
        line += f" → {plugin['output']}"
    return line


@dataclass
class _Content:
    """A message's parts sorted out, whatever shape the server gave them."""

    texts: list[str] = field(default_factory=list)
    odd_parts: list[dict[str, Any]] = field(default_factory=list)
    annotations: int = 0
    tool_calls: list[Any] = field(default_factory=list)
    plugin: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, raw: dict[str, Any]) -> _Content:
        found = cls()
        content = raw.get("content")
        for part in content if isinstance(content, list) else []:
            if not isinstance(part, dict):
                continue
            value, count = _text_of(part)
            if value is None:
                found.odd_parts.append(part)
            else:
                found.texts.append(value)
                found.annotations += count
        calls = raw.get("tool_calls")
        found.tool_calls = calls if isinstance(calls, list) else [calls] if calls else []
        plugin = raw.get("plugin_call")
        found.plugin = plugin if isinstance(plugin, dict) else {}
        return found

    def non_text_lines(self) -> list[str]:
        """What the message holds besides text, as readable lines (for `--non-text as-text`)."""
        lines = [_describe_call(call) for call in self.tool_calls]
        if self.plugin:
            lines.append(_describe_plugin(self.plugin))
        lines += [f"[{part.get('type')}] {json.dumps(part, ensure_ascii=False)}" for part in self.odd_parts]
        return lines

    def no_text_reason(self) -> str:
        if self.tool_calls:
            return "tool calls"
        if self.plugin:
            return "plugin call"
        if self.odd_parts:
            return "non-text content"
        return "empty text"

    def lost_notes(self) -> list[str]:
        """What an item made of the texts leaves behind."""
        notes = [f"non-text part {part.get('type')!r} not carried" for part in self.odd_parts]
        if self.tool_calls:
            notes.append(f"{plural(len(self.tool_calls), 'tool call')} not carried")
        if self.plugin:
            notes.append("plugin call not carried")
        return notes


def map_message(raw: Any, non_text: str = "skip") -> MappedMessage:
    """What one message (its JSON object as the server sent it) becomes."""
    if not isinstance(raw, dict):
        return MappedMessage("", None, "not a message object")
    message_id = str(raw.get("id") or "")
    role = str(raw.get("role") or "user")
    metadata = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
    if role not in ITEM_ROLES:
        return MappedMessage(message_id, None, f"role {role!r} (an item cannot have it)", (), metadata)
    content = _Content.of(raw)
    notes: list[str] = []
    if metadata:
        notes.append(f"metadata ({plural(len(metadata), 'pair')}) kept in the record")
    if content.annotations:
        notes.append(f"{plural(content.annotations, 'annotation')} not carried")
    if not any(text.strip() for text in content.texts):
        reason, lines = content.no_text_reason(), content.non_text_lines()
        if non_text == "as-text" and lines:
            notes.append(f"{reason} written as text")
            return MappedMessage(message_id, make_item(role, ["\n".join(lines)]), None, tuple(notes), metadata)
        return MappedMessage(message_id, None, reason, tuple(notes), metadata)
    notes += content.lost_notes()
    return MappedMessage(message_id, make_item(role, content.texts), None, tuple(notes), metadata)


def conversation_metadata(thread_id: str, thread_metadata: dict[str, Any] | None) -> dict[str, str]:
    """The new conversation's metadata: the thread's pairs, plus `migrated_from` when there is room."""
    metadata = {str(key): str(value) for key, value in (thread_metadata or {}).items()}
    if len(metadata) < MAX_METADATA_PAIRS and MIGRATED_FROM not in metadata:
        metadata[MIGRATED_FROM] = thread_id
    return metadata


def batches(mapped: Iterable[MappedMessage], size: int = BATCH_SIZE) -> list[list[MappedMessage]]:
    """The messages that become items, in order, in groups of at most `size`."""
    groups: list[list[MappedMessage]] = []
    for message in mapped:
        if message.item is None:
            continue
        if not groups or len(groups[-1]) >= size:
            groups.append([])
        groups[-1].append(message)
    return groups


# -- comparing what was meant with what the conversation holds --------------------------------


def signature(item: Any) -> tuple[str, tuple[str, ...]]:
    """(role, texts) of an item — a dict as sent or read back, or a model with `.raw`."""
    data = item.raw if hasattr(item, "raw") else item
    if not isinstance(data, dict):
        data = {"role": getattr(item, "role", ""), "content": getattr(item, "content", [])}
    content = data.get("content")
    if isinstance(content, str):
        return str(data.get("role")), (content,)
    texts = []
    for part in content or []:
        if isinstance(part, dict):
            text = part.get("text")
            texts.append(text if isinstance(text, str) else "")
        else:
            texts.append(str(getattr(part, "text", "")))
    return str(data.get("role")), tuple(texts)


def _shown(sig: tuple[str, tuple[str, ...]]) -> str:
    text = " | ".join(sig[1])
    if len(text) > 40:
        text = text[:39] + "…"
    return f"{sig[0]} {text!r}"


def _extra_run(expected: list[Any], found: list[Any]) -> int | None:
    """Where `found` is `expected` with a run of items repeated right after itself (a batch written twice), else None."""
    extra = len(found) - len(expected)
    if extra <= 0:
        return None
    start = next((i for i, (a, b) in enumerate(zip(expected, found, strict=False)) if a != b), len(expected))
    if found[start + extra:] != expected[start:]:
        return None
    run = found[start:start + extra]
    if start >= extra and found[start - extra:start] == run:
        return start
    return start if found[start + extra:start + 2 * extra] == run else None


def differences(expected: Sequence[Any], found: Sequence[Any], found_ids: Sequence[str] = (), limit: int = 20) -> list[str]:
    """Each way `found` (read back) differs from `expected` (meant): count, then item by item."""
    want, got = [signature(item) for item in expected], [signature(item) for item in found]
    start = _extra_run(want, got)
    if start is not None:
        end = start + len(got) - len(want)
        named = f" ({found_ids[start]} … {found_ids[end - 1]})" if len(found_ids) >= end else ""
        return [f"items {start + 1}–{end}{named} are extra: the same text appears once more where the thread has it "
                "once (a batch written twice?); without them the conversation matches the thread"]
    problems: list[str] = []
    if len(found) != len(expected):
        problems.append(f"the conversation holds {len(found)} items, the thread gave {len(expected)}")
    for index, (want_sig, got_sig) in enumerate(zip(want, got, strict=False)):
        if want_sig != got_sig:
            where = f"item {index + 1}" + (f" ({found_ids[index]})" if index < len(found_ids) else "")
            problems.append(f"{where}: expected {_shown(want_sig)}, found {_shown(got_sig)}")
    if len(problems) > limit:
        problems = problems[:limit] + [f"… and {len(problems) - limit} more"]
    return problems
