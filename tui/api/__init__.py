"""The DashScope client: wire models, errors, validation. No UI import anywhere below here."""

from tui.api.client import REGION_URLS, DashScopeClient, Timeouts
from tui.api.errors import (
    APIError,
    AuthenticationError,
    AuthError,
    InvalidParameterError,
    NotFoundError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitError,
    ServerError,
    ThreadscopeError,
    TransportError,
)
from tui.api.models import ContentItem, DeletedThread, Message, MessagePage, TextValue, Thread
from tui.api.validation import ValidationError

__all__ = [
    "APIError",
    "AuthError",
    "AuthenticationError",
    "ContentItem",
    "DashScopeClient",
    "DeletedThread",
    "InvalidParameterError",
    "Message",
    "MessagePage",
    "NotFoundError",
    "PermissionDeniedError",
    "ProtocolError",
    "REGION_URLS",
    "RateLimitError",
    "ServerError",
    "TextValue",
    "Thread",
    "ThreadscopeError",
    "Timeouts",
    "TransportError",
    "ValidationError",
]
