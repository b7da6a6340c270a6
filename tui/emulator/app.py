"""The emulator as one Starlette app: DashScope Threads and Messages under /api/v1, Conversations
under /compatible-mode/v1 (and its legacy prefix), bearer auth in front of both.

Every error is `application/json` with a real status, in the shape of the route's family
(`errors.py`): the official SDKs read errors from the body and decide on the status.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Mount

from tui.emulator.conversations import ConversationRoutes
from tui.emulator.errors import COMPAT_PREFIXES, APIProblem, error_response, seed_request_ids
from tui.emulator.storage import BadCursor, Missing, Storage
from tui.emulator.threads import ThreadRoutes
from tui.emulator.web import BearerAuth, CrashGuard, RequestIds, request_id

__all__ = ["build_app", "create_app_from_path", "seed_request_ids"]


async def problem(request: Request, exc: APIProblem) -> Response:
    return error_response(request.url.path, exc.status, exc.message, request_id(request))


async def missing(request: Request, exc: Missing) -> Response:
    return error_response(request.url.path, 404, str(exc), request_id(request))


async def bad_cursor(request: Request, exc: BadCursor) -> Response:
    return error_response(request.url.path, 400, str(exc), request_id(request))


async def http_problem(request: Request, exc: HTTPException) -> Response:
    """Starlette's own 404 (no route) and 405 (no such method there), in our error shape."""
    if exc.status_code == 404:
        message = f"no such route: {request.method} {request.url.path}"
    elif exc.status_code == 405:
        message = f"method {request.method} is not allowed on {request.url.path}"
    else:
        message = exc.detail
    return error_response(request.url.path, exc.status_code, message, request_id(request), headers=exc.headers)


async def client_gone(request: Request, exc: ClientDisconnect) -> None:
    """The client hung up before its body arrived: nothing was done, and there is nobody to answer."""


def build_app(storage: Storage, *, api_key: str | None = None) -> Starlette:
    """The ASGI app over `storage`: routes, JSON errors everywhere, bearer auth in front."""
    conversations = ConversationRoutes(storage).routes()
    app = Starlette(
        routes=[
            Mount("/api/v1", routes=ThreadRoutes(storage).routes()),
            *(Mount(prefix, routes=conversations) for prefix in COMPAT_PREFIXES),
        ],
        middleware=[Middleware(RequestIds), Middleware(CrashGuard), Middleware(BearerAuth, api_key=api_key)],
        exception_handlers={
            APIProblem: problem, Missing: missing, BadCursor: bad_cursor, HTTPException: http_problem,
            ClientDisconnect: client_gone,
        },
    )
    app.state.storage = storage
    return app


def create_app_from_path(db_path: str | Path, *, api_key: str | None = None, demo_data: bool = False,
                         faults: str | None = None) -> Any:
    """Open (or create) the database at `db_path`, seed the demo if asked, and build the app."""
    storage = Storage(db_path)
    if demo_data:
        from tui.emulator.demo import seed_demo

        seed_demo(storage)
    app: Any = build_app(storage, api_key=api_key)
    if faults:
        from tui.emulator.faults import FaultInjector

        app = FaultInjector(app, faults)
    app.storage = storage  # tests and benchmarks reach the database through the app
    return app
