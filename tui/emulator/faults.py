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
    create_items:drop        the request is carried out, then the connection closes with no answer

A delayed request whose client hangs up during the delay is dropped, as a proxy would: the
emulator never acts on a request nobody is waiting for (so a client timeout leaves it unchanged).

Operations on threads: create_thread, get_thread, update_thread, delete_thread, create,
list, get, update; on conversations: create_conversation, get_conversation,
update_conversation, delete_conversation, create_items, list_items, get_item, delete_item;
and any. Statuses: 400 401 403 404 429 500 502 503 504, as the route's family writes them
(`errors.py`). Decisions draw from a seeded RNG, so a run is repeatable.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response
from starlette.routing import Match, Mount, Route, Router

from tui.emulator.errors import COMPAT_PREFIXES, error_response, new_request_id

THREAD_OPERATIONS = {
    ("/threads", "POST"): "create_thread",
    ("/threads/{thread_id}", "GET"): "get_thread",
    ("/threads/{thread_id}", "POST"): "update_thread",
    ("/threads/{thread_id}", "DELETE"): "delete_thread",
    ("/threads/{thread_id}/messages", "POST"): "create",
    ("/threads/{thread_id}/messages", "GET"): "list",
    ("/threads/{thread_id}/messages/{message_id}", "GET"): "get",
    ("/threads/{thread_id}/messages/{message_id}", "POST"): "update",
}
CONVERSATION_OPERATIONS = {
    ("/conversations", "POST"): "create_conversation",
    ("/conversations/{conv_id}", "GET"): "get_conversation",
    ("/conversations/{conv_id}", "POST"): "update_conversation",
    ("/conversations/{conv_id}", "DELETE"): "delete_conversation",
    ("/conversations/{conv_id}/items", "POST"): "create_items",
    ("/conversations/{conv_id}/items", "GET"): "list_items",
    ("/conversations/{conv_id}/items/{item_id}", "GET"): "get_item",
    ("/conversations/{conv_id}/items/{item_id}", "DELETE"): "delete_item",
}
OPERATIONS = (*THREAD_OPERATIONS.values(), *CONVERSATION_OPERATIONS.values(), "any")
STATUSES = (400, 401, 403, 404, 429, 500, 502, 503, 504)
KINDS = ("reset", "malformed", "html", "empty", "lost", "drop")
_RULE = re.compile(
    r"^(?P<op>[a-z_]+):(?P<fault>\d{3}|delay=(?P<delay>\d+(?:\.\d+)?)(?:s|ms)?|[a-z]+)"
    r"(?:@(?P<prob>0(?:\.\d+)?|1(?:\.0+)?))?(?:x(?P<count>\d+))?$"
)


def _operation_router() -> Router:
    """The emulator's own route table, with operation names instead of handlers."""
    def mount(prefix: str, table: dict[tuple[str, str], str]) -> Mount:
        return Mount(prefix, routes=[Route(path, _noop, methods=[method], name=op) for (path, method), op in table.items()])

    return Router([
        mount("/api/v1", THREAD_OPERATIONS),
        *(mount(prefix, CONVERSATION_OPERATIONS) for prefix in COMPAT_PREFIXES),
    ])


async def _noop(request: Any) -> Response:  # never called: the table is only matched
    return Response()


class InjectedReset(ConnectionResetError):
    """A connection cut on purpose (`reset`, `drop`); `serve` logs it as its one-line message."""


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
            if int(fault) not in STATUSES:
                raise FaultSpecError(f"fault rule {raw!r}: status {fault} is not one of {list(STATUSES)}")
        elif fault not in KINDS:
            raise FaultSpecError(f"fault rule {raw!r}: unknown fault {fault!r} (a status, delay=Ns, or one of {', '.join(KINDS)})")
        rules.append(
            FaultRule(
                op, fault, delay, float(match["prob"]) if match["prob"] else 1.0,
                int(match["count"]) if match["count"] else None,
            )
        )
    return rules


_ROUTER = _operation_router()


def operation_of(method: str, path: str) -> str | None:
    """The API operation a request is, or None for anything else."""
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "query_string": b"", "headers": []}
    for mount in _ROUTER.routes:
        match, child = mount.matches(scope)
        if match is Match.NONE:
            continue
        for route in mount.routes:
            if route.matches({**scope, **child})[0] is Match.FULL:
                return route.name
    return None


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
        if rule.fault in ("lost", "drop"):
            await self.app(scope, receive, _discard)  # carried out; its answer goes nowhere
            if rule.fault == "drop":
                await _reset(send, f"fault: drop on {operation} (carried out, answer cut off)")
            page = b"<html><body><h1>504 Gateway Time-out</h1></body></html>"
            await Response(page, 504, headers=_id_header(), media_type="text/html")(scope, receive, send)
            return
        if rule.fault == "reset":
            await _reset(send, f"fault: reset on {operation} (not carried out, connection cut)")
        await _injected(rule.fault, scope["path"])(scope, receive, send)

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


async def _discard(message: dict) -> None:
    pass


async def _reset(send: Any, note: str) -> None:
    """Promise a body, send part of it, then fail: the server drops the connection mid-answer."""
    await send({
        "type": "http.response.start", "status": 200,
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
    })
    await send({"type": "http.response.body", "body": b'{"id": ', "more_body": True})
    raise InjectedReset(note)


def _id_header() -> dict[str, str]:
    return {"x-request-id": new_request_id()}


def _injected(fault: str, path: str) -> Response:
    """The answer of a status or body fault."""
    if fault.isdigit():
        status = int(fault)
        headers = {"retry-after": "1"} if status == 429 else None
        return error_response(path, status, f"injected fault: {status}", new_request_id(), headers=headers)
    if fault == "html":
        page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
        return Response(page, 502, headers=_id_header(), media_type="text/html")
    body = b'{"id": "message_' if fault == "malformed" else b""  # or "empty"
    return Response(body, 200, headers=_id_header(), media_type="application/json")
