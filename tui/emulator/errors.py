"""Error answers of both API families, and request ids: one table for the emulator and the fault injector.

Thread routes (`/api/v1`) answer DashScope's `{"code","message","request_id"}`; conversation
routes (`/compatible-mode/v1` and its legacy prefix) answer the OpenAI-compatible
`{"error":{"message","type","code","param"},"request_id"}`. Either way a real status, JSON.
"""

from __future__ import annotations

import json
import random
import uuid

from starlette.responses import Response

COMPAT_PREFIXES = ("/compatible-mode/v1", "/api/v2/apps/protocols/compatible-mode/v1")

NATIVE_CODES = {
    400: "InvalidParameter",
    401: "InvalidApiKey",
    403: "AccessDenied",
    404: "NotFound",
    405: "MethodNotAllowed",
    408: "RequestTimeout",
    413: "RequestTooLarge",
    429: "Throttling",
    500: "InternalError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}
COMPAT_CODES = {
    400: "invalid_parameter_error",
    401: "invalid_api_key",
    403: "access_denied",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "request_too_large",
    429: "rate_limit_exceeded",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


class APIProblem(Exception):
    """An error answer: status and message (the code follows from the status and the route's family)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


_seeded_ids: random.Random | None = None


def seed_request_ids(seed: int | None) -> None:
    """Draw request ids from a seeded RNG (screenshots and snapshots), or from uuid4 again (None)."""
    global _seeded_ids
    _seeded_ids = None if seed is None else random.Random(seed)


def new_request_id() -> str:
    """A fresh request id (uuid4 form)."""
    if _seeded_ids is not None:
        return str(uuid.UUID(int=_seeded_ids.getrandbits(128), version=4))
    return str(uuid.uuid4())


def is_compat(path: str) -> bool:
    """True for a path under the conversation (OpenAI-compatible) prefixes."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in COMPAT_PREFIXES)


def error_body(path: str, status: int, message: str, request_id: str) -> bytes:
    """The error body for `path`'s family."""
    if is_compat(path):
        kind = "server_error" if status >= 500 else "invalid_request_error"
        code = COMPAT_CODES.get(status, "server_error" if status >= 500 else "invalid_request")
        obj: dict = {"error": {"message": message, "type": kind, "code": code, "param": None}, "request_id": request_id}
    else:
        obj = {"code": NATIVE_CODES.get(status, "InternalError"), "message": message, "request_id": request_id}
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def error_response(path: str, status: int, message: str, request_id: str,
                   headers: dict[str, str] | None = None) -> Response:
    """A JSON error answer in `path`'s family, its request id also in `X-Request-Id`."""
    return Response(
        error_body(path, status, message, request_id), status_code=status, media_type="application/json",
        headers={"x-request-id": request_id, **(headers or {})},
    )
