"""What can go wrong talking to DashScope, as exceptions a person can read.

Every error says what failed, the server's `code` and `request_id` when there is one, and
what to try. None of them ever contains the API key: texts that came from the server or
the network are passed through `redact` before they are kept.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tui.inert import make_inert

if TYPE_CHECKING:
    from pydantic import ValidationError as PydanticValidationError

_REGION_HINTS = {
    "intl": "the key may belong to the China (Beijing) region: try --region cn",
    "cn": "the key may belong to the international (Singapore) region: try --region intl",
}

# Things that look like DashScope keys, scrubbed even when we were not told the key.
_KEY_PATTERN = re.compile(r"sk-[A-Za-z0-9_\-]{8,}")


def _forms(secret: str) -> list[str]:
    """The ways a secret shows up in error texts: as is, trimmed, and quoted with escapes
    (an HTTP library quotes a header value it refuses, `\\n` and all)."""
    forms = {secret, secret.strip(), repr(secret)[1:-1], repr(secret.encode("utf-8", "backslashreplace"))[2:-1]}
    for part in secret.split():  # what is left of it either side of a line break or a space
        forms.add(part)
    return sorted((form for form in forms if len(form) >= 4), key=len, reverse=True)


def redact(text: str, secrets: tuple[str, ...] | list[str] = ()) -> str:
    """`text` with every given secret, and anything shaped like a DashScope key, replaced by `***`."""
    for secret in secrets:
        if secret:
            for form in _forms(secret):
                text = text.replace(form, "***")
    return _KEY_PATTERN.sub("sk-***", text)


class ThreadscopeError(Exception):
    """Base of every error threadscope expects and explains instead of crashing."""

    hint: str | None = None
    tries = 1  # how many times the client sent it (set by the client once retries ran out)

    def describe(self) -> str:
        """The error as one or two lines for a person: what failed, details, what to try."""
        text = str(self)
        if self.hint:
            text += f"\nHint: {self.hint}"
        # Parts of it come from the server: never let them reach a terminal as escapes.
        return make_inert(text)

    def brief(self) -> str:
        """A few words for a one-row status ("HTTP 500 · 2 retries"); describe() has the rest."""
        return self._brief_words() + (f" · {self.tries - 1} retr{'y' if self.tries == 2 else 'ies'}" if self.tries > 1 else "")

    def _brief_words(self) -> str:
        return "failed"


class APIError(ThreadscopeError):
    """The server answered with an error status and (usually) a DashScope error body."""

    def __init__(
        self,
        status: int,
        code: str | None,
        message: str | None,
        request_id: str | None = None,
        *,
        operation: str = "request",
        hint: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        # What the server sent, made inert once here: str(), describe() and every display are safe.
        self.code = make_inert(code) if code else f"HTTP{status}"
        self.message = make_inert(message or "")
        self.request_id = make_inert(request_id) if request_id else None
        self.operation = operation
        self.retry_after = retry_after
        # Set by the client when a retried call failed after an earlier try may have been
        # carried out: a delete's 404 then most likely means that try deleted it.
        self.earlier_try_may_have_landed = False
        if hint is not None:
            self.hint = hint
        super().__init__(self._summary())

    def _summary(self) -> str:
        text = f"{self.operation} failed: HTTP {self.status} {self.code}"
        if self.message:
            text += f": {self.message}"
        if self.request_id:
            text += f" (request_id {self.request_id})"
        return text

    def _brief_words(self) -> str:
        return f"HTTP {self.status}"


class AuthError(APIError):
    """401 or 403: the key is wrong, for another region, or lacks access to the workspace."""


class AuthenticationError(AuthError):
    """401: the key was refused."""


class PermissionDeniedError(AuthError):
    """403: the key is valid but not allowed here."""


class NotFoundError(APIError):
    """404: the thread or message does not exist (for this key, region and workspace)."""

    def _brief_words(self) -> str:
        return "not found"


class InvalidParameterError(APIError):
    """400 (or 413/422): the server refused the request's parameters."""


class RateLimitError(APIError):
    """429: too many requests; `retry_after` says how long the server asked us to wait."""


class ServerError(APIError):
    """5xx: the server failed; safe operations were already retried."""


class TransportError(ThreadscopeError):
    """The request did not complete: no connection, a reset, or a timeout."""

    def __init__(self, operation: str, detail: str, *, hint: str | None = None, maybe_sent: bool = True) -> None:
        self.operation = operation
        self.detail = detail
        self.hint = hint
        # False only when the request certainly never left (no connection was made).
        self.maybe_sent = maybe_sent
        super().__init__(f"{operation} failed: {detail}")

    def _brief_words(self) -> str:
        return next((words for words in ("timed out", "cannot connect", "connection broken") if self.detail.startswith(words)),
                    "request failed")


class OutcomeUnknownError(TransportError):
    """A create whose outcome is unknown (a timeout, a reset, a 5xx): it may have landed.

    It is never sent again blindly; `cause` is the error that left the outcome unknown.
    """

    def __init__(self, operation: str, cause: ThreadscopeError) -> None:
        ThreadscopeError.__init__(self, f"{cause} — it may have landed on the server, so it was not sent again")
        self.operation = operation
        self.detail = str(cause)
        self.maybe_sent = True
        self.cause = cause
        self.status = getattr(cause, "status", None)
        self.code = getattr(cause, "code", None)
        self.request_id = getattr(cause, "request_id", None)
        self.hint = "look at the newest items before sending it again"

    def _brief_words(self) -> str:
        return "outcome unknown"


class ProtocolError(ThreadscopeError):
    """The server answered, but not with the JSON object the API promises (an HTML page, a cut body)."""

    def __init__(self, operation: str, status: int, snippet: str, *, reason: str = "the response is not JSON") -> None:
        self.operation = operation
        self.status = status
        self.snippet = snippet
        self.hint = "is --base-url pointing at the DashScope API (…/api/v1)? A proxy or gateway may be answering instead"
        super().__init__(f"{operation} failed: HTTP {status}, {reason}: {snippet!r}")

    def _brief_words(self) -> str:
        return f"HTTP {self.status} · not an API answer"


def auth_hint(status: int, region: str | None, workspace: str | None, *, conversations: bool = False) -> str:
    """What to try when a key is refused: the other region, a workspace (not on the
    conversation routes, which take none), or the key itself."""
    parts = []
    if status == 401:
        parts.append("check DASHSCOPE_API_KEY (or the profile's key)")
    if region in _REGION_HINTS:
        parts.append(_REGION_HINTS[region])
    if not conversations and not workspace:
        parts.append("a sub-workspace key needs --workspace (or DASHSCOPE_WORKSPACE)")
    elif not conversations:
        parts.append(f"check that workspace {workspace} exists and the key belongs to it")
    return "; ".join(parts)


def error_for_status(
    status: int,
    code: str | None,
    message: str | None,
    request_id: str | None,
    *,
    operation: str,
    region: str | None = None,
    workspace: str | None = None,
    retry_after: float | None = None,
    kind: int | None = None,
    conversations: bool = False,
) -> APIError:
    """The APIError subclass for an HTTP status (decided by status, never by the code string).

    `kind` picks the class instead of `status`: for an error body that came with a 2xx.
    `conversations`: the call was on the compatible-mode routes (the hints differ).
    """
    kwargs = dict(operation=operation, retry_after=retry_after)
    wanted = kind if kind is not None else status
    if wanted in (401, 403):
        cls = AuthenticationError if wanted == 401 else PermissionDeniedError
        return cls(status, code, message, request_id, hint=auth_hint(wanted, region, workspace, conversations=conversations), **kwargs)
    if wanted == 404:
        hint = ("check the id; conversations live in one region: the key and --region (or --compat-base-url) "
                "must match where it was created") if conversations else (
                "check the id; threads and conversations live in one region (threads also in one workspace): "
                "the key, --region and --workspace must match where it was created")
        return NotFoundError(status, code, message, request_id, hint=hint, **kwargs)
    if wanted == 429:
        hint = "rate limited: wait a moment and try again" + (f" (the server asked for {retry_after:g} s)" if retry_after else "")
        return RateLimitError(status, code, message, request_id, hint=hint, **kwargs)
    if wanted >= 500:
        return ServerError(status, code, message, request_id, hint="the service failed; try again shortly", **kwargs)
    if wanted in (400, 413, 422):
        return InvalidParameterError(status, code, message, request_id, **kwargs)
    return APIError(status, code, message, request_id, **kwargs)


# Error codes either envelope may carry, with the status they stand for: a server that
# answers 200 with an error body still gets the error class the code means.
CODE_STATUS = {
    "InvalidParameter": 400, "invalid_parameter_error": 400, "invalid_request_error": 400,
    "InvalidApiKey": 401, "invalid_api_key": 401,
    "AccessDenied": 403, "access_denied": 403,
    "NotFound": 404, "not_found": 404,
    "RequestTimeout": 408, "request_timeout": 408,
    "RequestTooLarge": 413, "request_too_large": 413,
    "Throttling": 429, "rate_limit_exceeded": 429,
    "InternalError": 500, "internal_error": 500, "server_error": 500,
    "BadGateway": 502, "bad_gateway": 502,
    "ServiceUnavailable": 503, "service_unavailable": 503,
    "GatewayTimeout": 504, "gateway_timeout": 504,
}


def error_fields(body: object) -> tuple[str | None, str | None, str | None] | None:
    """(code, message, request_id) from either error envelope, or None when `body` is neither.

    Native: `{"code", "message", "request_id"}`; compatible mode:
    `{"error": {"message", "type", "code", "param"}, "request_id"}` (`type` stands in for a
    missing `code`).
    """
    if not isinstance(body, dict):
        return None
    request_id = body.get("request_id")
    nested = body.get("error")
    if isinstance(nested, dict):
        code = nested.get("code") or nested.get("type")
        message = nested.get("message")
    elif isinstance(nested, str):  # {"error": "text"}, as some gateways answer
        code, message = None, nested
    elif "code" in body or "message" in body:
        code, message = body.get("code"), body.get("message")
    else:
        return None
    return (_text(code), _text(message), _text(request_id))


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def first_problem(exc: PydanticValidationError, whole: str) -> tuple[str, str, str]:
    """A pydantic error's first problem as (where, what, type): `where` is the dotted field
    path, or `whole` when the problem is with the object itself."""
    first = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or whole
    return where, first["msg"], first["type"]
