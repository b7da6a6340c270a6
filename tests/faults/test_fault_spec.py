"""The fault injector: spec parsing, which requests it hits, and what each fault looks like on the wire."""

import httpx
import pytest

from tests.conftest import TEST_BASE_URL, no_sleep
from tui.api import DashScopeClient, ProtocolError, RateLimitError, ServerError
from tui.emulator.faults import FaultInjector, FaultSpecError, operation_of, parse_faults


async def ok_app(scope, receive, send):
    """A stand-in API that answers every request with a valid message object."""
    body = b'{"id":"message_1","created_at":1,"thread_id":"thread_1","role":"user","content":[]}'
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


def client_for(spec, **kwargs):
    app = FaultInjector(ok_app, spec, seed=1)
    return DashScopeClient(api_key="k", base_url=TEST_BASE_URL, transport=httpx.ASGITransport(app=app), sleep=no_sleep, **kwargs)


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("list", "expected OPERATION:FAULT"),
        ("lst:429", "unknown operation 'lst'"),
        ("list:418", "status 418 is not one of"),
        ("list:explode", "unknown fault 'explode'"),
        ("list:500@1.5", "expected OPERATION:FAULT"),
    ],
)
def test_bad_specs_say_which_rule(spec, words):
    with pytest.raises(FaultSpecError, match=words):
        parse_faults(spec)


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("POST", "/api/v1/threads", "create_thread"),
        ("GET", "/api/v1/threads/thread_1", "get_thread"),
        ("POST", "/api/v1/threads/thread_1", "update_thread"),
        ("DELETE", "/api/v1/threads/thread_1", "delete_thread"),
        ("POST", "/api/v1/threads/thread_1/messages", "create"),
        ("GET", "/api/v1/threads/thread_1/messages", "list"),
        ("GET", "/api/v1/threads/thread_1/messages/message_1", "get"),
        ("POST", "/api/v1/threads/thread_1/messages/message_1", "update"),
        ("GET", "/elsewhere", None),
    ],
)
def test_operations_are_told_apart(method, path, operation):
    assert operation_of(method, path) == operation


async def test_status_fault_has_dashscope_error_shape_and_only_hits_its_operation():
    async with client_for("get:429", max_tries=1) as client:
        with pytest.raises(RateLimitError) as info:
            await client.retrieve_message("thread_1", "message_1")
        assert info.value.code == "Throttling" and info.value.retry_after == 1.0
        assert info.value.request_id
        page_or_message = await client.modify_message("thread_1", "message_1", metadata={})
        assert page_or_message.id == "message_1"


async def test_count_limits_how_often_a_fault_fires():
    async with client_for("update:503x2", max_tries=1) as client:
        for _ in range(2):
            with pytest.raises(ServerError):
                await client.modify_message("thread_1", "message_1", metadata={})
        assert (await client.modify_message("thread_1", "message_1", metadata={})).id == "message_1"


async def test_probability_is_repeatable_with_a_seed():
    async def outcomes():
        results = []
        async with client_for("get:500@0.5", max_tries=1) as client:
            for _ in range(20):
                try:
                    await client.retrieve_message("thread_1", "message_1")
                    results.append("ok")
                except ServerError:
                    results.append("500")
        return results

    first, second = await outcomes(), await outcomes()
    assert first == second
    assert 3 < first.count("500") < 17


@pytest.mark.parametrize(("fault", "words"), [("malformed", "the response is not JSON"), ("empty", "(empty body)")])
async def test_body_faults_are_protocol_errors(fault, words):
    async with client_for(f"get:{fault}") as client:
        with pytest.raises(ProtocolError) as info:
            await client.retrieve_message("thread_1", "message_1")
    assert words in str(info.value)


async def test_html_page_is_a_gateway_error_with_its_text():
    async with client_for("get:html", max_tries=1) as client:
        with pytest.raises(ServerError) as info:
            await client.retrieve_message("thread_1", "message_1")
    assert info.value.status == 502
    assert "502 Bad Gateway" in str(info.value)


async def test_delays_add_up_and_then_pass_through(monkeypatch):
    waited = []

    async def fake_sleep(seconds):
        waited.append(seconds)

    monkeypatch.setattr("tui.emulator.faults.asyncio.sleep", fake_sleep)
    async with client_for("any:delay=2s,get:delay=150ms") as client:
        assert (await client.retrieve_message("thread_1", "message_1")).id == "message_1"
    assert waited == [pytest.approx(2.15)]


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("POST", "/compatible-mode/v1/conversations", "create_conversation"),
        ("GET", "/compatible-mode/v1/conversations/conv_1", "get_conversation"),
        ("POST", "/compatible-mode/v1/conversations/conv_1", "update_conversation"),
        ("DELETE", "/compatible-mode/v1/conversations/conv_1", "delete_conversation"),
        ("POST", "/compatible-mode/v1/conversations/conv_1/items", "create_items"),
        ("GET", "/api/v2/apps/protocols/compatible-mode/v1/conversations/conv_1/items", "list_items"),
        ("GET", "/compatible-mode/v1/conversations/conv_1/items/msg_1", "get_item"),
        ("DELETE", "/compatible-mode/v1/conversations/conv_1/items/msg_1", "delete_item"),
        ("PATCH", "/compatible-mode/v1/conversations/conv_1", None),
        ("GET", "/compatible-mode/v1/elsewhere", None),
    ],
)
def test_conversation_operations_are_told_apart(method, path, operation):
    assert operation_of(method, path) == operation


@pytest.fixture
async def conv_http(tmp_path):
    from tui.emulator import create_app

    def make(spec):
        app = create_app(tmp_path / "f.sqlite3", faults=spec)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        client = httpx.AsyncClient(transport=transport, base_url="http://e/compatible-mode/v1",
                                   headers={"Authorization": "Bearer k"})
        return app, client

    return make


async def conversation_with_item(client):
    return (await client.post("/conversations", json={"items": [{"role": "user", "content": "hi"}]})).json()["id"]


@pytest.mark.parametrize(("status", "code"), [(429, "rate_limit_exceeded"), (503, "service_unavailable")])
async def test_status_faults_on_conversation_routes_use_the_compatible_envelope(conv_http, status, code):
    app, client = conv_http(f"list_items:{status}")
    async with client:
        conv_id = await conversation_with_item(client)
        r = await client.get(f"/conversations/{conv_id}/items")
        assert r.status_code == status
        assert r.json()["error"]["code"] == code and r.json()["request_id"] == r.headers["x-request-id"]
        assert ("retry-after" in r.headers) == (status == 429)
        assert (await client.get(f"/conversations/{conv_id}")).status_code == 200  # only list_items is hit


async def test_a_lost_answer_after_create_items_still_wrote_them_once(conv_http):
    app, client = conv_http("create_items:lostx1")
    async with client:
        conv_id = await conversation_with_item(client)
        r = await client.post(f"/conversations/{conv_id}/items", json={"items": [{"role": "assistant", "content": "a"}]})
        assert r.status_code == 504 and r.headers["content-type"].startswith("text/html")
        assert app.storage.count_items(conv_id) == 2  # the write happened, exactly once
        assert app.seen["create_items"] == 1


@pytest.mark.parametrize(("fault", "written"), [("drop", 2), ("reset", 1)])
def test_a_dropped_connection_on_create_items_over_a_socket(live_server, fault, written):
    server = live_server(faults=f"create_items:{fault}x1")
    base = server.base_url.replace("/api/v1", "/compatible-mode/v1")
    with httpx.Client(base_url=base, headers={"Authorization": "Bearer k"}) as client:
        conv_id = client.post("/conversations", json={"items": [{"role": "user", "content": "hi"}]}).json()["id"]
        # The answer breaks off, so the outcome is unknown to the client. Whether the socket reports
        # a close (RemoteProtocolError) or a reset (ReadError) depends on which the OS delivers first.
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.post(f"/conversations/{conv_id}/items", json={"items": [{"role": "assistant", "content": "a"}]})
        assert server.storage.count_items(conv_id) == written  # drop: written once; reset: not at all
        assert client.get(f"/conversations/{conv_id}/items").status_code == 200  # and the next call is fine
