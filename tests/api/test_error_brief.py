"""Every error has a few words for the one-row status ("HTTP 401", "not found", "HTTP 500 · 2 retries");
the client counts the tries a failed call took (newcomer #5)."""

import httpx
import pytest

from tui.api import DashScopeClient
from tui.api.errors import (
    InvalidParameterError,
    OutcomeUnknownError,
    ProtocolError,
    ServerError,
    TransportError,
    error_for_status,
)


async def no_sleep(seconds: float) -> None:
    return None


@pytest.mark.parametrize(("status", "words"), [(401, "HTTP 401"), (403, "HTTP 403"), (404, "not found"),
                                                (429, "HTTP 429"), (500, "HTTP 500"), (400, "HTTP 400")])
def test_an_api_error_in_a_few_words(status, words):
    assert error_for_status(status, "Code", "a long message from the server", "req-1", operation="list").brief() == words


def test_transport_and_protocol_errors_in_a_few_words():
    assert TransportError("list", "cannot connect to http://x (refused)").brief() == "cannot connect"
    assert TransportError("list", "timed out (ReadTimeout)").brief() == "timed out"
    assert TransportError("list", "connection broken (ReadError: x)").brief() == "connection broken"
    assert ProtocolError("list", 200, "<html>").brief() == "HTTP 200 · not an API answer"
    cause = error_for_status(503, None, None, None, operation="create")
    assert OutcomeUnknownError("create", cause).brief() == "outcome unknown"


async def test_the_client_counts_the_retries_of_a_safe_call():
    def always_500(request):
        return httpx.Response(500, json={"code": "InternalError", "message": "boom", "request_id": "r"})

    async with DashScopeClient(api_key="k", base_url="http://server.test/api/v1", sleep=no_sleep,
                               transport=httpx.MockTransport(always_500)) as client:
        with pytest.raises(ServerError) as info:
            await client.list_messages("thread_1")
    assert info.value.brief() == "HTTP 500 · 2 retries"


async def test_a_create_is_not_retried_so_no_retries_are_named():
    def always_400(request):
        return httpx.Response(400, json={"code": "InvalidParameter", "message": "no", "request_id": "r"})

    async with DashScopeClient(api_key="k", base_url="http://server.test/api/v1", sleep=no_sleep,
                               transport=httpx.MockTransport(always_400)) as client:
        with pytest.raises(InvalidParameterError) as info:
            await client.create_thread()
    assert info.value.brief() == "HTTP 400"
