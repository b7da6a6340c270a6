"""What an id names, from its prefix: the API's ids say their kind (`thread_…`, `conv_…`)."""


def is_conversation(target_id: str) -> bool:
    """Conversation ids start with `conv_`; anything else is taken for a thread id."""
    return target_id.startswith("conv_")


def is_owner_id(value: str) -> bool:
    """True for a thread's or a conversation's id, False for a message's or item's."""
    return value.startswith(("thread_", "conv_"))
