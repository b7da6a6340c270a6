"""Find in a whole thread or conversation: a query matched over every message or item, streamed.

Textual-free and source-agnostic: `find` takes any async stream of messages or items (their
JSON objects, or models with `.raw`) in thread order and yields a small `Match` for each one
that matches, as soon as it is seen. A match keeps only what a result line needs (id,
position, role, time, a one-line snippet with the match span), never the message, so memory
stays flat however long the thread is. `threadscope grep` and the TUI's find both use it.

What is searched: the text parts, the id, the role, metadata keys and values, the strings
inside annotations, tool-call names and arguments, and the strings inside a plugin call.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

REGEX_PREFIX = "re:"
SNIPPET_BEFORE = 30
SNIPPET_WIDTH = 100
PAGE_SIZE = 100
_BLANKS = str.maketrans("\n\r\t\v\f", "     ")  # one for one, so spans stay where they were


class FindError(ValueError):
    """A query that cannot be run (a bad regular expression), said in words."""


@dataclass(frozen=True, slots=True)
class Query:
    """What to look for: a compiled pattern, and optional role and metadata filters (all must hold)."""

    pattern: re.Pattern[str]
    role: str | None = None
    metadata: tuple[tuple[str, str], ...] = ()

    def admits(self, raw: Mapping[str, Any]) -> bool:
        """True when the role and metadata filters let this object through."""
        if self.role is not None and raw.get("role") != self.role:
            return False
        metadata = raw.get("metadata")
        if self.metadata and not isinstance(metadata, Mapping):
            return False
        return all(metadata.get(key) == value for key, value in self.metadata)


def parse_query(text: str, *, role: str | None = None, metadata: Mapping[str, str] | None = None) -> Query:
    """`text` as a query: plain text matches case-insensitively; `re:` starts a regular expression."""
    if text.startswith(REGEX_PREFIX):
        source = text[len(REGEX_PREFIX):]
        try:
            pattern = re.compile(source)
        except re.error as exc:
            where = f" at position {exc.pos}" if exc.pos is not None else ""
            raise FindError(f"bad regular expression {source!r}: {exc.msg}{where}") from None
    else:
        pattern = re.compile(re.escape(text), re.IGNORECASE)
    return Query(pattern, role or None, tuple((metadata or {}).items()))


@dataclass(frozen=True, slots=True)
class Snippet:
    """One line around a match; `text[start:end]` is the match itself."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Match:
    """One message or item that matched: where it is, what it is, and where the match is."""

    id: str
    position: int  # 1-based, in thread order (oldest first)
    role: str | None
    created_at: int | None  # milliseconds; items carry none
    field: str  # which part matched: text, id, role, metadata, annotation, tool_call, plugin_call
    snippet: Snippet

    def to_json(self) -> dict[str, Any]:
        """The match as `grep --json` prints it."""
        return {"id": self.id, "position": self.position, "role": self.role, "created_at": self.created_at,
                "field": self.field, "snippet": self.snippet.text, "span": [self.snippet.start, self.snippet.end]}


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON value (keys of objects excluded), depth first."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for inner in value.values():
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)


def _parts(raw: Mapping[str, Any]) -> list[Any]:
    content = raw.get("content")
    if isinstance(content, str):
        return [{"text": content}]
    return content if isinstance(content, list) else []


def searched_fields(raw: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(field, text) for everything find looks at in one message or item, in the order results prefer."""
    parts = _parts(raw)
    for part in parts:
        text = part.get("text") if isinstance(part, Mapping) else None
        value = text.get("value") if isinstance(text, Mapping) else text
        if isinstance(value, str):
            yield "text", value
    for name in ("id", "role"):
        if isinstance(raw.get(name), str):
            yield name, raw[name]
    metadata = raw.get("metadata")
    if isinstance(metadata, Mapping):
        for key, value in metadata.items():
            yield "metadata", str(key)
            if isinstance(value, str):
                yield "metadata", value
    for part in parts:
        text = part.get("text") if isinstance(part, Mapping) else None
        annotations = (text.get("annotations") if isinstance(text, Mapping) else None) or (
            part.get("annotations") if isinstance(part, Mapping) else None)
        for value in _strings(annotations or []):
            yield "annotation", value
    calls = raw.get("tool_calls")
    for call in calls if isinstance(calls, list) else []:
        function = call.get("function") if isinstance(call, Mapping) else None
        if isinstance(function, Mapping):
            for key in ("name", "arguments"):
                if isinstance(function.get(key), str):
                    yield "tool_call", function[key]
    for value in _strings(raw.get("plugin_call") or {}):
        yield "plugin_call", value


def _snippet(text: str, start: int, end: int) -> Snippet:
    """A window of `text` around [start, end), one line, the span moved to match."""
    left = max(0, start - SNIPPET_BEFORE)
    right = min(len(text), max(left + SNIPPET_WIDTH, min(end, start + SNIPPET_WIDTH)))  # a huge match is cut
    end = min(end, right)
    window = text[left:right].translate(_BLANKS)
    prefix = "…" if left else ""
    suffix = "…" if right < len(text) else ""
    shift = len(prefix) - left
    return Snippet(prefix + window + suffix, start + shift, end + shift)


def match_object(raw: Mapping[str, Any], query: Query) -> tuple[str, Snippet] | None:
    """The first field of `raw` the query matches and its snippet, or None (filters applied)."""
    if not query.admits(raw):
        return None
    search = query.pattern.search
    for field, text in searched_fields(raw):
        found = search(text)
        if found:
            return field, _snippet(text, found.start(), found.end())
    return None


async def find(objects: AsyncIterable[Any], query: Query, *,
               progress: Callable[[int], object] | None = None) -> AsyncIterator[Match]:
    """A `Match` for every object of the stream (in its order) that the query matches, as found.

    `progress(seen)` is called after every `PAGE_SIZE` objects and once at the end, so a
    progress line can move while nothing matches.
    """
    position = 0
    async for obj in objects:
        position += 1
        if progress is not None and position % PAGE_SIZE == 0:
            progress(position)
        raw = obj if isinstance(obj, Mapping) else obj.raw
        found = match_object(raw, query)
        if found is not None:
            created = raw.get("created_at")
            role = raw.get("role")
            yield Match(str(raw.get("id", "")), position, role if isinstance(role, str) else None,
                        created if isinstance(created, int) and not isinstance(created, bool) else None, *found)
    if progress is not None:
        progress(position)


def is_conversation(target_id: str) -> bool:
    """Conversation ids start with `conv_`; anything else is taken for a thread id."""
    return target_id.startswith("conv_")


def find_in(client: Any, target_id: str, query: Query, *,
            progress: Callable[[int], object] | None = None) -> AsyncIterator[Match]:
    """`find` over every message of a thread, or item of a conversation (`conv_…`), oldest first."""
    if is_conversation(target_id):
        source = client.iter_raw_items(target_id, order="asc", page_size=PAGE_SIZE)
    else:
        source = client.iter_raw_messages(target_id, order="asc", page_size=PAGE_SIZE)
    return find(source, query, progress=progress)
