"""Thread calls at the client level: metadata is replaced, never merged; text that cannot be
sent is refused before sending, on every route."""

import pytest

from tui.api import ValidationError


async def test_modify_thread_replaces_its_metadata_and_an_empty_object_clears_it(client):
    thread = await client.create_thread(metadata={"a": "1", "b": "2"})
    assert (await client.modify_thread(thread.id, metadata={"b": "3", "c": "4"})).metadata == {"b": "3", "c": "4"}
    assert (await client.retrieve_thread(thread.id)).metadata == {"b": "3", "c": "4"}  # "a" is gone: replaced
    assert (await client.modify_thread(thread.id, metadata={})).metadata == {}
    assert (await client.retrieve_thread(thread.id)).metadata == {}


@pytest.mark.parametrize("call", [
    lambda c, t: c.create_message(t, "broken \ud800 paste"),
    lambda c, t: c.modify_thread(t, metadata={"k": "\udfff"}),
    lambda c, t: c.list_messages(t, metadata={"k": "\ud800"}),
    lambda c, t: c.retrieve_message(t, "message_\ud800"),
    lambda c, t: c.create_items("conv_\ud800", [{"role": "user", "content": "x"}]),
    lambda c, t: c.create_items("conv_1", [{"role": "user", "content": "\ud800"}]),
])
async def test_a_lone_surrogate_is_refused_before_sending_not_a_traceback(client, call):
    thread = await client.create_thread()
    with pytest.raises(ValidationError) as info:
        await call(client, thread.id)
    assert "not valid Unicode" in str(info.value) and "nothing was sent" in str(info.value)
