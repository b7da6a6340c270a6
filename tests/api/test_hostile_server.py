"""A server that misbehaves cannot hang the client, fill its memory, crash it, or make it
print the key: each case ends in one clear error (issue 19, item 9)."""

import asyncio

import httpx
import pytest

from tests.conftest import SENTINEL_KEY, LiveServer, no_sleep
from tui.api import (
    AuthenticationError,
    DashScopeClient,
    InvalidParameterError,
    NotFoundError,
    ProtocolError,
    Timeouts,
    TransportError,
    ValidationError,
)

BASE = "http://hostile.test/api/v1"


def answering(handler, **kwargs):
    kwargs.setdefault("api_key", SENTINEL_KEY)
    kwargs.setdefault("base_url", BASE)
    return DashScopeClient(transport=httpx.MockTransport(handler), sleep=no_sleep, **kwargs)


def page(ids, *, last, more=True):
    data = [{"id": i, "object": "thread.message", "created_at": 1, "thread_id": "thread_a", "role": "user",
             "content": []} for i in ids]
    return {"object": "list", "data": data, "first_id": ids[0], "last_id": last, "has_more": more}


# -- size cap ----------------------------------------------------------------------------------


async def test_an_answer_declared_larger_than_the_cap_is_refused_unread():
    def huge(request):
        return httpx.Response(200, headers={"Content-Length": str(10 * 2**30)}, content=b"{}")

    async with answering(huge, max_response_bytes=1_000_000) as client:
        with pytest.raises(ProtocolError) as info:
            await client.retrieve_thread("thread_a")
    assert "the response is larger than 1,000,000 bytes" in str(info.value)


async def test_a_chunked_answer_that_grows_past_the_cap_is_cut_off():
    sent = []

    async def endless():
        for _ in range(10_000):
            sent.append(1)
            yield b"x" * 65536

    def streaming(request):
        return httpx.Response(200, content=endless())

    async with answering(streaming, max_response_bytes=1_000_000) as client:
        with pytest.raises(ProtocolError) as info:
            await client.list_messages("thread_a")
    assert "larger than 1,000,000 bytes" in str(info.value)
    assert len(sent) < 20  # stopped reading at the cap, not at the end of 655 MB


def test_the_default_cap_holds_a_page_of_the_biggest_messages():
    from tui.api.exchange import DEFAULT_MAX_RESPONSE_BYTES

    assert DEFAULT_MAX_RESPONSE_BYTES >= 100 * 2 * 2**20


# -- an overall deadline -----------------------------------------------------------------------


async def trickle(scope, receive, send):
    """An ASGI app that answers one byte at a time, a long while apart."""
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    for byte in b'{"id": "thread_a", "object": "thread"}':
        await send({"type": "http.response.body", "body": bytes([byte]), "more_body": True})
        try:  # wait 5 s before the next byte, unless the client hangs up first
            await asyncio.wait_for(receive(), 5)
            return
        except TimeoutError:
            pass
    await send({"type": "http.response.body", "body": b""})


async def test_a_body_trickling_over_a_socket_ends_at_the_deadline():
    server = LiveServer(trickle, None)
    try:
        async with DashScopeClient(api_key="k", base_url=server.base_url, sleep=no_sleep,
                                   timeouts=Timeouts(connect=2, read=30, total=0.5)) as client:
            with pytest.raises(TransportError) as info:
                await client.retrieve_thread("thread_a")
    finally:
        server.stop()
    assert "timed out (no complete answer within 0.5 s)" in str(info.value)
    assert info.value.hint and "timeout" in info.value.hint


# -- bodies that are not what the API promises -------------------------------------------------


@pytest.mark.parametrize("status", [200, 400])
async def test_json_nested_5000_deep_is_a_clear_error_not_a_recursion_error(status):
    nested = b"[" * 5000 + b"]" * 5000
    body = b'{"id": "thread_a", "object": "thread", "x": ' + nested + b"}"

    expected = ProtocolError if status == 200 else InvalidParameterError
    async with answering(lambda r: httpx.Response(status, content=body), max_tries=1) as client:
        with pytest.raises(expected) as info:
            await client.retrieve_thread("thread_a")
    wanted = "nested too deeply" if status == 200 else "not a DashScope error body"
    assert wanted in str(info.value)


async def test_a_redirect_is_not_followed_and_says_where_it_pointed():
    def redirect(request):
        return httpx.Response(302, json={"id": "thread_a"}, headers={"Location": "http://elsewhere.test/login"})

    async with answering(redirect) as client:
        with pytest.raises(ProtocolError) as info:
            await client.retrieve_thread("thread_a")
    assert "HTTP 302, the server redirected to http://elsewhere.test/login" in str(info.value)
    assert "redirect is not followed" in info.value.describe()


@pytest.mark.parametrize("call", ["list", "list_raw", "retrieve", "delete", "items"])
async def test_an_empty_object_is_a_protocol_error_not_an_empty_answer(call):
    async with answering(lambda r: httpx.Response(200, json={})) as client:
        with pytest.raises(ProtocolError):
            if call == "list":
                await client.list_messages("thread_a")
            elif call == "list_raw":
                await client.list_messages_raw("thread_a", limit=5)
            elif call == "retrieve":
                await client.retrieve_thread("thread_a")
            elif call == "delete":
                await client.delete_thread("thread_a")
            else:
                await client.list_items("conv_a")


@pytest.mark.parametrize("body", [
    {"code": "InvalidApiKey", "message": "Invalid API-key provided.", "request_id": "r-200"},
    {"error": {"message": "Invalid API-key provided.", "type": "invalid_request_error", "code": "invalid_api_key"},
     "request_id": "r-200"},
])
async def test_an_error_body_that_comes_with_200_is_the_error_it_names(body):
    async with answering(lambda r: httpx.Response(200, json=body)) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.list_messages("thread_a")
        with pytest.raises(AuthenticationError):
            await client.list_items("conv_a")
    assert info.value.request_id == "r-200" and "Invalid API-key provided." in str(info.value)


async def test_a_200_not_found_body_on_an_item_is_not_found():
    body = {"error": {"message": "no such item", "type": "invalid_request_error", "code": "not_found"}}
    async with answering(lambda r: httpx.Response(200, json=body)) as client:
        with pytest.raises(NotFoundError):
            await client.retrieve_item("conv_a", "msg_1")


# -- cursors that go round in a circle ---------------------------------------------------------


@pytest.mark.parametrize("family", ["messages", "items"])
async def test_cursors_that_cycle_end_the_walk_with_a_protocol_error(family):
    pages = {None: page(["A"], last="A"), "A": page(["B"], last="B"), "B": page(["A2"], last="A")}
    calls = []

    def cycling(request):
        calls.append(request.url.params.get("after"))
        return httpx.Response(200, json=pages[request.url.params.get("after")])

    async with answering(cycling) as client:
        walk = client.iter_raw_messages("thread_a", page_size=1) if family == "messages" else \
            client.iter_raw_items("conv_a", page_size=1)
        seen = []
        with pytest.raises(ProtocolError) as info:
            async for item in walk:
                seen.append(item["id"])
    assert "the list cursors go round in a circle" in str(info.value) and "A → B → A" in str(info.value)
    assert seen == ["A", "B"] and len(calls) <= 4


# -- the key in every error path ---------------------------------------------------------------


async def test_a_key_pasted_with_a_trailing_newline_is_sent_without_it_over_a_socket(live_server):
    server = live_server(api_key="k-trailing-0123456789")
    async with DashScopeClient(api_key="k-trailing-0123456789\n", base_url=server.base_url) as client:
        thread = await client.create_thread()
    assert thread.id.startswith("thread_")


async def test_a_key_with_a_line_break_inside_is_refused_before_sending_and_never_quoted():
    secret = "k-first-half-0123\nsecond-half-4567"
    requests = []
    async with answering(lambda r: requests.append(r) or httpx.Response(200, json={}), api_key=secret) as client:
        with pytest.raises(ValidationError) as info:
            await client.retrieve_thread("thread_a")
    text = f"{info.value} {info.value.describe()} {info.value!r} {client!r}"
    assert "line break" in text and requests == []
    for part in ("k-first-half-0123", "second-half-4567", repr(secret)):
        assert part not in text


async def test_a_transport_error_that_quotes_the_key_escaped_is_redacted():
    secret = "k-quoted-0123456789\r"

    def refuse(request):
        raise httpx.LocalProtocolError(f"Illegal header value {('Bearer ' + secret).encode()!r}")

    async with answering(refuse, api_key=secret) as client:
        with pytest.raises(TransportError) as info:
            await client.retrieve_thread("thread_a")
    text = f"{info.value} {info.value.describe()}"
    assert "k-quoted-0123456789" not in text and "***" in text
