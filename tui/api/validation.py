"""Rules a request must satisfy before it is sent, shared by the client, the CLI, the editor and the emulator.

DashScope follows the OpenAI-compatible metadata rules: at most 16 pairs, keys of 1–64
characters, values strings of at most 512 characters.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from tui.api.errors import ThreadscopeError

MAX_METADATA_PAIRS = 16
MAX_KEY_LENGTH = 64
MAX_VALUE_LENGTH = 512
MIN_LIMIT = 1
MAX_LIMIT = 100
DEFAULT_LIMIT = 20
ORDERS = ("asc", "desc")


class ValidationError(ThreadscopeError, ValueError):
    """A request that would be refused, caught before it is sent.

    `field` names what is wrong (`metadata`, `metadata.<key>`, `content`, `limit`, `order`).
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class MetadataProblem(NamedTuple):
    """One rule a metadata object breaks: `key` is the offending key (None for the whole object)."""

    key: str | None
    rule: str
    message: str


def metadata_problems(metadata: Any) -> list[MetadataProblem]:
    """Every rule `metadata` breaks, in a stable order; empty when it may be sent."""
    if not isinstance(metadata, dict):
        return [MetadataProblem(None, "type", "metadata must be a JSON object of string keys to string values")]
    problems: list[MetadataProblem] = []
    if len(metadata) > MAX_METADATA_PAIRS:
        problems.append(
            MetadataProblem(
                None,
                "too_many",
                f"metadata has {len(metadata)} pairs; at most {MAX_METADATA_PAIRS} are allowed",
            )
        )
    for key, value in metadata.items():
        if not isinstance(key, str) or not key:
            problems.append(MetadataProblem(str(key), "key_empty", "metadata keys must be non-empty strings"))
            continue
        if len(key) > MAX_KEY_LENGTH:
            problems.append(
                MetadataProblem(
                    key,
                    "key_too_long",
                    f"metadata key {key[:20]!r}… is {len(key)} characters; at most {MAX_KEY_LENGTH} are allowed",
                )
            )
        if not isinstance(value, str):
            problems.append(
                MetadataProblem(
                    key,
                    "value_type",
                    f"metadata value of {key!r} must be a string, not {type(value).__name__ if value is not None else 'null'}",
                )
            )
        elif len(value) > MAX_VALUE_LENGTH:
            problems.append(
                MetadataProblem(
                    key,
                    "value_too_long",
                    f"metadata value of {key!r} is {len(value)} characters; at most {MAX_VALUE_LENGTH} are allowed",
                )
            )
    return problems


def check_metadata(metadata: Any) -> dict[str, str]:
    """Return `metadata` unchanged if it may be sent, else raise ValidationError for the first problem."""
    problems = metadata_problems(metadata)
    if problems:
        first = problems[0]
        raise ValidationError(first.message, f"metadata.{first.key}" if first.key is not None else "metadata")
    return metadata


def check_content(content: Any) -> str:
    """Message content must be a non-empty string (whitespace alone is empty)."""
    if not isinstance(content, str) or not content.strip():
        raise ValidationError("message content must be a non-empty string", "content")
    return content


def check_limit(limit: Any) -> int:
    """`limit` must be a whole number from 1 to 100."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not MIN_LIMIT <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit must be a whole number from {MIN_LIMIT} to {MAX_LIMIT}, got {limit!r}", "limit")
    return limit


def check_order(order: Any) -> str:
    """`order` is `asc` (oldest first) or `desc` (newest first)."""
    if order not in ORDERS:
        raise ValidationError(f"order must be 'asc' or 'desc', got {order!r}", "order")
    return order


class RowProblem(NamedTuple):
    """A rule one editor row breaks: `row` is its index (None: the whole set), `part` 'key' or 'value'."""

    row: int | None
    part: str | None
    message: str


def row_problems(rows: list[tuple[str, str]]) -> list[RowProblem]:
    """Every rule a list of (key, value) rows breaks, as the metadata editor shows them.

    The same limits as `metadata_problems`, plus what only rows can get wrong: an empty or a
    repeated key (a JSON object would silently keep the last one).
    """
    problems: list[RowProblem] = []
    filled = sum(1 for key, value in rows if key or value)
    if filled > MAX_METADATA_PAIRS:
        problems.append(RowProblem(None, None, f"{filled} pairs; at most {MAX_METADATA_PAIRS} are allowed"))
    seen: dict[str, int] = {}
    for index, (key, value) in enumerate(rows):
        if not key:
            if value:
                problems.append(RowProblem(index, "key", f"row {index + 1}: the key is empty"))
        elif len(key) > MAX_KEY_LENGTH:
            problems.append(RowProblem(index, "key", f"key {key[:20]!r}… is {len(key)} characters; at most {MAX_KEY_LENGTH}"))
        elif key in seen:
            problems.append(RowProblem(index, "key", f"key {key!r} appears twice (rows {seen[key] + 1} and {index + 1})"))
        else:
            seen[key] = index
        if len(value) > MAX_VALUE_LENGTH:
            problems.append(RowProblem(index, "value", f"value of {key!r} is {len(value)} characters; at most {MAX_VALUE_LENGTH}"))
    return problems


def rows_to_metadata(rows: list[tuple[str, str]]) -> dict[str, str]:
    """The metadata object rows describe; a row with neither key nor value is ignored."""
    return {key: value for key, value in rows if key or value}


MAX_ITEMS_PER_CALL = 20
ITEM_ROLES = ("user", "assistant", "system", "developer")
PART_TYPES = ("input_text", "output_text")
_ITEM_KEYS = frozenset({"type", "role", "content"})


def check_items(items: Any, *, least: int) -> list[dict[str, Any]]:
    """Conversation items as the API takes them: `least`–20 `message` items, each with a role
    (user, assistant, system, developer) and content: a non-empty string, or a list of
    `{"type": "input_text"|"output_text", "text": str}` parts."""
    if not isinstance(items, list):
        raise ValidationError("items must be a list of message items", "items")
    if not least <= len(items) <= MAX_ITEMS_PER_CALL:
        raise ValidationError(f"{len(items)} items; {least}–{MAX_ITEMS_PER_CALL} may be sent in one call", "items")
    for index, item in enumerate(items):
        check_item(item, f"items.{index}")
    return items


def check_item(item: Any, where: str = "item") -> dict[str, Any]:
    """One conversation item (see `check_items`)."""
    if not isinstance(item, dict):
        raise ValidationError(f"{where} must be an object with role and content", where)
    if "metadata" in item:
        raise ValidationError(f"{where}: items carry no metadata (the conversation does)", f"{where}.metadata")
    unknown = sorted(set(item) - _ITEM_KEYS)
    if unknown:
        raise ValidationError(f"{where}: unknown field {unknown[0]!r} (an item has type, role, content)", f"{where}.{unknown[0]}")
    if item.get("type", "message") != "message":
        raise ValidationError(f"{where}: only items of type 'message' are accepted, not {item['type']!r}", f"{where}.type")
    if item.get("role") not in ITEM_ROLES:
        raise ValidationError(f"{where}: role must be one of {', '.join(ITEM_ROLES)}, got {item.get('role')!r}", f"{where}.role")
    content = item.get("content")
    if isinstance(content, str):
        check_content(content)
    elif isinstance(content, list) and content:
        for number, part in enumerate(content):
            _check_part(part, f"{where}.content.{number}")
    else:
        raise ValidationError(f"{where}: content must be a non-empty string or a list of text parts", f"{where}.content")
    return item


def _check_part(part: Any, where: str) -> None:
    if not isinstance(part, dict) or part.get("type") not in PART_TYPES:
        raise ValidationError(f"{where}: a part must be {{'type': 'input_text' or 'output_text', 'text': ...}}", where)
    if not isinstance(part.get("text"), str):
        raise ValidationError(f"{where}: a part's text must be a string", f"{where}.text")
