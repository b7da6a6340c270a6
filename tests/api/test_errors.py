"""Error classes map from the HTTP status and body, and never carry the key."""

import httpx
import pytest

from tests.conftest import SENTINEL_KEY, TEST_BASE_URL, no_sleep
from tui.api import (
    APIError,
    AuthenticationError,
    DashScopeClient,
    InvalidParameterError,
    NotFoundError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitError,
    ServerError,
    TransportError,
)


def answering(status, body, headers=None):
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(body, bytes):
            return httpx.Response(status, content=body, headers=headers or {})
        return httpx.Response(status, json=body, headers=headers or {})

    return httpx.MockTransport(handler)


def make_client(transport, **kwargs):
    return DashScopeClient(api_key=SENTINEL_KEY, base_url=TEST_BASE_URL, transport=transport, sleep=no_sleep, **kwargs)


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "InvalidParameter", InvalidParameterError),
        (401, "InvalidApiKey", AuthenticationError),
        (403, "AccessDenied", PermissionDeniedError),
        (404, "NotFound", NotFoundError),
        (413, "InvalidParameter", InvalidParameterError),
        (429, "Throttling", RateLimitError),
        (500, "InternalError", ServerError),
        (503, "ServiceUnavailable", ServerError),
        (504, "GatewayTimeout", ServerError),
        (418, "Teapot", APIError),
    ],
)
async def test_status_maps_to_error_class(status, code, cls):
    body = {"code": code, "message": f"{code} happened", "request_id": "req-123"}
    async with make_client(answering(status, body)) as client:
        with pytest.raises(cls) as info:
            await client.retrieve_message("thread_a", "message_b")
    error = info.value
    assert type(error) is cls
    assert (error.status, error.code, error.message, error.request_id) == (status, code, f"{code} happened", "req-123")
    assert str(error) == f"retrieve message message_b failed: HTTP {status} {code}: {code} happened (request_id req-123)"


async def test_status_decides_not_the_code_string():
    # DashScope has no code for a missing thread; a 404 is NotFound whatever the code says.
    async with make_client(answering(404, {"code": "InvalidParameter", "message": "x", "request_id": "r"})) as client:
        with pytest.raises(NotFoundError):
            await client.list_messages("thread_a")


async def test_auth_error_suggests_other_region_and_workspace():
    transport = answering(401, {"code": "InvalidApiKey", "message": "Invalid API-key provided.", "request_id": "r1"})
    async with DashScopeClient(api_key=SENTINEL_KEY, region="intl", transport=transport) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.list_messages("thread_a")
    described = info.value.describe()
    assert "--region cn" in described
    assert "--workspace" in described
    assert "request_id r1" in described


async def test_html_error_page_is_a_clear_error_with_a_snippet():
    page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    async with make_client(answering(502, page), max_tries=1) as client:
        with pytest.raises(ServerError) as info:
            await client.list_messages("thread_a")
    assert "502" in str(info.value) and "Bad Gateway" in str(info.value)


@pytest.mark.parametrize("body", [b"<html>oops</html>", b'{"id": "message_', b"", b"[1, 2]"])
async def test_success_status_with_unexpected_body_is_protocol_error(body):
    async with make_client(answering(200, body)) as client:
        with pytest.raises(ProtocolError) as info:
            await client.retrieve_message("thread_a", "message_b")
    assert "HTTP 200" in str(info.value)
    assert len(info.value.snippet) <= 200 + 20


@pytest.mark.parametrize(
    ("call", "body", "where"),
    [
        ("list", {"object": "list", "data": [{"id": "message_b", "created_at": "yesterday", "thread_id": "thread_a",
                                              "role": "user"}], "has_more": False}, "data.0.created_at"),
        ("retrieve", {"id": "message_b", "created_at": 1, "thread_id": "thread_a", "role": "user", "content": "hi"}, "content"),
        ("retrieve", {"object": "thread.message"}, "id"),
    ],
)
async def test_json_of_the_wrong_shape_is_a_protocol_error_naming_the_field(call, body, where):
    async with make_client(answering(200, body)) as client:
        with pytest.raises(ProtocolError) as info:
            if call == "list":
                await client.list_messages("thread_a")
            else:
                await client.retrieve_message("thread_a", "message_b")
    text = str(info.value)
    operation = "list messages of thread_a" if call == "list" else "retrieve message message_b"
    assert text.startswith(f"{operation} failed: HTTP 200, the response is not a valid ")
    assert f"'{where}: " in text
    assert "pydantic" not in text and "errors.pydantic.dev" not in text


async def test_content_parts_of_unexpected_shapes_still_give_their_text():
    body = {"id": "message_b", "created_at": 1, "thread_id": "thread_a", "role": "assistant",
            "content": [{"type": "text", "text": "a bare string"}, {"type": "image_file", "image_file": {"file_id": "f"}},
                        {"type": "text", "text": {"value": "an object", "annotations": [{"type": "file_citation"}]}}, 7]}
    async with make_client(answering(200, body)) as client:
        message = await client.retrieve_message("thread_a", "message_b")
    assert message.text == "a bare string\n\nan object"
    assert message.annotations == [{"type": "file_citation"}]
    assert message.raw == body
    with pytest.raises(ValueError):  # the typed parts are strict, and built only when asked for
        _ = message.content


async def test_key_never_appears_in_error_text():
    # A hostile or careless server echoes the key back in its message; we scrub it.
    body = {"code": "InvalidApiKey", "message": f"key {SENTINEL_KEY} is invalid", "request_id": "r"}
    async with make_client(answering(401, body)) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.list_messages("thread_a")
    for text in (str(info.value), info.value.describe(), repr(info.value), repr(client)):
        assert SENTINEL_KEY not in text
    assert "***" in str(info.value)


async def test_network_failure_is_transport_error_without_traceback_text():
    def refuse(request):
        raise httpx.ConnectError("connection refused")

    async with make_client(httpx.MockTransport(refuse)) as client:
        with pytest.raises(TransportError) as info:
            await client.list_messages("thread_a")
    assert "cannot connect to http://emulator.test/api/v1" in str(info.value)
    assert info.value.hint
