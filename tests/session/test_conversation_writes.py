"""The session's write flows on a conversation (and on a thread's own metadata), without Textual."""

from __future__ import annotations

import json

import httpx
import pytest

from tui.api import DashScopeClient
from tui.emulator import create_app
from tui.emulator.faults import FaultInjector, parse_faults
from tui.journal import EditJournal, UndoRefused
from tui.session import (
    Conflict,
    ConversationSource,
    Deleted,
    DeleteFailed,
    Posted,
    Saved,
    SendFailed,
    Session,
    ThreadSource,
)


async def no_sleep(seconds: float) -> None:
    """Retries are recorded, not waited for."""


@pytest.fixture
async def setup(tmp_path):
    faults = FaultInjector(create_app(tmp_path / "db.sqlite3"), [])
    client = DashScopeClient(api_key="test-key", base_url="http://emulator.test/api/v1",
                             transport=httpx.ASGITransport(app=faults), sleep=no_sleep)
    conversation = await client.create_conversation(
        items=[{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}], metadata={"a": "1"})
    journal = EditJournal(tmp_path / "journal.jsonl", "test")
    session = Session(ConversationSource(client, conversation.id), page_size=10, journal=journal)
    await session.first()
    yield session, client, faults, journal
    await client.aclose()


async def texts(client, conversation_id):
    return [item.text async for item in client.iter_items(conversation_id)]


async def test_owner_save_replaces_the_conversations_metadata_and_undo_puts_it_back(setup):
    session, client, _, journal = setup
    owner = await session.read_owner()
    outcome = await session.owner_writes.save(owner.id, {"a": "1"}, {"a": "1", "b": "2"})
    assert isinstance(outcome, Saved) and outcome.message.metadata_dict == {"a": "1", "b": "2"}
    assert session.owner.metadata_dict == {"a": "1", "b": "2"}
    [entry] = journal.entries()
    assert (entry.target, entry.thread_id, entry.before, entry.state) == ("conversation", owner.id, {"a": "1"}, "saved")
    restored = await session.undo_last_edit()
    assert restored.metadata_dict == {"a": "1"} == (await client.retrieve_conversation(owner.id)).metadata_dict


async def test_owner_save_sends_nothing_when_the_metadata_changed_meanwhile(setup):
    session, client, _, journal = setup
    await client.update_conversation(session.source.id, metadata={"z": "9"})
    outcome = await session.owner_writes.save(session.source.id, {"a": "1"}, {"a": "1", "b": "2"})
    assert isinstance(outcome, Conflict) and outcome.current.metadata_dict == {"z": "9"}
    assert (await client.retrieve_conversation(session.source.id)).metadata_dict == {"z": "9"}
    assert journal.entries() == []


async def test_undo_refuses_when_the_conversation_changed_since(setup):
    session, client, _, _ = setup
    await session.owner_writes.save(session.source.id, {"a": "1"}, {"b": "2"})
    await client.update_conversation(session.source.id, metadata={"c": "3"})
    with pytest.raises(UndoRefused, match="Edit it by hand with E"):
        await session.undo_last_edit()


async def test_thread_owner_save_replaces_the_threads_metadata(tmp_path):
    client = DashScopeClient(api_key="test-key", base_url="http://emulator.test/api/v1",
                             transport=httpx.ASGITransport(app=create_app(tmp_path / "db.sqlite3")))
    try:
        thread = await client.create_thread(metadata={"k": "v"})
        session = Session(ThreadSource(client, thread.id), journal=EditJournal(tmp_path / "j.jsonl", "t"))
        outcome = await session.owner_writes.save(thread.id, {"k": "v"}, {"owner": "ops"})
        assert isinstance(outcome, Saved)
        assert (await client.retrieve_thread(thread.id)).metadata_dict == {"owner": "ops"}  # replaced, not merged
    finally:
        await client.aclose()


async def test_an_item_whose_answer_was_lost_is_found_not_sent_again(setup):
    session, client, faults, _ = setup
    flow = session.compose_flow()
    faults.rules = parse_faults("create_items:lostx1")
    failed = await flow.send("hello", None, "developer")
    assert isinstance(failed, SendFailed) and failed.uncertain
    again = await flow.send("hello", None, "developer")
    assert isinstance(again, Posted) and again.earlier and again.message.role == "developer"
    assert await texts(client, session.source.id) == ["be brief", "hi", "hello"]


async def test_an_earlier_identical_item_is_not_mistaken_for_the_lost_one(setup):
    session, client, faults, _ = setup
    flow = session.compose_flow()
    faults.rules = parse_faults("create_items:503x1")  # refused, but a 5xx: the outcome counts as unknown
    assert isinstance(await flow.send("hi", None), SendFailed) and flow.uncertain
    again = await flow.send("hi", None)  # "hi" was there before the first attempt: that one is not it
    assert isinstance(again, Posted) and not again.earlier
    assert await texts(client, session.source.id) == ["be brief", "hi", "hi"]


async def test_delete_keeps_the_items_json_in_the_journal_first(setup):
    session, client, faults, journal = setup
    session.select(session.store.page[-1].id)  # the system item (newest first: it is last)
    doomed = session.store.selected
    faults.rules = parse_faults("delete_item:404x1")
    failed = await session.delete_selected()
    assert isinstance(failed, DeleteFailed)
    outcome = await session.delete_selected()
    assert isinstance(outcome, Deleted) and outcome.item.id == doomed.id
    assert await texts(client, session.source.id) == ["hi"]
    assert [e.id for e in session.store.page] != [] and doomed.id not in [e.id for e in session.store.page]
    records = [json.loads(line) for line in journal.path.read_text().splitlines()]
    kept = [r for r in records if r.get("kind") == "delete"]
    assert len(kept) == 2 and all(r["deleted"] == doomed.raw for r in kept)
    assert [e.state for e in journal.entries() if e.kind == "delete"] == ["failed", "saved"]
