"""The in-process exchange hands the app what an HTTP server would, and fails as a server would."""

import json
import logging
import subprocess
import sys

import httpx
import pytest

from tests.conftest import TEST_BASE_URL, emulator_client, no_sleep
from tui.api import DashScopeClient, InvalidParameterError, NotFoundError, ServerError, Timeouts, TransportError
from tui.emulator.demo import ORDER_BOT
from tui.emulator.faults import FaultInjector


class Recorder:
    """ASGI middleware that keeps the scope and body of every request the app is handed."""

    def __init__(self, app):
        self.app = app
        self.requests = []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = dict(scope["headers"])
        self.requests.append({
            "method": scope["method"],
            "path": scope["path"],
            "raw_path": scope.get("raw_path"),
            "query": sorted(httpx.QueryParams(scope["query_string"].decode()).multi_items()),
            "body": body,
            "headers": {name: headers.get(name) for name in (
                b"host", b"accept", b"authorization", b"x-dashscope-workspace", b"content-type", b"content-length",
            )},
        })

        async def replay():
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def exercise(client, thread_id):
    """Calls whose requests carry every kind of part: path ids, query filters, JSON bodies."""
    await client.create_message(thread_id, "héllo \"wörld\" & 1+1", metadata={"tag": "a b", "ünï": "cöde"})
    await client.list_messages(thread_id, limit=5, order="asc", metadata={"tag": "a b", "ünï": "cöde"})
    with pytest.raises(InvalidParameterError):  # no such cursors: the request is what counts
        await client.list_messages(thread_id, after="message_x y", before="message_+%2F")
    with pytest.raises(NotFoundError):
        await client.retrieve_message(thread_id, "message id+é%41")
    await client.modify_thread(thread_id, metadata={"k": "v"})


async def test_the_app_is_handed_the_same_request_either_way(emulator_app):
    seen = {}
    for route in ("in-process", "httpx"):
        recorder = Recorder(emulator_app)
        async with emulator_client(recorder, route, workspace="ws-1", max_tries=1) as client:
            thread = await client.create_thread(metadata={"run": route})
            recorder.requests.clear()
            await exercise(client, thread.id)
        seen[route] = [{**r, "path": r["path"].replace(thread.id, "THREAD"),
                        "raw_path": r["raw_path"].replace(thread.id.encode(), b"THREAD")} for r in recorder.requests]
    in_process, over_httpx = seen["in-process"], seen["httpx"]
    assert len(in_process) == len(over_httpx) == 5
    assert in_process == over_httpx
    assert in_process[3]["raw_path"].endswith(b"/messages/message%20id+%C3%A9%41")
    assert in_process[1]["query"] == [("limit", "5"), ("metadata", '{"tag":"a b","ünï":"cöde"}'), ("order", "asc")]
    assert in_process[0]["headers"][b"authorization"] == b"Bearer test-key"
    assert in_process[0]["headers"][b"x-dashscope-workspace"] == b"ws-1"
    assert json.loads(in_process[0]["body"]) == {"role": "user", "content": "héllo \"wörld\" & 1+1",
                                                   "metadata": {"tag": "a b", "ünï": "cöde"}}
    assert in_process[0]["headers"][b"content-length"] == str(len(in_process[0]["body"])).encode()


def in_process_client(app, **kwargs):
    kwargs.setdefault("sleep", no_sleep)
    return DashScopeClient(api_key="k", base_url=TEST_BASE_URL, app=app, **kwargs)


async def test_a_connection_dropped_mid_answer_is_broken_and_only_safe_calls_retry(emulator_app):
    async with in_process_client(emulator_app) as setup:
        thread = await setup.create_thread()
        message = await setup.create_message(thread.id, "hi")
    faults = FaultInjector(emulator_app, "get:reset,create:reset")
    async with in_process_client(faults) as client:
        with pytest.raises(TransportError) as info:
            await client.retrieve_message(thread.id, message.id)
        assert "connection broken (RemoteProtocolError" in str(info.value)
        assert faults.seen["get"] == 3
        with pytest.raises(TransportError) as info:
            await client.create_message(thread.id, "once")
        assert info.value.maybe_sent and faults.seen["create"] == 1


async def test_a_read_timeout_abandons_the_request_and_the_server_never_acts(emulator_app):
    async with in_process_client(emulator_app) as setup:
        thread = await setup.create_thread()
        message = await setup.create_message(thread.id, "hi", metadata={"v": "1"})
    faults = FaultInjector(emulator_app, "update:delay=5s")
    async with in_process_client(faults, timeouts=Timeouts(connect=1.0, read=0.05)) as client:
        with pytest.raises(TransportError) as info:
            await client.modify_message(thread.id, message.id, metadata={"v": "2"})
    assert "timed out (ReadTimeout)" in str(info.value)
    assert faults.seen["update"] == 1  # a timeout is not retried
    async with in_process_client(emulator_app) as check:
        assert (await check.retrieve_message(thread.id, message.id)).metadata == {"v": "1"}


async def test_an_app_that_fails_before_answering_is_a_500_and_its_traceback_is_logged(caplog):
    async def broken(scope, receive, send):
        raise RuntimeError("bug in the server")

    caplog.set_level(logging.ERROR, logger="tui.api")
    async with in_process_client(broken, max_tries=1) as client:
        with pytest.raises(ServerError) as info:
            await client.retrieve_thread("thread_1")
    assert info.value.status == 500 and "Internal Server Error" in str(info.value)
    assert "GET /api/v1/threads/thread_1" in caplog.text and "RuntimeError: bug in the server" in caplog.text


async def test_an_app_that_returns_without_answering_is_a_500(caplog):
    async def silent(scope, receive, send):
        return None

    async with in_process_client(silent, max_tries=1) as client:
        with pytest.raises(ServerError) as info:
            await client.retrieve_thread("thread_1")
    assert info.value.status == 500


def test_an_app_and_a_transport_together_are_refused(emulator_app):
    with pytest.raises(ValueError, match="not both"):
        DashScopeClient(api_key="k", app=emulator_app, transport=httpx.ASGITransport(app=emulator_app))


def test_the_embedded_client_never_imports_httpx(tmp_path):
    """The embedded demo's client reaches its emulator without httpx (bench goal 3)."""
    code = """
import asyncio, sys
from tui.backend import build_client
from tui.config import resolve_settings

async def main():
    async with build_client(resolve_settings()) as client:
        page = await client.list_messages(sys.argv[1], limit=3)
    print(len(page.data), "httpx" in sys.modules)

asyncio.run(main())
"""
    env = {"THREADSCOPE_DATA_DIR": str(tmp_path / "data"), "THREADSCOPE_CONFIG_DIR": str(tmp_path / "config"),
           "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code, ORDER_BOT], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3", "False"]


async def test_an_apps_own_timeout_error_is_a_server_failure_not_a_read_timeout():
    async def gives_up(scope, receive, send):
        raise TimeoutError("the database was busy")

    async with in_process_client(gives_up, max_tries=1) as client:
        with pytest.raises(ServerError) as info:
            await client.retrieve_thread("thread_1")
    assert info.value.status == 500
