"""What `threadscope serve` does about slow and broken clients (issue 19, item 14), on a real socket."""

import asyncio
import json
import socket
import threading
import time

import httpx
import pytest

from tui.emulator import server as serve_module


@pytest.fixture
def guarded(tmp_path, monkeypatch):
    """The emulator behind uvicorn with serve's protocol, head deadline shortened for the test."""
    import uvicorn

    from tui.emulator import create_app

    monkeypatch.setattr(serve_module, "HEAD_TIMEOUT", 0.2)
    config = uvicorn.Config(create_app(tmp_path / "g.sqlite3"), host="127.0.0.1", port=0, log_level="error",
                            lifespan="off", http=serve_module.GuardedH11)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive()
        time.sleep(0.01)
    yield server.servers[0].sockets[0].getsockname()[1]
    server.should_exit = True
    thread.join(timeout=10)


def read_all(sock):
    sock.settimeout(10)  # a bound for a broken test, not a measurement
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


@pytest.mark.parametrize("sent", [b"", b"GET /api/v1/thr"])
def test_a_connection_without_a_request_head_is_closed(guarded, sent):
    with socket.create_connection(("127.0.0.1", guarded)) as sock:
        sock.sendall(sent)
        assert read_all(sock) == b""  # closed by the server, never answered


def test_a_keep_alive_connection_that_starts_a_head_and_stalls_is_closed(guarded):
    with socket.create_connection(("127.0.0.1", guarded)) as sock:
        sock.sendall(b"GET /api/v1/threads/t HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n\r\n")
        sock.settimeout(10)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
            answer += sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 404")
        sock.sendall(b"GET /api/v1/thr")
        assert read_all(sock) == b""


@pytest.mark.parametrize("request_bytes", [b"GARBAGE\r\n\r\n", b"POST /api/v1/threads HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n"])
def test_malformed_http_is_answered_in_the_json_error_shape(guarded, request_bytes):
    with socket.create_connection(("127.0.0.1", guarded)) as sock:
        sock.sendall(request_bytes)
        answer = read_all(sock)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"content-type: application/json" in head.lower()
    error = json.loads(body)
    assert error["code"] == "InvalidParameter" and "malformed HTTP request" in error["message"] and error["request_id"]


def test_a_normal_request_still_works_behind_the_guards(guarded):
    r = httpx.post(f"http://127.0.0.1:{guarded}/api/v1/threads", json={}, headers={"Authorization": "Bearer k"})
    assert r.status_code == 200


def test_failing_accepts_are_logged_once_not_per_attempt(caplog):
    loop = asyncio.new_event_loop()
    try:
        serve_module.quiet_accept_errors(loop)
        handler = loop.get_exception_handler()
        with caplog.at_level("ERROR", logger="tui.emulator.server"):
            for _ in range(1000):
                handler(loop, {"message": "socket.accept() out of system resource", "exception": OSError(24, "Too many open files")})
    finally:
        loop.close()
    records = [r for r in caplog.records if r.name == "tui.emulator.server"]
    assert len(records) == 1 and records[0].exc_info is None
    assert "Too many open files" in records[0].getMessage()


async def test_a_body_that_never_arrives_is_a_408(emulator_app, monkeypatch):
    from tui.emulator import web

    monkeypatch.setattr(web, "BODY_TIMEOUT", 0.05)
    sent = []

    async def never():
        await asyncio.Event().wait()

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/v1/threads", "query_string": b"", "root_path": "",
             "headers": [(b"authorization", b"Bearer k"), (b"content-type", b"application/json"),
                         (b"content-length", b"10")]}
    await asyncio.wait_for(emulator_app(scope, never, send), timeout=10)  # a bound for a broken test
    assert sent[0]["status"] == 408
    assert json.loads(sent[1]["body"])["code"] == "RequestTimeout"


def test_serve_configures_the_limits(monkeypatch, tmp_path):
    import uvicorn

    seen = {}

    class Recording(uvicorn.Server):
        async def serve(self, sockets=None):
            seen.update(vars(self.config))

    monkeypatch.setattr(uvicorn, "Server", Recording)
    serve_module.serve(port=0, db_path=tmp_path / "s.sqlite3")
    assert seen["timeout_keep_alive"] == serve_module.KEEP_ALIVE
    assert seen["limit_concurrency"] == serve_module.MAX_CONNECTIONS
    assert seen["h11_max_incomplete_event_size"] == serve_module.MAX_HEAD
    assert seen["timeout_graceful_shutdown"] == serve_module.SHUTDOWN_GRACE
    assert seen["http"] is serve_module.GuardedH11
