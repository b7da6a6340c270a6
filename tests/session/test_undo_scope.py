"""`u` undoes only the open thread's or conversation's own last edit (newcomer #1).

A hypothesis state machine against a plain model: two threads (edits of a message and of the
thread itself) and a conversation share one journal; edits are made in this run or an earlier
one, someone else changes metadata behind our back, and `undo` in any owner's session must
undo exactly that owner's newest saved edit — or say there is nothing to undo there, or
refuse because the server changed — never touching another owner. Driven through the session
core (no Textual) on the real emulator; the server's copy is checked against the model.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tui.api import DashScopeClient
from tui.emulator import create_app
from tui.journal import EditJournal, UndoRefused, undo_last_edit
from tui.session import ConversationSource, Saved, Session, ThreadSource

OWNERS = ["t1", "t2", "c"]
TARGETS = {"t1": ["t1", "t1/m"], "t2": ["t2", "t2/m"], "c": ["c"]}  # what each owner's edits can change
VALUES = st.sampled_from(["x", "y", "z"])


@dataclass
class ModelEdit:
    owner: str
    target: str
    before: dict
    after: dict
    run: str
    undone: bool = False


class UndoScopeMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.runner = asyncio.Runner()
        self.scratch = Path(tempfile.mkdtemp(prefix="undo-scope-"))
        self.client = DashScopeClient(api_key="k", base_url="http://emulator.test/api/v1", max_tries=1,
                                      transport=httpx.ASGITransport(app=create_app(self.scratch / "db.sqlite3")))

    def run(self, coroutine):
        return self.runner.run(coroutine)

    def teardown(self) -> None:
        self.run(self.client.aclose())
        self.runner.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    @initialize()
    def start(self):
        self.ids: dict[str, str] = {}  # model name → server id
        for name in ("t1", "t2"):
            thread = self.run(self.client.create_thread(metadata={"v": "0"}))
            message = self.run(self.client.create_message(thread.id, "hi", metadata={"v": "0"}))
            self.ids[name], self.ids[f"{name}/m"] = thread.id, message.id
        self.ids["c"] = self.run(self.client.create_conversation(metadata={"v": "0"})).id
        self.server = {target: {"v": "0"} for target in self.ids}  # the model of what the server holds
        self.edits: list[ModelEdit] = []
        self.sessions = {run: {owner: self.session(owner, run) for owner in OWNERS} for run in ("now", "earlier")}

    def session(self, owner: str, run: str) -> Session:
        source = (ConversationSource if owner == "c" else ThreadSource)(self.client, self.ids[owner])
        journal = EditJournal(self.scratch / "journal.jsonl", "test", run=run)
        session = Session(source, page_size=5, journal=journal)
        self.run(session.first())
        return session

    async def read(self, target: str) -> dict:
        if target == "c":
            return (await self.client.retrieve_conversation(self.ids["c"])).metadata_dict
        if "/" in target:
            return (await self.client.retrieve_message(self.ids[target.split("/")[0]], self.ids[target])).metadata_dict
        return (await self.client.retrieve_thread(self.ids[target])).metadata_dict

    async def write_behind_our_back(self, target: str, metadata: dict) -> None:
        if target == "c":
            await self.client.update_conversation(self.ids["c"], metadata=metadata)
        elif "/" in target:
            await self.client.modify_message(self.ids[target.split("/")[0]], self.ids[target], metadata=metadata)
        else:
            await self.client.modify_thread(self.ids[target], metadata=metadata)

    @rule(owner=st.sampled_from(OWNERS), pick=st.integers(0, 1), value=VALUES, run=st.sampled_from(["now", "earlier"]))
    def edit(self, owner, pick, value, run):
        target = TARGETS[owner][pick % len(TARGETS[owner])]
        session = self.sessions[run][owner]
        before, after = dict(self.server[target]), {"v": value}
        if "/" in target:
            outcome = self.run(session.writes.save(self.ids[target], before, after))
        else:
            outcome = self.run(session.owner_writes.save(self.ids[target], before, after))
        if before == after:
            return  # the server already holds it: nothing sent, nothing journaled
        assert isinstance(outcome, Saved), outcome
        self.server[target] = after
        self.edits.append(ModelEdit(owner, target, before, after, run))

    @rule(owner=st.sampled_from(OWNERS), value=VALUES)
    def someone_else_changes(self, owner, value):
        target = TARGETS[owner][0]
        self.run(self.write_behind_our_back(target, {"v": value, "by": "them"}))
        self.server[target] = {"v": value, "by": "them"}

    @rule(owner=st.sampled_from(OWNERS))
    def undo(self, owner):
        session = self.sessions["now"][owner]
        expected = next((e for e in reversed(self.edits) if e.owner == owner and not e.undone), None)
        entry = session.last_edit()
        if expected is None:
            assert entry is None
            with pytest.raises(UndoRefused, match=f"^Nothing to undo in this {session.source.kind}.$"):
                self.run(session.undo_last_edit())
            return
        assert (entry.message_id, entry.after, entry.run) == (self.ids[expected.target], expected.after, expected.run)
        if self.server[expected.target] != expected.after:
            with pytest.raises(UndoRefused, match="changed on the server since your edit"):
                self.run(session.undo_last_edit())
            return  # refused: the edit stays the last one here, and nothing was written
        restored = self.run(session.undo_last_edit())
        assert restored.metadata_dict == expected.before
        self.server[expected.target] = dict(expected.before)
        expected.undone = True

    @invariant()
    def the_server_holds_the_model(self):
        if not hasattr(self, "ids"):
            return
        for target in self.ids:
            assert self.run(self.read(target)) == self.server[target], target


UndoScopeMachine.TestCase.settings = settings(
    max_examples=40, stateful_step_count=20, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestUndoScope = UndoScopeMachine.TestCase


def test_the_report_case_u_in_another_owner_leaves_the_edited_one_alone():
    """Newcomer #1 by hand: an edit of a conversation's metadata, then `u` in a thread never edited."""
    machine = UndoScopeMachine()
    try:
        machine.start()
        machine.edit("c", 0, "x", "earlier")
        machine.undo("t1")
        assert machine.run(machine.read("c")) == {"v": "x"}
        machine.undo("c")
        assert machine.run(machine.read("c")) == {"v": "0"}
    finally:
        machine.teardown()


async def test_the_module_function_without_an_owner_still_takes_the_newest_edit_of_any(tmp_path):
    """Backwards compatible: `tui.journal.undo_last_edit(client, journal)` as before; with an owner, scoped."""
    client = DashScopeClient(api_key="k", base_url="http://emulator.test/api/v1",
                             transport=httpx.ASGITransport(app=create_app(tmp_path / "db.sqlite3")))
    async with client:
        first = await client.create_thread(metadata={"v": "0"})
        second = await client.create_thread(metadata={"v": "0"})
        journal = EditJournal(tmp_path / "journal.jsonl", "test")
        for thread in (first, second):
            session = Session(ThreadSource(client, thread.id), journal=journal)
            await session.owner_writes.save(thread.id, {"v": "0"}, {"v": "1"})
        restored = await undo_last_edit(client, journal, first.id)
        assert restored.id == first.id and (await client.retrieve_thread(second.id)).metadata_dict == {"v": "1"}
        await client.modify_thread(first.id, metadata={"v": "1"})  # leave `first` as the edit had it
        restored = await undo_last_edit(client, journal)
        assert restored.id == second.id and restored.metadata_dict == {"v": "0"}
        with pytest.raises(UndoRefused, match="^Nothing to undo: no saved metadata edit in the journal.$"):
            await undo_last_edit(client, journal)


async def test_undo_of_a_given_entry_refuses_another_owners_and_one_undone_meanwhile(tmp_path):
    """What the screen confirms is the entry it showed: not another owner's, and not once undone elsewhere."""
    client = DashScopeClient(api_key="k", base_url="http://emulator.test/api/v1",
                             transport=httpx.ASGITransport(app=create_app(tmp_path / "db.sqlite3")))
    async with client:
        mine = await client.create_thread(metadata={"v": "0"})
        theirs = await client.create_thread(metadata={"v": "0"})
        journal = EditJournal(tmp_path / "journal.jsonl", "test", run="earlier")
        sessions = {t.id: Session(ThreadSource(client, t.id), journal=journal) for t in (mine, theirs)}
        for thread in (mine, theirs):
            await sessions[thread.id].owner_writes.save(thread.id, {"v": "0"}, {"v": "1"})
        shown = sessions[theirs.id].last_edit()
        with pytest.raises(UndoRefused, match=f"^Not undoing: that edit was made in {theirs.id}, not in this thread.$"):
            await sessions[mine.id].undo_last_edit(shown)
        await undo_last_edit(client, journal, theirs.id)  # another window undoes it first
        with pytest.raises(UndoRefused, match=f"^Not undoing: the edit of the metadata of thread {theirs.id} "
                                              "was undone meanwhile.$"):
            await sessions[theirs.id].undo_last_edit(shown)
        assert (await client.retrieve_thread(theirs.id)).metadata_dict == {"v": "0"}
        assert (await client.retrieve_thread(mine.id)).metadata_dict == {"v": "1"}
