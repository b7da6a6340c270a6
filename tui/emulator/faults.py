"""Make the emulator misbehave on demand, for fault tests and for trying the UI against a bad day.

A spec is a comma-separated list of rules `OPERATION:FAULT[@PROBABILITY][xCOUNT]`; every
matching delay applies, then the first matching other fault:

    list:429                 every list answers 429 Throttling (Retry-After: 1)
    update:500@0.3           30 % of metadata updates answer 500 InternalError
    create:503x1             the first message create answers 503, then all is well
    any:delay=2s             every request waits two seconds first
    get:reset                retrieve drops the connection mid-response
    list:malformed           200 with a truncated JSON body
    list:html                502 with an HTML page (a gateway, not DashScope)
    get:empty                200 with an empty body
    create:lost              the request is carried out, but the answer is lost (504 from a "gateway")

A delayed request whose client hangs up during the delay is dropped, as a proxy would: the
emulator never acts on a request nobody is waiting for (so a client timeout leaves it unchanged).

Operations: create_thread, get_thread, update_thread, delete_thread, create, list, get,
update, any. Statuses: 400 401 403 404 429 500 502 503 504. Decisions draw from a seeded
RNG, so a run is repeatable.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

OPERATIONS = (
    "create_thread", "get_thread", "update_thread", "delete_thread", "create", "list", "get", "update", "any",
)
STATUS_CODES = {
    400: "InvalidParameter",
    401: "InvalidApiKey",
    403: "AccessDenied",
    404: "NotFound",
    429: "Throttling",
    500: "InternalError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}
KINDS = ("reset", "malformed", "html", "empty", "lost")
_RULE = re.compile(
    r"^(?P<op>[a-z_]+):(?P<fault>\d{3}|delay=(?P<delay>\d+(?:\.\d+)?)(?:s|ms)?|[a-z]+)"
    r"(?:@(?P<prob>0(?:\.\d+)?|1(?:\.0+)?))?(?:x(?P<count>\d+))?$"
)
_PATH = re.compile(r"^/api/v1/threads(?:/(?P<thread>[^/]+)(?:/messages(?:/(?P<message>[^/]+))?(?P<msgs>)?)?)?/?$")


class FaultSpecError(ValueError):
    """A fault spec that cannot be read; the message points at the rule."""


@dataclass
class FaultRule:
    """One rule of a spec."""

    operation: str
    fault: str  # a status as text, "delay", or one of KINDS
    delay: float = 0.0
    probability: float = 1.0
    remaining: int | None = None


def parse_faults(spec: str) -> list[FaultRule]:
    """Read a spec such as `list:429,update:500@0.3,any:delay=2s`."""
    rules = []
    for raw in filter(None, (part.strip() for part in spec.split(","))):
        match = _RULE.match(raw)
        if not match:
            raise FaultSpecError(f"fault rule {raw!r}: expected OPERATION:FAULT[@PROBABILITY][xCOUNT]")
        op, fault = match["op"], match["fault"]
        if op not in OPERATIONS:
            raise FaultSpecError(f"fault rule {raw!r}: unknown operation {op!r} (one of {', '.join(OPERATIONS)})")
        delay = 0.0
        if match["delay"] is not None:
            delay = float(match["delay"]) / (1000 if fault.endswith("ms") else 1)
            fault = "delay"
        elif fault.isdigit():
            if int(fault) not in STATUS_CODES:
                raise FaultSpecError(f"fault rule {raw!r}: status {fault} is not one of {sorted(STATUS_CODES)}")
        elif fault not in KINDS:
            raise FaultSpecError(f"fault rule {raw!r}: unknown fault {fault!r} (a status, delay=Ns, or one of {', '.join(KINDS)})")
        rules.append(
            FaultRule(
                op, fault, delay, float(match["prob"]) if match["prob"] else 1.0,
                int(match["count"]) if match["count"] else None,
            )
        )
    return rules


def operation_of(method: str, path: str) -> str | None:
    """The API operation a request is, or None for anything else."""
    match = _PATH.match(path)
    if not match:
        return None
    if match["message"]:
        return {"GET": "get", "POST": "update"}.get(method)
    if path.rstrip("/").endswith("/messages"):
        return {"GET": "list", "POST": "create"}.get(method)
    if match["thread"]:
        return {"GET": "get_thread", "POST": "update_thread", "DELETE": "delete_thread"}.get(method)
    return "create_thread" if method == "POST" else None


class FaultInjector:
    """ASGI middleware: applies the first matching rule to each request, else passes it on."""

    def __init__(self, app: Any, rules: list[FaultRule] | str, *, seed: int = 0) -> None:
        self.app = app
        self.rules = parse_faults(rules) if isinstance(rules, str) else rules
        self.random = random.Random(seed)
        self.seen: Counter[str] = Counter()  # requests per operation, faulted or not (tests count retries)

    def _pick(self, operation: str | None) -> tuple[float, FaultRule | None]:
        """The total delay of every matching delay rule, and the first matching other fault."""
        delay, chosen = 0.0, None
        if operation is None:
            return delay, chosen
        for rule in self.rules:
            if rule.operation not in ("any", operation) or rule.remaining == 0:
                continue
            if rule.fault != "delay" and chosen is not None:
                continue
            if rule.probability < 1.0 and self.random.random() >= rule.probability:
                continue
            if rule.remaining is not None:
                rule.remaining -= 1
            if rule.fault == "delay":
                delay += rule.delay
            else:
                chosen = rule
        return delay, chosen

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        operation = operation_of(scope["method"], scope["path"])
        if operation:
            self.seen[operation] += 1
        delay, rule = self._pick(operation)
        if delay:
            receive = await self._delay(delay, receive)
            if receive is None:
                return  # the client gave up while we waited: drop the request unanswered
        if rule is None:
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4())
        if rule.fault == "lost":
            async def discard(message: dict) -> None:
                pass

            await self.app(scope, receive, discard)
            page = b"<html><body><h1>504 Gateway Time-out</h1></body></html>"
            await _respond(send, 504, [(b"content-type", b"text/html")], page, request_id)
            return
        if rule.fault.isdigit():
            status = int(rule.fault)
            body = json.dumps(
                {"code": STATUS_CODES[status], "message": f"injected fault: {status}", "request_id": request_id}
            ).encode()
            headers = [(b"content-type", b"application/json")]
            if status == 429:
                headers.append((b"retry-after", b"1"))
            await _respond(send, status, headers, body, request_id)
        elif rule.fault == "malformed":
            await _respond(send, 200, [(b"content-type", b"application/json")], b'{"id": "message_', request_id)
        elif rule.fault == "empty":
            await _respond(send, 200, [(b"content-type", b"application/json")], b"", request_id)
        elif rule.fault == "html":
            page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
            await _respond(send, 502, [(b"content-type", b"text/html")], page, request_id)
        else:  # reset: promise a body, send part of it, then fail so the server drops the connection
            await send({
                "type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
            })
            await send({"type": "http.response.body", "body": b'{"id": ', "more_body": True})
            raise ConnectionResetError("injected fault: connection reset")


    @staticmethod
    async def _delay(seconds: float, receive: Any) -> Any:
        """Read the request body, then wait `seconds` unless the client disconnects first.

        Returns a `receive` that replays the body, or None when the client went away.
        """
        buffered: list[dict] = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            buffered.append(message)
            if not message.get("more_body"):
                break
        waiter = asyncio.ensure_future(receive())
        sleeper = asyncio.ensure_future(asyncio.sleep(seconds))
        try:
            await asyncio.wait({waiter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (waiter, sleeper):
                if not task.done():
                    task.cancel()
        if waiter.done() and not waiter.cancelled() and waiter.result().get("type") == "http.disconnect":
            return None

        async def replay() -> dict:
            if buffered:
                return buffered.pop(0)
            return await receive()

        return replay


async def _respond(send: Any, status: int, headers: list, body: bytes, request_id: str) -> None:
    headers = [*headers, (b"x-request-id", request_id.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
