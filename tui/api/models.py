"""Wire models of the DashScope Assistant API (Messages and Threads), pydantic v2.

Every model keeps fields it does not know (`extra="allow"`) so that what the server sent
survives a round trip; `Message.raw` is the object exactly as the server sent it, key
order included, for the raw JSON view and `--json`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError


def empty_dict() -> dict[str, Any]:
    """`default_factory` for an empty dict.

    Not the builtin `dict`: pydantic inspects every default factory's signature, and for a
    builtin that means parsing its text signature with `tokenize`, whose first use compiles
    its regular expressions — a cost on every cold start (bench goal 3) for nothing.
    """
    return {}


def empty_list() -> list[Any]:
    """`default_factory` for an empty list (not the builtin `list`: see `empty_dict`)."""
    return []


class WireModel(BaseModel):
    """Base of every wire model: unknown fields kept, `from`-style aliases accepted by name too."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def to_wire(self) -> dict[str, Any]:
        """The JSON object for this model: the fields that were given, under their wire names."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class WireObject(WireModel):
    """A top-level API object, which remembers the JSON object it was parsed from.

    The JSON object lives in a slot, not a pydantic private attribute: pydantic sets up
    private attributes on every instance with a wrapped `model_post_init`, which cost more
    than validating the message itself (bench goal 1). A slot costs nothing until it is
    set, and a copy made with `model_copy` simply falls back to `to_wire()`.
    """

    __slots__ = ("_wire",)

    @classmethod
    def from_wire(cls, data: dict[str, Any]):
        """Parse a decoded JSON object and remember it verbatim as `.raw`."""
        obj = cls.model_validate(data)
        object.__setattr__(obj, "_wire", data)
        return obj

    @property
    def raw(self) -> dict[str, Any]:
        """The object as the server sent it (or, when built locally, as it would be sent)."""
        wire = getattr(self, "_wire", None)
        return wire if wire is not None else self.to_wire()

    def raw_json(self, indent: int | None = 2) -> str:
        """`raw` as JSON text, non-ASCII kept as is."""
        return json.dumps(self.raw, ensure_ascii=False, indent=indent)


def ms_to_datetime(ms: int | float) -> datetime:
    """A DashScope `created_at` (Unix time in milliseconds) as a timezone-aware UTC datetime."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


class TextValue(WireModel):
    """`content[].text`: the text and its annotations (the key may be absent)."""

    value: str = ""
    annotations: list[Any] | None = None


class ContentItem(WireModel):
    """One element of a message's `content` array."""

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
    `ContentItem` models only when asked for: building two nested models per message was
    60% of the cost of parsing a page (bench goal 1), and `text`/`annotations` read the
    parts directly, tolerating shapes the models would refuse.
    """

    __slots__ = ("_content",)

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

    @property
    def content(self) -> list[ContentItem]:
        """The content parts as models (built on first use; pydantic.ValidationError if malformed)."""
        try:
            return self._content
        except AttributeError:
            parts = [ContentItem.model_validate(part) for part in self.content_parts]
            object.__setattr__(self, "_content", parts)
            return parts

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


def _item(index: int, item: Any) -> Message:
    """`Message.from_wire`, an error located under `data.<index>` as if the page had been validated whole."""
    try:
        return Message.from_wire(item)
    except ValidationError as exc:
        details = [{"type": e["type"], "loc": ("data", index, *e["loc"]), "input": e["input"], **({"ctx": e["ctx"]} if "ctx" in e else {})}
                   for e in exc.errors(include_url=False)]
        raise ValidationError.from_exception_data("MessagePage", details) from None


class MessagePage(WireObject):
    """A `list` response: one page of messages and its cursors."""

    object: str = "list"
    data: list[Message] = Field(default_factory=empty_list)
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False
    request_id: str | None = None

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> MessagePage:
        """Parse a list response, keeping each message's raw object."""
        items = data.get("data") or []
        page = cls.model_validate({**data, "data": []})
        page.data = [_item(index, item) for index, item in enumerate(items)]
        object.__setattr__(page, "_wire", data)
        return page


class Thread(WireObject):
    """A `thread` object."""

    id: str
    object: str = "thread"
    created_at: int | None = None
    metadata: dict[str, Any] | None = Field(default_factory=empty_dict)
    request_id: str | None = None

    @property
    def created(self) -> datetime | None:
        """`created_at` as an aware UTC datetime, when the server sent one."""
        return ms_to_datetime(self.created_at) if self.created_at is not None else None


class DeletedThread(WireObject):
    """The answer to a thread delete."""

    id: str
    object: str = "thread.deleted"
    deleted: bool = True
    request_id: str | None = None


class ErrorBody(WireObject):
    """The body of every DashScope error: `{"code", "message", "request_id"}`."""

    code: str | None = None
    message: str | None = None
    request_id: str | None = None
