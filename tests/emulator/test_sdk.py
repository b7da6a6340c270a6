"""The official dashscope SDK, unmodified, against `threadscope serve`'s app on a real loopback socket."""

import warnings

import dashscope
import pytest
from dashscope import Messages, Threads

KEY = "sdk-test-key"


@pytest.fixture
def sdk(live_server, monkeypatch):
    server = live_server(api_key=KEY)
    monkeypatch.setattr(dashscope, "base_http_api_url", server.base_url)
    warnings.simplefilter("ignore", DeprecationWarning)
    return server


def test_sdk_full_round_trip(sdk):
    thread = Threads.create(api_key=KEY, metadata={"suite": "sdk"})
    assert thread.status_code == 200 and thread.id.startswith("thread_")

    created = [
        Messages.create(thread.id, content=f"消息 {i} · message {i}", metadata={"n": str(i)}, api_key=KEY)
        for i in range(25)
    ]
    assert all(m.status_code == 200 for m in created)
    ids = [m.id for m in created]

    asc = Messages.list(thread.id, limit=100, order="asc", api_key=KEY)
    assert [m.id for m in asc.data] == ids
    assert asc.has_more is False and asc.first_id == ids[0] and asc.last_id == ids[-1]
    desc = Messages.list(thread.id, limit=100, order="desc", api_key=KEY)
    assert [m.id for m in desc.data] == ids[::-1]

    collected, after = [], None
    while True:
        page = Messages.list(thread.id, limit=4, order="asc", after=after, api_key=KEY)
        collected += [m.id for m in page.data]
        if not page.has_more:
            break
        after = page.last_id
    assert collected == ids

    for original in (created[0], created[24]):
        got = Messages.retrieve(original.id, thread_id=thread.id, api_key=KEY)
        for field in ("id", "object", "created_at", "thread_id", "role", "assistant_id", "run_id", "metadata",
                      "tool_calls", "plugin_call", "status", "name"):
            assert getattr(got, field) == getattr(original, field), field
        assert got.content[0].text.value == original.content[0].text.value
        assert got.content[0].text.annotations == []

    updated = Messages.update(ids[3], thread_id=thread.id, metadata={"reviewed": "yes"}, api_key=KEY)
    assert updated.status_code == 200
    assert updated.metadata == {"reviewed": "yes"}  # replaced, not merged: "n" is gone
    again = Messages.retrieve(ids[3], thread_id=thread.id, api_key=KEY)
    assert again.metadata == {"reviewed": "yes"}

    assert Threads.retrieve(thread.id, api_key=KEY).metadata == {"suite": "sdk"}
    assert Threads.update(thread.id, metadata={"suite": "done"}, api_key=KEY).metadata == {"suite": "done"}
    deleted = Threads.delete(thread.id, api_key=KEY)
    assert deleted.status_code == 200 and deleted.deleted is True
    assert Threads.retrieve(thread.id, api_key=KEY).status_code == 404


def test_sdk_threads_create_with_no_arguments(sdk):
    thread = Threads.create(api_key=KEY)
    assert thread.status_code == 200
    assert thread.metadata == {}


@pytest.mark.parametrize(
    ("call", "status", "code"),
    [
        (lambda t: Messages.create(t, content="hi", role="assistant", api_key=KEY), 400, "InvalidParameter"),
        (lambda t: Messages.create("thread_nope", content="hi", api_key=KEY), 404, "NotFound"),
        (lambda t: Messages.list(t, limit=0, api_key=KEY), 400, "InvalidParameter"),
        (lambda t: Messages.list(t, after="message_nope", api_key=KEY), 400, "InvalidParameter"),
        (lambda t: Messages.retrieve("message_nope", thread_id=t, api_key=KEY), 404, "NotFound"),
        (lambda t: Messages.update("message_nope", thread_id=t, metadata={"a": "b"}, api_key=KEY), 404, "NotFound"),
        (lambda t: Messages.create(t, content="hi", metadata={"k": "v" * 513}, api_key=KEY), 400, "InvalidParameter"),
        (lambda t: Messages.list(t, api_key="wrong-key"), 401, "InvalidApiKey"),
    ],
)
def test_sdk_reports_errors_without_crashing(sdk, call, status, code):
    thread = Threads.create(api_key=KEY)
    result = call(thread.id)
    assert result.status_code == status
    assert result.code == code
    assert result.message
    assert result.request_id
