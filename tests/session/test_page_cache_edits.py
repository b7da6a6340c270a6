"""The session's page cache after a message changes while another page is shown: saving or
undoing an edit, then paging away and back, shows what the server holds now — never a page
remembered from before the change. Driven through the session core (no Textual) on the real
emulator, against the server's own copy as the model; the clock stands still, so every
remembered page is still fresh by its TTL and only the cache's invalidation can save it."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from tui.api import DashScopeClient
from tui.api.errors import TransportError
from tui.emulator import create_app
from tui.emulator.faults import FaultInjector, parse_faults
from tui.journal import EditJournal, UndoRefused
from tui.session import AlreadySaved, Saved, SaveFailed, Session, ThreadSource

VALUES = st.sampled_from(["x", "y", "z"])


class CachedPagesMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.runner = asyncio.Runner()
        self.scratch = Path(tempfile.mkdtemp(prefix="cache-edits-"))
        app = create_app(self.scratch / "db.sqlite3")
        self.faults = FaultInjector(app, [])
        self.client = DashScopeClient(api_key="k", base_url="http://emulator.test/api/v1", max_tries=1,
                                      transport=httpx.ASGITransport(app=self.faults, raise_app_exceptions=False))
        self.session: Session | None = None

    def run(self, coroutine):
        return self.runner.run(coroutine)

    def teardown(self) -> None:
        self.run(self.client.aclose())
        self.runner.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    async def server_metadata(self) -> dict[str, dict]:
        return {m.id: m.metadata_dict async for m in self.client.iter_messages(self.thread_id)}

    def check_page_is_the_servers(self) -> None:
        held = self.run(self.server_metadata())
        shown = {m.id: m.metadata_dict for m in self.session.store.page}
        assert shown == {i: held[i] for i in shown}, "a page shows metadata the server no longer holds"

    @initialize(size=st.integers(4, 12), page_size=st.integers(1, 4))
    def start(self, size, page_size):
        self.thread_id = self.run(self.client.create_thread()).id
        for n in range(size):
            self.run(self.client.create_message(self.thread_id, f"m{n}", metadata={"v": "0"}))
        journal = EditJournal(self.scratch / "journal.jsonl")
        self.session = Session(ThreadSource(self.client, self.thread_id), page_size=page_size, journal=journal,
                               clock=lambda: 0.0)
        self.run(self.session.first())

    # -- paging: every page reached this way must be the server's --------------------------------

    @rule()
    def next_page(self):
        self.run(self.session.next_page())
        self.run(self.session.prefetch())  # as the browser does after each page
        self.check_page_is_the_servers()

    @rule()
    def prev_page(self):
        self.run(self.session.prev_page())
        self.check_page_is_the_servers()

    @rule(step=st.sampled_from([1, -1]))
    def move(self, step):
        self.run(self.session.move(step))
        self.check_page_is_the_servers()

    # -- changes -----------------------------------------------------------------------------

    @rule(value=VALUES)
    def save_selected(self, value):
        message = self.session.store.selected
        outcome = self.run(self.session.writes.save(message.id, message.metadata_dict, {"v": value}))
        assert isinstance(outcome, Saved | AlreadySaved), outcome
        self.check_page_is_the_servers()

    @rule()
    def undo(self):
        try:
            self.run(self.session.undo_last_edit())
        except UndoRefused:
            return
        self.check_page_is_the_servers()


CachedPagesMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=25, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestCachedPagesAfterEdits = CachedPagesMachine.TestCase


def test_save_then_page_away_and_back_shows_the_saved_state_and_so_does_undo():
    """By hand: pages 1 → 2 → 3 → 2 (page 2 now remembered), save on page 2, → 3 → 2; undo on 3, → 2."""
    machine = CachedPagesMachine()
    try:
        machine.start(size=12, page_size=3)
        machine.next_page()
        machine.next_page()
        machine.prev_page()
        saved = machine.session.store.selected_id
        machine.save_selected(value="x")
        machine.next_page()
        machine.prev_page()
        assert saved in [m.id for m in machine.session.store.page]
        assert {m.id: m.metadata_dict["v"] for m in machine.session.store.page}[saved] == "x"
        machine.next_page()
        machine.undo()
        machine.prev_page()
        assert {m.metadata_dict["v"] for m in machine.session.store.page} == {"0"}
    finally:
        machine.teardown()


def test_a_save_whose_answer_is_lost_does_not_leave_a_remembered_page_stale():
    machine = CachedPagesMachine()
    try:
        machine.start(size=12, page_size=3)
        machine.next_page()
        machine.next_page()
        machine.prev_page()  # page 2 is now remembered as the page before page 3
        message = machine.session.store.selected
        machine.faults.rules = parse_faults("update:lost")
        outcome = machine.run(machine.session.writes.save(message.id, message.metadata_dict, {"v": "lost"}))
        machine.faults.rules = []
        assert isinstance(outcome, SaveFailed)
        assert machine.run(machine.client.retrieve_message(machine.thread_id, message.id)).metadata_dict == {"v": "lost"}
        machine.next_page()
        machine.prev_page()  # checks that page 2 is what the server holds
    finally:
        machine.teardown()


async def test_a_prefetch_read_before_a_save_is_not_remembered_after_it(client):
    """The prefetch's page is read, then a save clears the cache, then the prefetch finishes."""
    thread_id = (await client.create_thread()).id
    for n in range(8):  # four pages of two: the prefetched third has more after it, so it may be kept
        await client.create_message(thread_id, f"m{n}", metadata={"v": "0"})
    source = ThreadSource(client, thread_id)
    session = Session(source, page_size=2, clock=lambda: 0.0)
    await session.first()
    await session.next_page()  # page 2 of 4
    read, release = asyncio.Event(), asyncio.Event()
    list_page = source.list_page

    async def held(**kwargs):
        page = await list_page(**kwargs)
        read.set()  # the server has answered: the page holds the old metadata
        await release.wait()
        return page

    source.list_page = held
    prefetch = asyncio.create_task(session.prefetch())
    await read.wait()
    third = (await client.list_messages(thread_id, limit=2, order="desc", after=session.store.page[-1].id)).data[0]
    saved = await client.modify_message(thread_id, third.id, metadata={"v": "new"})
    session.message_saved(saved)  # as the save flow does: the cache is cleared
    release.set()
    await prefetch
    source.list_page = list_page
    assert len(session.cache) == 0
    await session.next_page()
    assert {m.id: m.metadata_dict for m in session.store.page}[third.id] == {"v": "new"}


def test_a_save_lost_and_not_re_read_leaves_the_page_on_show_unremembered():
    """The page on show keeps the old metadata (the re-read failed): leaving it must not keep it
    as the page to come back to."""
    machine = CachedPagesMachine()
    try:
        machine.start(size=12, page_size=3)
        machine.next_page()
        machine.next_page()
        machine.prev_page()  # page 2
        message = machine.session.store.selected
        writes = machine.session.writes
        read = writes.read
        reads = []

        async def first_read_only(entry_id):
            reads.append(entry_id)
            if len(reads) > 1:  # the re-read after the lost answer
                raise TransportError("retrieve message", "connection reset")
            return await read(entry_id)

        writes.read = first_read_only
        machine.faults.rules = parse_faults("update:lost")
        outcome = machine.run(writes.save(message.id, message.metadata_dict, {"v": "lost"}))
        machine.faults.rules = []
        writes.read = read
        assert isinstance(outcome, SaveFailed) and len(reads) == 2
        assert machine.session.store.selected.metadata_dict == {"v": "0"}  # what is on show is stale now
        machine.next_page()
        machine.prev_page()  # checks that page 2 is what the server holds
        assert {m.id: m.metadata_dict for m in machine.session.store.page}[message.id] == {"v": "lost"}
    finally:
        machine.teardown()
