"""The session's write flows without Textual: what the server holds afterwards, and the journal."""

from __future__ import annotations

import httpx
import pytest

from tui.api import DashScopeClient
from tui.emulator import create_app
from tui.emulator.faults import FaultInjector, parse_faults
from tui.journal import EditJournal
from tui.session import AlreadySaved, Conflict, Posted, Saved, SaveFailed, SendFailed, Session, ThreadSource


async def no_sleep(seconds: float) -> None:
    """Retries are recorded, not waited for."""


@pytest.fixture
async def setup(tmp_path):
    faults = FaultInjector(create_app(tmp_path / "db.sqlite3"), [])
    client = DashScopeClient(api_key="test-key", base_url="http://emulator.test/api/v1",
                             transport=httpx.ASGITransport(app=faults), sleep=no_sleep)
    thread = await client.create_thread()
    for i in range(3):
        await client.create_message(thread.id, f"m{i}", metadata={"n": str(i)})
    journal = EditJournal(tmp_path / "journal.jsonl", "test")
    session = Session(ThreadSource(client, thread.id), page_size=10, journal=journal)
    await session.first()
    yield session, client, faults, journal
    await client.aclose()


async def test_save_replaces_the_metadata_journals_it_and_shows_the_saved_copy(setup):
    session, client, _, journal = setup
    message = session.store.selected
    outcome = await session.writes.save(message.id, {"n": "2"}, {"n": "2", "k": "v"})
    assert isinstance(outcome, Saved) and outcome.message.metadata_dict == {"n": "2", "k": "v"}
    assert (await client.retrieve_message(message.thread_id, message.id)).metadata_dict == {"n": "2", "k": "v"}
    assert session.store.selected.metadata_dict == {"n": "2", "k": "v"}  # the page holds the re-read copy
    entry = journal.last_saved_edit()
    assert (entry.message_id, entry.before, entry.after) == (message.id, {"n": "2"}, {"n": "2", "k": "v"})


async def test_a_change_made_elsewhere_is_a_conflict_and_nothing_is_sent(setup):
    session, client, _, journal = setup
    message = session.store.selected
    await client.modify_message(message.thread_id, message.id, metadata={"theirs": "1"})
    outcome = await session.writes.save(message.id, {"n": "2"}, {"mine": "1"})
    assert isinstance(outcome, Conflict) and outcome.current.metadata_dict == {"theirs": "1"}
    assert (await client.retrieve_message(message.thread_id, message.id)).metadata_dict == {"theirs": "1"}
    assert journal.entries() == []
    again = await session.writes.save(message.id, {"n": "2"}, {"theirs": "1"})
    assert isinstance(again, AlreadySaved)


async def test_a_failed_save_is_journalled_as_failed_and_the_server_unchanged(setup):
    session, client, faults, journal = setup
    message = session.store.selected
    faults.rules = parse_faults("update:400")
    outcome = await session.writes.save(message.id, {"n": "2"}, {"n": "3"})
    assert isinstance(outcome, SaveFailed) and outcome.headline == "The server did not save the metadata."
    faults.rules = []
    assert (await client.retrieve_message(message.thread_id, message.id)).metadata_dict == {"n": "2"}
    assert [e.state for e in journal.entries()] == ["failed"]


async def test_undo_puts_back_what_the_edit_replaced(setup):
    session, client, _, _ = setup
    message = session.store.selected
    await session.writes.save(message.id, {"n": "2"}, {"n": "changed"})
    restored = await session.undo_last_edit()
    assert restored.metadata_dict == {"n": "2"} == session.store.selected.metadata_dict


async def test_compose_after_a_lost_answer_finds_the_message_instead_of_sending_again(setup):
    session, client, faults, _ = setup
    flow = session.compose_flow()
    faults.rules = parse_faults("create:lostx1")
    first = await flow.send("only once", None)
    assert isinstance(first, SendFailed) and first.uncertain
    faults.rules = []
    second = await flow.send("only once", None)
    assert isinstance(second, Posted) and second.earlier
    texts = [m.text async for m in client.iter_messages(session.source.id)]
    assert texts.count("only once") == 1
    await session.show_created(second.message)
    assert session.store.selected_id == second.message.id == session.store.page[0].id


async def test_compose_rejected_by_the_server_is_certain_and_sends_again(setup):
    session, client, faults, _ = setup
    flow = session.compose_flow()
    faults.rules = parse_faults("create:400x1")
    failed = await flow.send("hello", {"k": "v"})
    assert isinstance(failed, SendFailed) and not failed.uncertain
    assert failed.headline == "The message was not created."
    posted = await flow.send("hello", {"k": "v"})
    assert isinstance(posted, Posted) and not posted.earlier and posted.message.metadata_dict == {"k": "v"}
