"""The batch / record / reconcile logic against a plain model of the server, faults and crashes included.

Whatever fails — an answer lost after the server wrote, a reset before or after it wrote,
a timeout, a 503, a 429, the process dying between two states of the record — the
conversation only ever holds a prefix of the source's items, and a run to the end holds
exactly them, in order, once.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tui.migrate import MigrationRecord, Migrator, Options, RateGate
from tui.migrate.mapping import map_message, signature

from .model import FAULTS, FakeClock, ModelServer, message


class Crash(BaseException):
    """The process dies here (nothing after this point runs, the record keeps what was committed)."""


class CrashingRecord(MigrationRecord):
    """The real record, which can die at one point after letting `after` batch steps through."""

    def __init__(self, path, backend, crash=None):
        super().__init__(path, backend)
        self.crash = crash

    def _maybe_die(self, point):
        if self.crash and self.crash[0] == point:
            if self.crash[1] == 0:
                raise Crash(point)
            self.crash = (point, self.crash[1] - 1)

    def mark_sent(self, batch, after_item):
        self._maybe_die("before_sent")
        super().mark_sent(batch, after_item)
        self._maybe_die("after_sent")

    def confirm(self, batch, item_ids):
        self._maybe_die("before_confirm")
        super().confirm(batch, item_ids)


texts = st.text(alphabet=st.sampled_from("ab 中文🎉\n"), max_size=6)
source_messages = st.lists(
    st.one_of(
        st.builds(lambda role, parts: ("text", role, parts), st.sampled_from(["user", "assistant"]),
                  st.lists(texts, min_size=1, max_size=3)),
        st.just(("tool", "assistant", [""])),
    ),
    max_size=70,
)


def build_messages(spec):
    out = []
    for kind, role, parts in spec:
        extra = {"tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "{}"}}]} if kind == "tool" else {}
        out.append(message("thread_x", role, parts, **extra))
    return out


def run_once(server, path, clock, crash=None, *, max_tries=3, thread_id=None, **options):
    record = CrashingRecord(path, "model", crash)
    migrator = Migrator(server, record, Options(max_tries=max_tries, **options), sleep=clock.sleep,
                        gate=RateGate(clock.sleep, clock))
    try:
        return asyncio.run(migrator.migrate_thread(thread_id))
    except Crash:
        return None
    finally:
        record.close()


class MigrationMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.dir = Path(tempfile.mkdtemp())
        self.path = self.dir / "migrations.sqlite3"
        self.server = ModelServer()
        self.clock = FakeClock()
        self.crash = None

    @initialize(spec=source_messages)
    def make_thread(self, spec):
        messages = build_messages(spec)
        self.thread_id = self.server.add_thread(messages, {"team": "a"})
        self.expected = [signature(m.item) for m in map(map_message, messages) if m.item is not None]

    @rule(fault=st.sampled_from(sorted(FAULTS)))
    def arm_fault(self, fault):
        self.server.faults.append(fault)

    @rule()
    def arm_list_fault(self):
        self.server.list_faults += 1

    @rule(point=st.sampled_from(["before_sent", "after_sent", "before_confirm"]), after=st.integers(0, 3))
    def arm_crash(self, point, after):
        self.crash = (point, after)

    @rule()
    def run(self):
        crash, self.crash = self.crash, None
        run_once(self.server, self.path, self.clock, crash, thread_id=self.thread_id)

    @invariant()
    def nothing_doubled_nothing_out_of_order(self):
        assert len(self.server.conversations) <= 1
        for items in self.server.conversations.values():
            held = [signature(item) for item in items]
            assert held == self.expected[: len(held)]

    def teardown(self):
        try:
            self.server.faults.clear()
            self.server.list_faults = 0
            result = None
            for _ in range(3):
                result = run_once(self.server, self.path, self.clock, thread_id=self.thread_id)
                if result.error is None:
                    break
            assert result.verified and result.error is None, result
            assert result.items == len(self.expected)
            (items,) = self.server.conversations.values()
            assert [signature(item) for item in items] == self.expected
            writes = self.server.calls.count("create_items")
            again = run_once(self.server, self.path, self.clock, thread_id=self.thread_id)
            assert again.already and again.conversation_id == result.conversation_id
            assert self.server.calls.count("create_items") == writes
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


TestMigrationMachine = MigrationMachine.TestCase
TestMigrationMachine.settings = settings(max_examples=60, stateful_step_count=12, deadline=None,
                                         suppress_health_check=[HealthCheck.too_slow])


# -- examples -----------------------------------------------------------------------------------


@pytest.fixture
def world(tmp_path):
    server = ModelServer()
    messages = [message("t", "user" if i % 2 else "assistant", [f"m{i}"]) for i in range(45)]
    return server, server.add_thread(messages), tmp_path / "migrations.sqlite3", FakeClock()


def test_a_lost_answer_is_found_in_the_conversation_and_not_sent_again(world):
    server, thread_id, path, clock = world
    server.faults = ["lost"]
    result = run_once(server, path, clock, thread_id=thread_id)
    assert result.verified and result.items == 45
    assert server.calls.count("create_items") == 3  # the lost batch was confirmed from the conversation
    record = MigrationRecord(path, "model")
    (batch0, *_) = record.batches(record.latest(thread_id).id)
    assert batch0.state == "confirmed" and len(batch0.item_ids) == 20


def test_a_deleted_target_conversation_is_reported_and_the_record_marks_it_failed(world):
    server, thread_id, path, clock = world
    run_once(server, path, clock, ("before_confirm", 1), thread_id=thread_id)
    server.conversations.clear()
    result = run_once(server, path, clock, thread_id=thread_id)
    assert result.error.startswith(f"conversation {result.conversation_id} is gone (HTTP 404)")
    assert not result.verified
    assert MigrationRecord(path, "model").latest(thread_id).state == "failed"
    again = run_once(server, path, clock, thread_id=thread_id, again=True)
    assert again.verified and again.conversation_id != result.conversation_id


def test_foreign_items_in_the_way_of_an_unknown_batch_stop_the_thread_instead_of_guessing(world):
    server, thread_id, path, clock = world
    run_once(server, path, clock, ("after_sent", 1), thread_id=thread_id)  # batch 2 "sent", never went out
    (items,) = server.conversations.values()
    items.append({"id": "msg_foreign", "type": "message", "role": "user", "content": "someone else"})
    result = run_once(server, path, clock, thread_id=thread_id)
    assert "cannot tell whether batch 2 was written" in result.error
    assert len(items) == 21


def test_a_429_holds_back_every_job_for_its_retry_after(tmp_path):
    server, clock = ModelServer(), FakeClock()
    threads = [server.add_thread([message("t", "user", [f"{n}-{i}"]) for i in range(5)]) for n in range(3)]
    server.faults = ["429"]
    record = MigrationRecord(tmp_path / "m.sqlite3", "model")
    migrator = Migrator(server, record, Options(jobs=3), sleep=clock.sleep, gate=RateGate(clock.sleep, clock))
    results = asyncio.run(migrator.run(threads))
    assert all(r.verified for r in results)
    assert clock.now >= 2.0  # the Retry-After was waited out once, by everyone, not retried at once
    for thread_id, result in zip(threads, results, strict=True):
        assert [signature(i)[1][0] for i in server.conversations[result.conversation_id]] == [
            f"{threads.index(thread_id)}-{i}" for i in range(5)]


def test_into_appends_threads_one_after_another_and_keeps_what_was_there(tmp_path):
    server = ModelServer()
    first = server.add_thread([message("t", "user", [f"a{i}"]) for i in range(25)])
    second = server.add_thread([message("t", "assistant", [f"b{i}"]) for i in range(25)])
    target = asyncio.run(server.create_conversation()).id
    server.conversations[target].append({"id": "msg_old", "type": "message", "role": "user", "content": [
        {"type": "input_text", "text": "already here"}]})
    record = MigrationRecord(tmp_path / "m.sqlite3", "model")
    results = asyncio.run(Migrator(server, record, Options(into=target, jobs=4)).run([first, second]))
    assert [r.verified for r in results] == [True, True]
    texts = [signature(i)[1][0] for i in server.conversations[target]]
    assert texts == ["already here", *[f"a{i}" for i in range(25)], *[f"b{i}" for i in range(25)]]


def test_reading_the_next_page_overlaps_writing_the_current_batch(tmp_path):
    class Overlapping(ModelServer):
        """The first write waits until the thread's second page has been asked for."""

        def __init__(self):
            super().__init__()
            self.second_page = asyncio.Event()
            self.pages = 0

        async def list_messages_raw(self, thread_id, **kwargs):
            self.pages += 1
            if self.pages == 2:
                self.second_page.set()
            return await super().list_messages_raw(thread_id, **kwargs)

        async def create_items(self, conversation_id, items):
            if self.calls.count("create_items") == 0:
                # Without overlap this waits forever; the timeout only turns a hang into a failure.
                await asyncio.wait_for(self.second_page.wait(), 30)
            return await super().create_items(conversation_id, items)

    server = Overlapping()
    thread_id = server.add_thread([message("t", "user", [f"m{i}"]) for i in range(250)])
    record = MigrationRecord(tmp_path / "m.sqlite3", "model")
    (result,) = asyncio.run(Migrator(server, record).run([thread_id]))
    assert result.verified and result.items == 250


def test_a_batch_the_server_refuses_fails_the_thread_and_a_rerun_says_so_again(world):
    from tui.api.errors import InvalidParameterError

    server, thread_id, path, clock = world

    async def refuse(conversation_id, items):
        raise InvalidParameterError(400, "invalid_parameter_error", "items.3.content is too long",
                                    operation=f"create items in {conversation_id}")

    server.create_items = refuse
    result = run_once(server, path, clock, thread_id=thread_id)
    assert result.error.startswith("batch 1 was refused: create items in conv_")
    assert "items.3.content is too long" in result.error
    again = run_once(server, path, clock, thread_id=thread_id)
    assert again.already and again.error == result.error


def test_jobs_threads_run_at_once_and_never_more(tmp_path):
    class Counting(ModelServer):
        def __init__(self):
            super().__init__()
            self.active = self.most = 0
            self.both_writing = asyncio.Barrier(2)
            self.met = False

        async def retrieve_thread(self, thread_id):
            self.active += 1
            self.most = max(self.most, self.active)
            return await super().retrieve_thread(thread_id)

        async def create_items(self, conversation_id, items):
            if not self.met:
                # Two threads must be writing at the same time; a timeout turns a hang into a failure.
                await asyncio.wait_for(self.both_writing.wait(), 30)
                self.met = True
            return await super().create_items(conversation_id, items)

    server = Counting()
    threads = [server.add_thread([message("t", "user", [f"{n}-{i}"]) for i in range(30)]) for n in range(5)]

    def finished(progress):
        if progress.done:
            server.active -= 1

    record = MigrationRecord(tmp_path / "m.sqlite3", "model")
    results = asyncio.run(Migrator(server, record, Options(jobs=2), on_progress=finished).run(threads))
    assert [r.verified for r in results] == [True] * 5
    assert server.most == 2


def test_a_thread_list_that_repeats_itself_is_an_error_before_anything_is_written(world):
    server, thread_id, path, clock = world
    first_page = server.list_messages_raw

    async def stuck(thread_id, *, limit, order, after=None):
        page = await first_page(thread_id, limit=limit, order=order)
        return {**page, "has_more": True}  # always the first page, always "more"

    server.list_messages_raw = stuck
    result = run_once(server, path, clock, thread_id=thread_id)
    assert "the thread listed the same message twice" in result.error
    written = [signature(item)[1][0] for item in server.conversations[result.conversation_id]]
    assert written == [f"m{i}" for i in range(40)]  # the first page's full batches, once; no repeat planned
    assert "run the same command again to resume" in result.error
