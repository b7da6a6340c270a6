"""What an id names, from its prefix: the API's ids say their kind (`thread_…`, `conv_…`)."""

import re

# One word: a kind prefix, `_`, then letters, digits, `-` or `_` (message_<uuid>, msg_…, conv_123).
ID_SHAPE = re.compile(r"[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9][A-Za-z0-9_-]*")


def is_conversation(target_id: str) -> bool:
    """Conversation ids start with `conv_`; anything else is taken for a thread id."""
    return target_id.startswith("conv_")


def is_owner_id(value: str) -> bool:
    """True for a thread's or a conversation's id, False for a message's or item's."""
    return value.startswith(("thread_", "conv_"))


def id_problem(value: str, noun: str) -> str | None:
    """Why `value` cannot be an id (said before anything is sent), or None if it has an id's shape."""
    if not value:
        return "Type an id."
    if not ID_SHAPE.fullmatch(value):
        example = "msg_…" if noun == "item" else "message_<uuid>"
        return f"{value!r} is not an id: they look like thread_<uuid>, conv_… or {example}"
    return None
