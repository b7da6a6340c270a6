"""The conversation calls against a scripted server (httpx.MockTransport): the request each
sends, what is refused before sending, both error envelopes, retries, and creates never sent twice."""

import json

import httpx
import pytest

from tests.conftest import SENTINEL_KEY, no_sleep
from tui.api import (
    AuthenticationError,
    Conversation,
    DashScopeClient,
    InvalidParameterError,
    Item,
    ItemPage,
    NotFoundError,
    OutcomeUnknownError,
    ProtocolError,
    ServerError,
    TransportError,
    ValidationError,
)

BASE = "http://conv.test/api/v1"
COMPAT = "http://conv.test/compatible-mode/v1"
CONV = {"id": "conv_1", "object": "conversation", "created_at": 1771316949128, "metadata": {"k": "v"}}


def item(n, role="user", text=None):
    kind = "output_text" if role == "assistant" else "input_text"
    return {"id": f"msg_{n}", "type": "message", "role": role, "status": "completed",
            "content": [{"type": kind, "text": text or f"text {n}"}]}


class Scripted:
    """A MockTransport that records every request and answers from a script (or a function)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request):
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if callable(answer):
            answer = answer(request)
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        status, body = answer
        return httpx.Response(status, json=body, headers={"X-Request-Id": "hdr-req"})

    def body(self, index=-1):
        return json.loads(self.requests[index].content)


def client_on(server, **kwargs):
    kwargs.setdefault("base_url", BASE)
    return DashScopeClient(api_key=SENTINEL_KEY, transport=server.transport, sleep=no_sleep, **kwargs)


async def test_every_call_sends_its_method_path_and_body_under_the_compatible_base():
    server = Scripted((200, CONV), (200, CONV), (200, CONV),
                      (200, {"id": "conv_1", "object": "conversation.deleted", "deleted": True}),
                      (200, {"data": [item(1)], "first_id": "msg_1", "last_id": "msg_1", "has_more": False}),
                      (200, {"object": "list", "data": [item(1)], "first_id": "msg_1", "last_id": "msg_1", "has_more": False}),
                      (200, item(1)),
                      (200, {"id": "msg_1", "object": "conversation.item.deleted", "deleted": True}))
    async with client_on(server, workspace="ws-1") as client:
        conv = await client.create_conversation(items=[{"role": "user", "content": "hi"}], metadata={"a": "b"})
        assert isinstance(conv, Conversation) and conv.metadata == {"k": "v"}
        await client.retrieve_conversation("conv_1")
        await client.update_conversation("conv_1", metadata={"k": "v2"})
        deleted = await client.delete_conversation("conv_1")
        created = await client.create_items("conv_1", [{"role": "assistant", "content": "ok"}])
        page = await client.list_items("conv_1", limit=5, order="asc", after="msg_0")
        got = await client.retrieve_item("conv_1", "msg_1")
        gone = await client.delete_item("conv_1", "msg_1")
    sent = [(r.method, str(r.url)) for r in server.requests]
    assert sent == [
        ("POST", f"{COMPAT}/conversations"),
        ("GET", f"{COMPAT}/conversations/conv_1"),
        ("POST", f"{COMPAT}/conversations/conv_1"),
        ("DELETE", f"{COMPAT}/conversations/conv_1"),
        ("POST", f"{COMPAT}/conversations/conv_1/items"),
        ("GET", f"{COMPAT}/conversations/conv_1/items?limit=5&order=asc&after=msg_0"),
        ("GET", f"{COMPAT}/conversations/conv_1/items/msg_1"),
        ("DELETE", f"{COMPAT}/conversations/conv_1/items/msg_1"),
    ]
    assert server.body(0) == {"items": [{"role": "user", "content": "hi"}], "metadata": {"a": "b"}}
    assert server.body(2) == {"metadata": {"k": "v2"}}
    assert server.body(4) == {"items": [{"role": "assistant", "content": "ok"}]}
    for request in server.requests:
        assert request.headers["Authorization"] == f"Bearer {SENTINEL_KEY}"
        assert "X-DashScope-WorkSpace" not in request.headers  # no workspace header on these routes
    assert deleted.deleted and deleted.object == "conversation.deleted"
    assert isinstance(created, ItemPage) and created.object is None and [i.id for i in created.data] == ["msg_1"]
    assert page.object == "list" and (page.first_id, page.last_id, page.has_more) == ("msg_1", "msg_1", False)
    assert isinstance(got, Item) and got.role == "user" and got.text == "text 1"
    assert gone.object == "conversation.item.deleted"


@pytest.mark.parametrize(("kwargs", "compat"), [
    ({"base_url": "http://127.0.0.1:8765/api/v1/"}, "http://127.0.0.1:8765/compatible-mode/v1"),
    ({"base_url": "https://gw.example/proxy/api/v1"}, "https://gw.example/compatible-mode/v1"),  # same origin
    ({"base_url": "https://gw.example/api/v2"}, None),  # unknown: conversation calls say so
    ({"base_url": None, "region": "cn"}, "https://dashscope.aliyuncs.com/compatible-mode/v1"),
    ({"base_url": None}, "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"),
    ({"base_url": "http://x/api/v1", "compat_base_url": "http://y/legacy/compatible-mode/v1/"}, "http://y/legacy/compatible-mode/v1"),
])
def test_the_compatible_base_url_follows_the_base_url_or_the_region(kwargs, compat):
    assert DashScopeClient(api_key="k", **kwargs).compat_base_url == compat


async def test_a_custom_base_url_without_api_v1_asks_for_a_compatible_base_url_and_sends_nothing():
    server = Scripted((200, CONV))
    async with client_on(server, base_url="http://gateway.example/dashscope") as client:
        with pytest.raises(ValidationError) as info:
            await client.retrieve_conversation("conv_1")
    assert "--compat-base-url" in str(info.value) and server.requests == []


@pytest.mark.parametrize(("call", "field"), [
    (lambda c: c.create_conversation(items=[{"role": "user", "content": "x"}] * 21), "items"),
    (lambda c: c.create_items("conv_1", []), "items"),
    (lambda c: c.create_items("conv_1", [{"role": "user", "content": "x"}] * 21), "items"),
    (lambda c: c.create_items("conv_1", [{"role": "tool", "content": "x"}]), "items.0.role"),
    (lambda c: c.create_items("conv_1", [{"role": "user"}]), "items.0.content"),
    (lambda c: c.create_items("conv_1", [{"role": "user", "content": "  "}]), "content"),
    (lambda c: c.create_items("conv_1", [{"type": "function_call", "role": "user", "content": "x"}]), "items.0.type"),
    (lambda c: c.create_items("conv_1", [{"role": "user", "content": [{"type": "input_image", "text": "x"}]}]), "items.0.content.0"),
    (lambda c: c.create_items("conv_1", [{"role": "user", "content": [{"type": "input_text", "text": 5}]}]), "items.0.content.0.text"),
    (lambda c: c.create_items("conv_1", [{"role": "user", "content": "x", "metadata": {}}]), "items.0.metadata"),
    (lambda c: c.create_conversation(metadata={f"k{i}": "v" for i in range(17)}), "metadata"),
    (lambda c: c.update_conversation("conv_1", metadata={"k" * 65: "v"}), "metadata." + "k" * 65),
    (lambda c: c.update_conversation("conv_1", metadata={"k": "v" * 513}), "metadata.k"),
    (lambda c: c.list_items("conv_1", limit=101), "limit"),
    (lambda c: c.list_items("conv_1", order="newest"), "order"),
])
async def test_what_the_api_would_refuse_is_refused_before_sending(call, field):
    server = Scripted((200, CONV))
    async with client_on(server) as client:
        with pytest.raises(ValidationError) as info:
            await call(client)
    assert info.value.field == field
    assert server.requests == []


async def test_every_role_and_both_part_types_are_accepted():
    server = Scripted((200, {"data": [], "first_id": None, "last_id": None, "has_more": False}))
    items = [{"type": "message", "role": role, "content": [{"type": "input_text", "text": "a"},
                                                              {"type": "output_text", "text": "b"}]}
             for role in ("user", "assistant", "system", "developer")]
    async with client_on(server) as client:
        await client.create_items("conv_1", items)
    assert server.body() == {"items": items}


@pytest.mark.parametrize("body", [
    {"error": {"message": "Conversation not found", "type": "invalid_request_error", "code": "not_found", "param": None},
     "request_id": "req-9"},
    {"code": "not_found", "message": "Conversation not found", "request_id": "req-9"},
])
async def test_either_error_envelope_gives_code_message_and_request_id(body):
    server = Scripted((404, body))
    async with client_on(server) as client:
        with pytest.raises(NotFoundError) as info:
            await client.retrieve_conversation("conv_x")
    error = info.value
    assert (error.status, error.code, error.message, error.request_id) == (404, "not_found", "Conversation not found", "req-9")
    assert str(error) == "retrieve conversation conv_x failed: HTTP 404 not_found: Conversation not found (request_id req-9)"


async def test_an_error_envelope_without_code_uses_its_type_and_the_header_request_id():
    server = Scripted((400, {"error": {"message": "bad", "type": "InvalidParameter"}}))
    async with client_on(server) as client:
        with pytest.raises(InvalidParameterError) as info:
            await client.list_items("conv_1")
    assert (info.value.code, info.value.request_id) == ("InvalidParameter", "hdr-req")


async def test_a_non_json_error_takes_its_request_id_from_the_header_and_never_shows_the_key():
    page = f"<html>upstream said {SENTINEL_KEY}</html>".encode()
    server = Scripted(httpx.Response(502, content=page, headers={"X-Request-Id": "gw-1"}))
    async with client_on(server, max_tries=1) as client:
        with pytest.raises(ServerError) as info:
            await client.retrieve_item("conv_1", "msg_1")
    assert info.value.request_id == "gw-1"
    assert SENTINEL_KEY not in info.value.describe() and "***" in str(info.value)


async def test_safe_calls_retry_a_503_and_a_reset():
    server = Scripted((503, {"code": "ServiceUnavailable", "message": "busy"}), httpx.ReadError("reset"), (200, CONV))
    async with client_on(server) as client:
        conv = await client.update_conversation("conv_1", metadata={})
    assert conv.id == "conv_1" and len(server.requests) == 3


@pytest.mark.parametrize("fault", [httpx.ReadError("reset"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("cut"),
                                   (500, {"code": "InternalError", "message": "boom", "request_id": "r5"}),
                                   (503, {"error": {"message": "down", "type": "server_error", "code": None}, "request_id": "r6"})])
@pytest.mark.parametrize("call", ["create_conversation", "create_items"])
async def test_a_create_whose_outcome_is_unknown_is_never_sent_again(fault, call):
    server = Scripted(fault, (200, CONV))
    async with client_on(server) as client:
        with pytest.raises(OutcomeUnknownError) as info:
            if call == "create_items":
                await client.create_items("conv_1", [{"role": "user", "content": "once"}])
            else:
                await client.create_conversation(items=[{"role": "user", "content": "once"}])
    assert len(server.requests) == 1
    error = info.value
    assert isinstance(error, TransportError) and error.maybe_sent
    assert "may have landed on the server, so it was not sent again" in str(error)
    if isinstance(fault, tuple):
        assert isinstance(error.cause, ServerError) and error.request_id in ("r5", "r6")
        assert f"HTTP {fault[0]}" in str(error)


async def test_a_create_that_never_reached_the_server_is_tried_again():
    server = Scripted(httpx.ConnectError("refused"), (200, {"data": [item(1)], "first_id": "msg_1", "last_id": "msg_1",
                                                            "has_more": False}))
    async with client_on(server) as client:
        created = await client.create_items("conv_1", [{"role": "user", "content": "x"}])
    assert [i.id for i in created.data] == ["msg_1"] and len(server.requests) == 2


async def test_a_refused_create_is_the_plain_api_error():
    server = Scripted((401, {"error": {"message": "Incorrect API key", "type": "invalid_request_error",
                                       "code": "invalid_api_key"}, "request_id": "r"}))
    async with client_on(server) as client:
        with pytest.raises(AuthenticationError):
            await client.create_conversation()
    assert server.body() == {}


async def test_iter_items_walks_every_page_once_in_order():
    items = [item(n) for n in range(1, 8)]

    def pages(request):
        after = request.url.params.get("after")
        start = 0 if after is None else [i["id"] for i in items].index(after) + 1
        chunk = items[start:start + 3]
        return (200, {"object": "list", "data": chunk, "first_id": chunk[0]["id"], "last_id": chunk[-1]["id"],
                      "has_more": start + 3 < len(items)})

    server = Scripted(pages)
    async with client_on(server) as client:
        seen = [i.id async for i in client.iter_items("conv_1", page_size=3)]
    assert seen == [i["id"] for i in items]
    assert [r.url.params.get("after") for r in server.requests] == [None, "msg_3", "msg_6"]
    assert all(r.url.params["order"] == "asc" and r.url.params["limit"] == "3" for r in server.requests)


def test_items_keep_every_field_and_round_trip():
    data = {"id": "msg_1", "type": "message", "role": "assistant", "status": "completed", "phase": "final_answer",
            "content": [{"type": "output_text", "text": "one", "annotations": []}, {"type": "refusal", "refusal": "no"},
                        {"type": "output_text", "text": "two"}]}
    parsed = Item.from_wire(data)
    assert parsed.text == "one\n\ntwo" and parsed.role == "assistant"
    assert parsed.model_extra == {"phase": "final_answer"}
    assert parsed.to_wire() == data and parsed.raw is data
    assert Item.from_wire({"id": "msg_2", "role": "user", "content": "plain"}).text == "plain"
    conv = Conversation.from_wire({**CONV, "title": "x"})
    assert conv.to_wire() == {**CONV, "title": "x"} and conv.created.year == 2026


async def test_an_item_page_of_the_wrong_shape_is_a_protocol_error():
    server = Scripted((200, {"object": "list", "data": [{"type": "message"}], "has_more": False}))
    async with client_on(server) as client:
        with pytest.raises(ProtocolError) as info:
            await client.list_items("conv_1")
    assert "'data.0.id: " in str(info.value)


async def test_hints_on_the_conversation_routes_do_not_send_people_to_workspaces():
    body = {"error": {"message": "Incorrect API key", "type": "invalid_request_error", "code": "invalid_api_key"}}
    async with DashScopeClient(api_key=SENTINEL_KEY, region="intl", transport=Scripted((401, body)).transport) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.retrieve_conversation("conv_1")
        assert "--region cn" in info.value.hint and "workspace" not in info.value.hint
    server = Scripted((404, {"error": {"message": "gone", "type": "invalid_request_error", "code": "not_found"}}))
    async with client_on(server) as client:
        with pytest.raises(NotFoundError) as info:
            await client.retrieve_item("conv_1", "msg_1")
    assert "conversations live in one region" in info.value.hint and "workspace" not in info.value.hint
