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
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tui.ids import is_conversation

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
    folded: str | None = None  # a plain-text query in ASCII, lower-cased: see `search`

    def search(self, text: str) -> tuple[int, int] | None:
        """The span of the first match in `text`, or None.

        A plain ASCII query in ASCII text is found with `str.find` on the lower-cased text:
        there, ignoring case can only mean ASCII case, and the regular expression engine
        ignores case slowly, a character at a time.
        """
        if self.folded is not None and text.isascii():
            at = text.lower().find(self.folded)
            return (at, at + len(self.folded)) if at >= 0 else None
        found = self.pattern.search(text)
        return found.span() if found else None

    def admits(self, raw: Mapping[str, Any]) -> bool:
        """True when the role and metadata filters let this object through."""
        if self.role is not None and raw.get("role") != self.role:
            return False
        if not self.metadata:
            return True
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
        folded = None
    else:
        pattern = re.compile(re.escape(text), re.IGNORECASE)
        folded = text.lower() if text.isascii() else None
    return Query(pattern, role or None, tuple((metadata or {}).items()), folded)


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


def _is_map(value: Any) -> bool:
    # A dict first: what JSON decodes to, and the `Mapping` check costs several times more.
    return type(value) is dict or isinstance(value, Mapping)


def _strings(value: Any, out: list[str]) -> list[str]:
    """Every string inside a JSON value (keys of objects excluded), depth first, added to `out`."""
    if isinstance(value, str):
        out.append(value)
    elif _is_map(value):
        for inner in value.values():
            _strings(inner, out)
    elif isinstance(value, list):
        for inner in value:
            _strings(inner, out)
    return out


def _parts(raw: Mapping[str, Any]) -> list[Any]:
    content = raw.get("content")
    if isinstance(content, str):
        return [{"text": content}]
    return content if isinstance(content, list) else []


def searched_fields(raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, text) for everything find looks at in one message or item, in the order results prefer."""
    parts = _parts(raw)
    texts = [part.get("text") if _is_map(part) else None for part in parts]
    found = [("text", value) for value in (text.get("value") if _is_map(text) else text for text in texts)
             if isinstance(value, str)]
    for name in ("id", "role"):
        value = raw.get(name)
        if isinstance(value, str):
            found.append((name, value))
    metadata = raw.get("metadata")
    if _is_map(metadata):
        for key, value in metadata.items():
            found.append(("metadata", str(key)))
            if isinstance(value, str):
                found.append(("metadata", value))
    for part, text in zip(parts, texts, strict=True):
        annotations = (text.get("annotations") if _is_map(text) else None) or (
            part.get("annotations") if _is_map(part) else None)
        if annotations:
            found += [("annotation", value) for value in _strings(annotations, [])]
    calls = raw.get("tool_calls")
    for call in calls if isinstance(calls, list) else []:
        function = call.get("function") if _is_map(call) else None
        if _is_map(function):
            for key in ("name", "arguments"):
                if isinstance(function.get(key), str):
                    found.append(("tool_call", function[key]))
    plugin_call = raw.get("plugin_call")
    if plugin_call:
        found += [("plugin_call", value) for value in _strings(plugin_call, [])]
    return found


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
    search = query.search
    for field, text in searched_fields(raw):
        found = search(text)
        if found:
            return field, _snippet(text, *found)
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
        raw = obj if _is_map(obj) else obj.raw
        found = match_object(raw, query)
        if found is not None:
            created = raw.get("created_at")
            role = raw.get("role")
            yield Match(str(raw.get("id", "")), position, role if isinstance(role, str) else None,
                        created if isinstance(created, int) and not isinstance(created, bool) else None, *found)
    if progress is not None:
        progress(position)


def find_in(client: Any, target_id: str, query: Query, *,
            progress: Callable[[int], object] | None = None) -> AsyncIterator[Match]:
    """`find` over every message of a thread, or item of a conversation (`conv_…`), oldest first."""
    if is_conversation(target_id):
        source = client.iter_raw_items(target_id, order="asc", page_size=PAGE_SIZE)
    else:
        source = client.iter_raw_messages(target_id, order="asc", page_size=PAGE_SIZE)
    return find(source, query, progress=progress)
