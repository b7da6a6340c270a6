"""The official openai SDK, unmodified, against the emulator's conversation routes on a real loopback socket."""

import openai
import pytest
from openai import OpenAI

KEY = "openai-sdk-test-key"


@pytest.fixture(params=["/compatible-mode/v1", "/api/v2/apps/protocols/compatible-mode/v1"])
def sdk(live_server, request):
    server = live_server(api_key=KEY)
    base = server.base_url.replace("/api/v1", request.param)
    with OpenAI(base_url=base, api_key=KEY, max_retries=0) as client:
        yield client


def texts(items):
    return [item.content[0].text for item in items]


def test_conversation_round_trip(sdk):
    conv = sdk.conversations.create(
        items=[{"type": "message", "role": "system", "content": "be brief"}, {"role": "user", "content": "你好"}],
        metadata={"suite": "openai"},
    )
    assert conv.id.startswith("conv_") and conv.object == "conversation"
    assert conv.created_at > 1_700_000_000_000 and conv.metadata == {"suite": "openai"}
    assert sdk.conversations.retrieve(conv.id).metadata == {"suite": "openai"}

    updated = sdk.conversations.update(conv.id, metadata={"reviewed": "yes"})
    assert updated.metadata == {"reviewed": "yes"}  # replaced, not merged
    assert sdk.conversations.retrieve(conv.id).metadata == {"reviewed": "yes"}

    created = sdk.conversations.items.create(conv.id, items=[
        {"type": "message", "role": "assistant", "content": "hi"},
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "note"}]},
    ])
    assert texts(created.data) == ["hi", "note"] and created.has_more is False
    assert created.first_id == created.data[0].id and created.last_id == created.data[1].id
    assert created.data[0].content[0].type == "output_text"

    listed = sdk.conversations.items.list(conv.id, order="asc")
    assert [i.role for i in listed.data] == ["system", "user", "assistant", "developer"]
    assert texts(listed.data) == ["be brief", "你好", "hi", "note"]

    one = sdk.conversations.items.retrieve(created.data[0].id, conversation_id=conv.id)
    assert one.id == created.data[0].id and one.role == "assistant" and one.status == "completed"

    sdk.conversations.items.delete(created.data[0].id, conversation_id=conv.id)
    assert texts(sdk.conversations.items.list(conv.id, order="asc").data) == ["be brief", "你好", "note"]

    deleted = sdk.conversations.delete(conv.id)
    assert deleted.deleted is True and deleted.id == conv.id
    with pytest.raises(openai.NotFoundError):
        sdk.conversations.retrieve(conv.id)
    with pytest.raises(openai.NotFoundError):
        sdk.conversations.items.list(conv.id)


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_auto_paging_walks_every_item_once_in_order(sdk, order):
    conv = sdk.conversations.create()
    sent = []
    for batch in range(3):
        items = [{"role": "user", "content": f"{batch}-{n}"} for n in range(20)]
        sdk.conversations.items.create(conv.id, items=items)
        sent += [i["content"] for i in items]
    sdk.conversations.items.create(conv.id, items=[{"role": "assistant", "content": "last"}])
    sent.append("last")
    walked = texts(sdk.conversations.items.list(conv.id, order=order, limit=7))
    assert walked == (sent if order == "asc" else sent[::-1])


def test_error_cases_raise_the_sdk_exceptions(sdk):
    conv = sdk.conversations.create(items=[{"role": "user", "content": "x"}])
    with pytest.raises(openai.NotFoundError) as info:
        sdk.conversations.retrieve("conv_missing")
    assert info.value.status_code == 404 and "not found" in info.value.message
    with pytest.raises(openai.NotFoundError):
        sdk.conversations.items.retrieve("msg_missing", conversation_id=conv.id)
    with pytest.raises(openai.BadRequestError) as info:
        sdk.conversations.items.create(conv.id, items=[{"role": "tool", "content": "x"}])
    assert info.value.code == "invalid_parameter_error"
    with pytest.raises(openai.BadRequestError):
        sdk.conversations.items.list(conv.id, after="msg_nope")
    with pytest.raises(openai.BadRequestError):
        sdk.conversations.create(metadata={f"k{i}": "v" for i in range(17)})
    with pytest.raises(openai.BadRequestError):
        sdk.conversations.items.create(conv.id, items=[{"role": "user", "content": "x"}] * 21)
    wrong = OpenAI(base_url=str(sdk.base_url), api_key="wrong-key", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as info:
        wrong.conversations.retrieve(conv.id)
    assert info.value.code == "invalid_api_key"
    wrong.close()
