"""`threadscope serve`: the emulator over HTTP with uvicorn, loopback unless a key guards it.

Slow or hostile clients are bounded: a request's head must arrive within HEAD_TIMEOUT,
its body within the app's own deadline (`web.BODY_TIMEOUT`), an idle keep-alive connection
closes after KEEP_ALIVE seconds, at most MAX_CONNECTIONS are served at once (503 beyond),
malformed HTTP is answered in the JSON error shape, and failing accepts (no file
descriptors left) are logged once a minute, not once per attempt.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from tui.base_url import is_loopback_host
from tui.emulator.errors import new_request_id

HEAD_TIMEOUT = 10.0
KEEP_ALIVE = 5
MAX_CONNECTIONS = 512
MAX_HEAD = 64 * 1024
SHUTDOWN_GRACE = 2
LOG_EVERY = 60.0

log = logging.getLogger("tui.emulator.server")


class ServeError(Exception):
    """The emulator could not be served (bad host, port in use); the message is for the user."""


class GuardedH11(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request head, and JSON for malformed HTTP."""

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.head_check: asyncio.TimerHandle | None = None
        self.cycle_at_check: object = None  # a fresh connection: its first head is due within one period
        self.arm_head_check()

    def arm_head_check(self) -> None:
        self.head_check = self.loop.call_later(HEAD_TIMEOUT, self.check_head)

    def check_head(self) -> None:
        """Close a connection that waited a whole period for a request head and got none
        (`cycle` is uvicorn's current request: None before the first, complete between requests)."""
        if self.transport.is_closing():
            return
        waiting = self.cycle is None or self.cycle.response_complete
        if waiting and self.cycle is self.cycle_at_check:
            self.transport.close()
            return
        self.cycle_at_check = self.cycle
        self.arm_head_check()

    def connection_lost(self, exc: Exception | None) -> None:
        if getattr(self, "head_check", None) is not None:
            self.head_check.cancel()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        """A request h11 cannot parse, answered as every other error is: JSON, DashScope's shape."""
        body = json.dumps({"code": "InvalidParameter", "message": f"malformed HTTP request: {msg}",
                           "request_id": new_request_id()}).encode()
        head = (f"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
                "connection: close\r\n\r\n").encode()
        self.transport.write(head + body)
        self.transport.close()


def quiet_accept_errors(loop: asyncio.AbstractEventLoop) -> None:
    """Log a failing accept (e.g. out of file descriptors) once per LOG_EVERY seconds, without a traceback."""
    last: dict[str, float] = {}
    default = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        message = str(context.get("message", ""))
        if "accept" not in message:
            if default is not None:
                default(loop, context)
            else:
                loop.default_exception_handler(context)
            return
        now = time.monotonic()
        if now - last.get(message, -LOG_EVERY) >= LOG_EVERY:
            last[message] = now
            log.error("%s: %s (repeats are not logged for %d s)", message, context.get("exception"), LOG_EVERY)

    loop.set_exception_handler(handler)


class CancelledAtShutdown(logging.Filter):
    """A request cut short by the shutdown grace period is one log line, not a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError):
            record.msg, record.args, record.exc_info, record.exc_text = "a request was cancelled at shutdown", (), None, None
        return True


class FaultsInOneLine(logging.Filter):
    """An injected reset or drop is one line ("fault: drop on create_items …"), not uvicorn's traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        from tui.emulator.faults import InjectedReset

        if record.exc_info and isinstance(record.exc_info[1], InjectedReset):
            record.msg, record.args = str(record.exc_info[1]), ()
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"  # asked for with --faults: not an error
        return True


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or ServeError saying why not in one line."""
    bare = host.strip("[]")
    try:
        family = socket.AF_INET6 if ":" in bare else socket.AF_INET
        # proto=IPPROTO_TCP, not create_server's 0: asyncio turns Nagle off (TCP_NODELAY) only on
        # accepted sockets that say they are TCP; with it on, every answer waited for a delayed ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind((bare, port))
            sock.listen(2048)
        except OSError:
            sock.close()
            raise
        return sock
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ServeError(f"could not serve on {host}:{port}: {reason} (is the port in use? is the host an address of this machine?)") from None


class Stopped(Exception):
    """SIGTERM arrived: stop as ctrl+c does."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Stopped()


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    db_path: str | Path = "emulator.sqlite3",
    demo_data: bool = False,
    api_key: str | None = None,
    faults: str | None = None,
) -> None:
    """Serve the emulator until ctrl+c or SIGTERM; refuse a non-loopback host without `api_key`
    (ValueError); a host or port that cannot be bound is a ServeError."""
    if not is_loopback_host(host) and not api_key:
        raise ValueError(
            f"refusing to serve on {host}: anyone who can reach it could read and change the data; "
            "pass --api-key KEY to require a key, or bind 127.0.0.1"
        )
    import uvicorn

    from tui.emulator import create_app

    sock = bind(host, port)
    app = create_app(db_path, api_key=api_key, demo_data=demo_data, faults=faults)
    config = uvicorn.Config(
        app, log_level="warning", lifespan="off", access_log=False, http=GuardedH11,
        timeout_keep_alive=KEEP_ALIVE, limit_concurrency=MAX_CONNECTIONS, h11_max_incomplete_event_size=MAX_HEAD,
        timeout_graceful_shutdown=SHUTDOWN_GRACE,
    )
    server = uvicorn.Server(config)
    bound = sock.getsockname()[1]
    shown_host = f"[{host.strip('[]')}]" if ":" in host else host
    base = f"http://{shown_host}:{bound}"
    # Printed once the socket listens, so a script may connect as soon as it reads this.
    print(f"threadscope emulator on {base}/api/v1 (database {db_path})", flush=True)
    print(f"  export DASHSCOPE_HTTP_BASE_URL={base}/api/v1", flush=True)
    print(f"  conversations (openai SDK base_url): {base}/compatible-mode/v1", flush=True)
    if api_key:
        print("  export DASHSCOPE_API_KEY=<the key given with --api-key>", flush=True)
    else:
        print("  export DASHSCOPE_API_KEY=local   # any non-empty key is accepted", flush=True)
    if faults:
        print(f"  faults: {faults}", flush=True)
    print("ctrl+c stops it.", flush=True)

    async def run() -> None:
        quiet_accept_errors(asyncio.get_running_loop())
        logging.getLogger("uvicorn.error").addFilter(CancelledAtShutdown())
        logging.getLogger("uvicorn.error").addFilter(FaultsInOneLine())
        await server.serve(sockets=[sock])

    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        asyncio.run(run())
    except (KeyboardInterrupt, Stopped):
        pass  # uvicorn already shut down; ctrl+c and SIGTERM are how a user stops it
    finally:
        signal.signal(signal.SIGTERM, previous)
        sock.close()
    print("stopped.", file=sys.stderr, flush=True)
