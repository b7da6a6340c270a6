"""Wire models of both API families, pydantic v2: threads and messages (Assistant API),
conversations and items (compatible mode).

Every model keeps fields it does not know (`extra="allow"`) so that what the server sent
survives a round trip; `.raw` is the object exactly as the server sent it, key order
included, for the raw JSON view and `--json`.

`.raw` is a `functools.cached_property` that parsing fills in (pydantic lets a cached
property be assigned), not a private attribute: a model with private attributes runs a
Python hook for every instance it validates, which for a page of messages costs as much
as the validation itself.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from tui.api.errors import ProtocolError, first_problem, redact


def empty_dict() -> dict[str, Any]:
    """`default_factory` for an empty dict.

    Not the builtin `dict`: pydantic inspects every default factory's signature, and for a
    builtin that means parsing its text signature with `tokenize` at import time.
    """
    return {}


def empty_list() -> list[Any]:
    """`default_factory` for an empty list (not the builtin `list`: see `empty_dict`)."""
    return []


# Models that opening a thread does not use build their validators when first used (pydantic's
# defer_build); Message and MessagePage are built at import, as the first page needs them at once.
BUILT_WHEN_USED = ConfigDict(defer_build=True)


class WireModel(BaseModel):
    """Base of every wire model: unknown fields kept, `from`-style aliases accepted by name too."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def to_wire(self) -> dict[str, Any]:
        """The JSON object for this model: the fields that were given, under their wire names."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class WireObject(WireModel):
    """A top-level API object, which remembers the JSON object it was parsed from (`raw`)."""

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Self:
        """Parse a decoded JSON object and remember it verbatim as `.raw` (pydantic.ValidationError if malformed)."""
        obj = cls.model_validate(data)
        obj.raw = data
        return obj

    @classmethod
    def many_from_wire(cls, objects: list[dict[str, Any]]) -> list[Self]:
        """`from_wire` for a whole list in one validation call (pydantic.ValidationError if any is malformed)."""
        models = list_adapter(cls).validate_python(objects)
        for obj, data in zip(models, objects, strict=True):
            obj.raw = data
        return models

    @cached_property
    def raw(self) -> dict[str, Any]:
        """The object as the server sent it (or, when built locally, as it would be sent when first asked)."""
        return self.to_wire()

    def raw_json(self, indent: int | None = 2) -> str:
        """`raw` as JSON text, non-ASCII kept as is."""
        return json.dumps(self.raw, ensure_ascii=False, indent=indent)


W = TypeVar("W", bound=WireObject)


@functools.cache
def list_adapter(model: type[W]) -> TypeAdapter[list[W]]:
    """A validator for a list of `model` (built on first use, then kept)."""
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def parse_wire(model: type[W], data: Any, operation: str) -> W:
    """`model.from_wire(data)`; a body of the wrong shape is a ProtocolError that says where, not a traceback."""
    try:
        return model.from_wire(data)
    except ValidationError as exc:
        where, what, _ = first_problem(exc, "(the object)")
        raise ProtocolError(operation, 200, redact(f"{where}: {what}"),
                            reason=f"the response is not a valid {model.__name__} ({exc.error_count()} problem(s))") from None


def parse_page(model: type[W], objects: list[Any], operation: str) -> Iterator[W]:
    """`parse_wire` for each object of a page, in order: one validation call for the page when
    every object is valid; else object by object, so the ones before the bad one still come
    out and the error is the very one `parse_wire` gives for it."""
    try:
        models = model.many_from_wire(objects)
    except ValidationError:
        models = (parse_wire(model, data, operation) for data in objects)
    yield from models


def ms_to_datetime(ms: int | float) -> datetime:
    """A DashScope `created_at` (Unix time in milliseconds) as a timezone-aware UTC datetime."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


class TextValue(WireModel):
    """`content[].text`: the text and its annotations (the key may be absent)."""

    model_config = BUILT_WHEN_USED

    value: str = ""
    annotations: list[Any] | None = None


class ContentItem(WireModel):
    """One element of a message's `content` array."""

    model_config = BUILT_WHEN_USED

    type: str = "text"
    text: TextValue | None = None


def _part_text(part: Any) -> str | None:
    """The text of one content part, whatever shape the server gave it (None if it has none)."""
    if isinstance(part, ContentItem):
        return part.text.value if part.text is not None else None
    if isinstance(part, dict):
        text = part.get("text")
        if isinstance(text, dict):
            value = text.get("value")
            return value if isinstance(value, str) else None
        if isinstance(text, str):
            return text
    return None


def _part_annotations(part: Any) -> list[Any]:
    if isinstance(part, ContentItem):
        return list(part.text.annotations or []) if part.text is not None else []
    if isinstance(part, dict) and isinstance(part.get("text"), dict):
        found = part["text"].get("annotations")
        return list(found) if isinstance(found, list) else []
    return []


class Message(WireObject):
    """A `thread.message` object.

    `content` is kept as the JSON parts the server sent (`content_parts`) and turned into
    `ContentItem` models only when asked for (two nested models per message cost more than
    the message), and `text`/`annotations` read the parts directly, tolerating shapes the
    models would refuse.
    """

    id: str
    object: str = "thread.message"
    created_at: int
    thread_id: str
    role: str
    content_parts: list[Any] = Field(default_factory=empty_list, alias="content")
    assistant_id: str | None = ""
    run_id: str | None = ""
    metadata: dict[str, Any] | None = Field(default_factory=empty_dict)
    tool_calls: list[Any] | None = Field(default_factory=empty_list)
    plugin_call: dict[str, Any] | None = Field(default_factory=empty_dict)
    status: Any = Field(default_factory=empty_dict)
    from_: str | None = Field(default="", alias="from")
    name: str | None = ""
    display: bool | None = None
    gmt_crete: str | None = None
    gmt_update: str | None = None
    request_id: str | None = None

    @cached_property
    def content(self) -> list[ContentItem]:
        """The content parts as models (built on first use; pydantic.ValidationError if malformed)."""
        return [ContentItem.model_validate(part) for part in self.content_parts]

    @property
    def text(self) -> str:
        """Every text part of the content, joined by blank lines."""
        return "\n\n".join(text for text in map(_part_text, self.content_parts) if text is not None)

    @property
    def annotations(self) -> list[Any]:
        """Every annotation of every text part, in order."""
        found: list[Any] = []
        for part in self.content_parts:
            found.extend(_part_annotations(part))
        return found

    @property
    def created(self) -> datetime:
        """`created_at` as an aware UTC datetime."""
        return ms_to_datetime(self.created_at)

    @property
    def metadata_dict(self) -> dict[str, Any]:
        """The metadata, `{}` when the server sent null."""
        return dict(self.metadata or {})


class WirePage(WireObject):
    """A list response: one page of objects and its cursors; each object keeps its own `raw`."""

    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Self:
        """Parse a list response, keeping the page's and each object's raw JSON."""
        page = super().from_wire(data)
        for obj, raw in zip(page.data, data["data"], strict=True):
            obj.raw = raw
        return page


class MessagePage(WirePage):
    """A `list` response: one page of messages and its cursors."""

    object: str = "list"
    data: list[Message]
    request_id: str | None = None


class MetadataOwner(WireObject):
    """What threads and conversations share: a creation time in ms and metadata that their
    update call replaces whole (each declares `created_at` and `metadata` itself, in the order
    the API sends its fields)."""

    model_config = BUILT_WHEN_USED

    @property
    def created(self) -> datetime | None:
        """`created_at` as an aware UTC datetime, when the server sent one."""
        return ms_to_datetime(self.created_at) if self.created_at is not None else None

    @property
    def metadata_dict(self) -> dict[str, Any]:
        """The metadata, `{}` when the server sent null."""
        return dict(self.metadata or {})


class Thread(MetadataOwner):
    """A `thread` object."""

    model_config = BUILT_WHEN_USED

    id: str
    object: str = "thread"
    created_at: int | None = None
    metadata: dict[str, Any] | None = Field(default_factory=empty_dict)
    request_id: str | None = None


class DeletedThread(WireObject):
    """The answer to a thread delete."""

    model_config = BUILT_WHEN_USED

    id: str
    object: str = "thread.deleted"
    deleted: bool = True
    request_id: str | None = None


# -- conversations (compatible mode) ----------------------------------------------------------


class Conversation(MetadataOwner):
    """A `conversation` object (`created_at` in milliseconds, unlike OpenAI's seconds)."""

    model_config = BUILT_WHEN_USED

    id: str
    object: str = "conversation"
    created_at: int | None = None
    metadata: dict[str, Any] | None = Field(default_factory=empty_dict)


class Item(WireObject):
    """A conversation item: a `message` with a role and content parts `{"type", "text"}`."""

    model_config = BUILT_WHEN_USED

    id: str
    type: str = "message"
    role: str | None = None
    content: Any = Field(default_factory=empty_list)
    status: str | None = None

    @property
    def parts(self) -> list[Any]:
        """The content as a list of parts (a string the server sent is one text part)."""
        if isinstance(self.content, str):
            return [{"type": "input_text", "text": self.content}]
        return list(self.content) if isinstance(self.content, list) else []

    @property
    def text(self) -> str:
        """Every text part of the content, joined by blank lines."""
        return "\n\n".join(text for text in map(_part_text, self.parts) if text is not None)

    @property
    def metadata_dict(self) -> dict[str, Any]:
        """Always `{}`: items carry no metadata (the conversation does)."""
        return {}


class ItemPage(WirePage):
    """A page of items: a list response, or the answer to create items (which has no `object`)."""

    model_config = BUILT_WHEN_USED

    object: str | None = None
    data: list[Item]


class DeletedConversation(WireObject):
    """The answer to a conversation delete."""

    model_config = BUILT_WHEN_USED

    id: str
    object: str = "conversation.deleted"
    deleted: bool = True


class DeletedItem(WireObject):
    """The answer to an item delete."""

    model_config = BUILT_WHEN_USED

    id: str
    object: str = "conversation.item.deleted"
    deleted: bool = True
