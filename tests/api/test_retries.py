"""Safe operations retry on 429/5xx and connection failures, honouring Retry-After; creates never repeat."""

import httpx
import pytest

from tests.conftest import TEST_BASE_URL
from tui.api import DashScopeClient, RateLimitError, ServerError, TransportError
from tui.api.calls import parse_retry_after


class Faults(httpx.AsyncBaseTransport):
    """Answers the first requests from a script, then passes the rest to the real emulator."""

    def __init__(self, inner: httpx.AsyncBaseTransport, script: list):
        self.inner = inner
        self.script = list(script)
        self.seen: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.method, request.url.path))
        if self.script:
            fault = self.script.pop(0)
            if isinstance(fault, Exception):
                raise fault
            status, headers = fault
            return httpx.Response(status, json={"code": "X", "message": "injected", "request_id": "inj"}, headers=headers)
        return await self.inner.handle_async_request(request)


@pytest.fixture
def slept():
    return []


def client_with(emulator_app, script, slept, **kwargs):
    async def record(seconds):
        slept.append(seconds)

    faults = Faults(httpx.ASGITransport(app=emulator_app), script)
    return faults, DashScopeClient(api_key="k", base_url=TEST_BASE_URL, transport=faults, sleep=record, **kwargs)


async def test_429_then_200_waits_retry_after_and_succeeds(emulator_app, client, slept):
    thread = await client.create_thread()
    await client.create_message(thread.id, "hello")
    faults, retrying = client_with(emulator_app, [(429, {"Retry-After": "3"})], slept)
    async with retrying:
        page = await retrying.list_messages(thread.id)
    assert [m.text for m in page.data] == ["hello"]
    assert slept == [3.0]
    assert len(faults.seen) == 2


async def test_retries_stop_after_three_tries(emulator_app, client, slept):
    thread = await client.create_thread()
    faults, retrying = client_with(emulator_app, [(503, {}), (502, {}), (500, {}), (200, {})], slept)
    async with retrying:
        with pytest.raises(ServerError) as info:
            await retrying.retrieve_thread(thread.id)
    assert info.value.status == 500
    assert len(faults.seen) == 3
    assert len(slept) == 2 and all(0 <= s <= 8 for s in slept)


async def test_modify_is_retried_and_lands_once(emulator_app, client, slept):
    thread = await client.create_thread()
    message = await client.create_message(thread.id, "x")
    faults, retrying = client_with(emulator_app, [(500, {}), httpx.ConnectError("refused")], slept)
    async with retrying:
        updated = await retrying.modify_message(thread.id, message.id, metadata={"a": "1"})
    assert updated.metadata == {"a": "1"}
    assert (await client.retrieve_message(thread.id, message.id)).metadata == {"a": "1"}


@pytest.mark.parametrize("fault", [(500, {}), (503, {"Retry-After": "1"}), httpx.ReadError("reset"), httpx.ReadTimeout("slow")])
async def test_create_message_is_never_retried_once_sent(emulator_app, client, slept, fault):
    thread = await client.create_thread()
    faults, retrying = client_with(emulator_app, [fault], slept)
    async with retrying:
        with pytest.raises((ServerError, TransportError)):
            await retrying.create_message(thread.id, "only once")
    assert faults.seen == [("POST", f"/api/v1/threads/{thread.id}/messages")]
    assert slept == []
    assert (await client.list_messages(thread.id)).data == []


async def test_create_is_retried_when_the_connection_never_opened(emulator_app, client, slept):
    thread = await client.create_thread()
    faults, retrying = client_with(emulator_app, [httpx.ConnectError("refused")], slept)
    async with retrying:
        await retrying.create_message(thread.id, "after reconnect")
    assert [m.text for m in (await client.list_messages(thread.id)).data] == ["after reconnect"]


async def test_rate_limit_error_carries_retry_after_when_tries_run_out(emulator_app, slept):
    faults, retrying = client_with(emulator_app, [(429, {"Retry-After": "7"})] * 3, slept)
    async with retrying:
        with pytest.raises(RateLimitError) as info:
            await retrying.list_messages("thread_x")
    assert info.value.retry_after == 7.0
    assert "7 s" in info.value.describe()


def test_parse_retry_after_forms():
    assert parse_retry_after("2.5") == 2.5
    assert parse_retry_after("100000") == 60.0
    assert parse_retry_after("garbage") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
