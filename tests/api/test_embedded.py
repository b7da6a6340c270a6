"""The embedded client reaches the emulator through `httpx.ASGITransport`: the app is handed
the request a socket would hand it, and failures read as they do over a socket."""

import json

import httpx
import pytest

from tests.conftest import TEST_BASE_URL, LiveServer, emulator_client, no_sleep
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
    for route in ("asgi", "socket"):
        recorder = Recorder(emulator_app)
        server = LiveServer(recorder, emulator_app.storage) if route == "socket" else None
        base_url = server.base_url if server else TEST_BASE_URL
        client = DashScopeClient(api_key="test-key", base_url=base_url, workspace="ws-1", max_tries=1,
                                 transport=None if server else httpx.ASGITransport(app=recorder))
        try:
            async with client:
                thread = await client.create_thread(metadata={"run": route})
                recorder.requests.clear()
                await exercise(client, thread.id)
        finally:
            if server:
                server.stop()
        seen[route] = [{**r, "path": r["path"].replace(thread.id, "THREAD"),
                        "raw_path": r["raw_path"].replace(thread.id.encode(), b"THREAD"),
                        "headers": {k: v for k, v in r["headers"].items() if k != b"host"}}
                       for r in recorder.requests]
    asgi, socket = seen["asgi"], seen["socket"]
    assert len(asgi) == len(socket) == 5
    assert asgi == socket
    assert asgi[3]["raw_path"].endswith(b"/messages/message%20id+%C3%A9%41")
    assert asgi[1]["query"] == [("limit", "5"), ("metadata", '{"tag":"a b","ünï":"cöde"}'), ("order", "asc")]
    assert asgi[0]["headers"][b"authorization"] == b"Bearer test-key"
    assert asgi[0]["headers"][b"x-dashscope-workspace"] == b"ws-1"
    assert json.loads(asgi[0]["body"]) == {"role": "user", "content": "héllo \"wörld\" & 1+1",
                                           "metadata": {"tag": "a b", "ünï": "cöde"}}
    assert asgi[0]["headers"][b"content-length"] == str(len(asgi[0]["body"])).encode()


def embedded_client(app, **kwargs):
    kwargs.setdefault("sleep", no_sleep)
    return emulator_client(app, api_key="k", **kwargs)


async def test_a_connection_dropped_mid_answer_is_broken_and_only_safe_calls_retry(emulator_app):
    async with embedded_client(emulator_app) as setup:
        thread = await setup.create_thread()
        message = await setup.create_message(thread.id, "hi")
    faults = FaultInjector(emulator_app, "get:reset,create:reset")
    server = LiveServer(faults, emulator_app.storage)
    try:
        async with DashScopeClient(api_key="k", base_url=server.base_url, sleep=no_sleep) as client:
            with pytest.raises(TransportError) as info:
                await client.retrieve_message(thread.id, message.id)
            assert "connection broken (RemoteProtocolError" in str(info.value)
            assert faults.seen["get"] == 3
            with pytest.raises(TransportError) as info:
                await client.create_message(thread.id, "once")
            assert info.value.maybe_sent and faults.seen["create"] == 1
    finally:
        server.stop()


async def test_the_deadline_abandons_the_request_and_the_server_never_acts(emulator_app):
    async with embedded_client(emulator_app) as setup:
        thread = await setup.create_thread()
        message = await setup.create_message(thread.id, "hi", metadata={"v": "1"})
    faults = FaultInjector(emulator_app, "update:delay=5s")
    async with embedded_client(faults, timeouts=Timeouts(connect=1.0, read=30.0, total=0.05)) as client:
        with pytest.raises(TransportError) as info:
            await client.modify_message(thread.id, message.id, metadata={"v": "2"})
    assert "timed out (no complete answer within 0.05 s)" in str(info.value)
    assert faults.seen["update"] == 1  # a timeout is not retried
    async with embedded_client(emulator_app) as check:
        assert (await check.retrieve_message(thread.id, message.id)).metadata == {"v": "1"}


async def test_an_app_that_fails_before_answering_is_a_500():
    async def broken(scope, receive, send):
        raise RuntimeError("bug in the server")

    async with embedded_client(broken, max_tries=1) as client:
        with pytest.raises(ServerError) as info:
            await client.retrieve_thread("thread_1")
    assert info.value.status == 500


def test_the_client_has_no_in_process_shortcut(emulator_app):
    with pytest.raises(TypeError):
        DashScopeClient(api_key="k", app=emulator_app)


async def test_the_embedded_client_goes_through_asgi_transport_for_both_families(tmp_path):
    from tui.backend import build_client
    from tui.config import resolve_settings

    settings = resolve_settings()
    assert settings.embedded
    async with build_client(settings) as client:
        assert client.compat_base_url == "http://embedded.threadscope/compatible-mode/v1"
        page = await client.list_messages(ORDER_BOT, limit=3)
    assert len(page.data) == 3


async def test_an_apps_own_timeout_error_is_a_server_failure_not_a_timeout():
    async def gives_up(scope, receive, send):
        raise TimeoutError("the database was busy")

    async with embedded_client(gives_up, max_tries=1) as client:
        with pytest.raises(ServerError) as info:
            await client.retrieve_thread("thread_1")
    assert info.value.status == 500
