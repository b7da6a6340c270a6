"""The session core against a plain model of the thread: random key sequences, checked after every step.

The session runs on the real emulator over httpx.ASGITransport, without Textual. The model
is the thread as a Python list (oldest first) and what the session last asked the server.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tui.api import DashScopeClient
from tui.emulator import create_app
from tui.session import ConversationSource, Deleted, Posted, Session, ThreadSource
from tui.store import Change

TAGS = st.sampled_from(["a", "b"])


class SessionMachine(RuleBasedStateMachine):
    """Drives one Session; `thread` is the truth, `known` the thread as of the session's last fetch."""

    def __init__(self) -> None:
        super().__init__()
        self.runner = asyncio.Runner()
        self.scratch = Path(tempfile.mkdtemp(prefix="session-model-"))
        self.client = DashScopeClient(api_key="test-key", base_url="http://emulator.test/api/v1",
                                      transport=httpx.ASGITransport(app=create_app(self.scratch / "db.sqlite3")))
        self.thread: list[tuple[str, str]] = []  # (id, tag), oldest first
        self.known: list[tuple[str, str]] = []
        self.grew = False
        self.pages_shown = 0  # Change.PAGE events from the session's store
        self.session: Session | None = None

    def run(self, coroutine):
        return self.runner.run(coroutine)

    def teardown(self) -> None:
        self.run(self.client.aclose())
        self.runner.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    # -- the model's view ----------------------------------------------------------------------

    def matching(self, entries=None) -> list[str]:
        """Ids of `entries` (default: known) that pass the filter, in the session's display order."""
        store = self.session.store
        wanted = store.filter.get("tag")
        ids = [i for i, tag in (self.known if entries is None else entries) if wanted in (None, tag)]
        return ids[::-1] if store.order == "desc" else ids

    def page_ids(self) -> list[str]:
        return [m.id for m in self.session.store.page]

    def page_shown(self, change: Change) -> None:
        if change is Change.PAGE:
            self.pages_shown += 1

    def act(self, coroutine):
        """Run a session call; if it showed a page, the session saw the thread as it is now."""
        # Counted, not compared by id(): a page list freed mid-call (refresh → show_around) can
        # hand its address to the next one, and threads in the emulator make that vary by run.
        before = self.pages_shown
        result = self.run(coroutine)
        if self.pages_shown != before:
            self.known = list(self.thread)
        return result

    async def add(self, count: int, tags: list[str]) -> None:
        for n in range(count):
            tag = tags[n % len(tags)]
            message = await self.client.create_message(self.thread_id, f"m{len(self.thread)}", metadata={"tag": tag})
            self.thread.append((message.id, tag))

    # -- set-up --------------------------------------------------------------------------------

    @initialize(size=st.integers(0, 14), page_size=st.integers(1, 6), tags=st.lists(TAGS, min_size=1, max_size=4))
    def start(self, size, page_size, tags):
        self.thread_id = self.run(self.client.create_thread()).id
        self.run(self.add(size, tags))
        self.session = Session(ThreadSource(self.client, self.thread_id), page_size=page_size)
        self.session.store.subscribe(self.page_shown)
        self.act(self.session.first())

    # -- rules ---------------------------------------------------------------------------------

    @rule()
    def next_page(self):
        old = self.page_ids()
        could = self.session.store.can_next
        moved = self.act(self.session.next_page())
        assert moved == could
        if moved:
            listed = self.matching()
            assert listed.index(self.page_ids()[0]) == listed.index(old[-1]) + 1  # nothing skipped or repeated

    @rule()
    def prev_page(self):
        old = self.page_ids()
        could = self.session.store.can_prev
        moved = self.act(self.session.prev_page())
        assert moved == could
        if moved:
            listed = self.matching()
            assert listed.index(self.page_ids()[-1]) == listed.index(old[0]) - 1

    @rule()
    def first(self):
        self.act(self.session.first())
        assert self.page_ids() == self.matching()[: self.session.store.page_size]

    @rule()
    def last(self):
        self.act(self.session.last())
        listed = self.matching()
        assert self.page_ids() == listed[max(0, len(listed) - self.session.store.page_size):]

    @rule()
    def toggle_order(self):
        ids, selected = self.page_ids(), self.session.store.selected_id
        self.session.toggle_order()
        assert self.page_ids() == ids[::-1]
        assert self.session.store.selected_id == selected

    @rule()
    def refresh(self):
        selected = self.session.store.selected_id
        self.act(self.session.refresh())
        if selected is not None:  # an empty page had nothing selected: the refreshed one starts at its first
            assert self.session.store.selected_id == selected

    @rule(tag=st.sampled_from([None, "a", "b"]))
    def filter(self, tag):
        self.act(self.session.set_filter({"tag": tag} if tag else {}))
        assert self.page_ids() == self.matching()[: self.session.store.page_size]

    @rule(step=st.sampled_from([1, -1]))
    def move(self, step):
        store = self.session.store
        old, index = self.page_ids(), store.selected_index
        could = store.can_next if step > 0 else store.can_prev
        self.act(self.session.move(step))
        if index is None:
            return
        if 0 <= index + step < len(old):
            assert self.page_ids() == old and store.selected_index == index + step
        elif not could:
            assert self.page_ids() == old and store.selected_index == index  # no wrap at the ends
        else:
            listed = self.matching()
            if step > 0:
                assert listed.index(self.page_ids()[0]) == listed.index(old[-1]) + 1
                assert store.selected_index == 0
            else:
                assert listed.index(self.page_ids()[-1]) == listed.index(old[0]) - 1
                assert store.selected_index == len(store.page) - 1

    @rule(tag=TAGS)
    def compose(self, tag):
        outcome = self.run(self.session.compose_flow().send(f"composed {len(self.thread)}", {"tag": tag}))
        assert isinstance(outcome, Posted)
        self.thread.append((outcome.message.id, tag))
        self.grew = True
        self.act(self.session.show_created(outcome.message))
        if tag == self.session.store.filter.get("tag", tag):
            assert self.session.store.selected_id == outcome.message.id

    @rule(count=st.integers(1, 4), tags=st.lists(TAGS, min_size=1, max_size=3))
    def grow(self, count, tags):
        """Others add messages; the session does not know until it asks."""
        self.run(self.add(count, tags))
        self.grew = True

    @rule()
    def prefetch(self):
        self.run(self.session.prefetch())

    # -- after every step ----------------------------------------------------------------------

    @invariant()
    def page_is_the_right_slice(self):
        if self.session is None:
            return
        store, listed, page = self.session.store, self.matching(), self.page_ids()
        assert not store.error and not store.loading
        if not page:
            assert not listed, "empty page while messages match"
            assert not store.can_prev and not store.can_next
            return
        start = listed.index(page[0])
        assert listed[start:start + len(page)] == page  # a contiguous slice, in display order
        end = start + len(page)
        assert len(page) <= store.page_size
        if len(page) < store.page_size:
            assert len(listed) < store.page_size or start == 0 or end == len(listed), "short page mid-thread"
        assert store.can_prev == (start > 0) and store.can_next == (end < len(listed))
        assert store.selected_id in page
        if store.offset is not None:
            assert store.offset == start if not self.grew else store.offset <= start


SessionMachine.TestCase.settings = settings(
    max_examples=300, stateful_step_count=30, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestSessionModel = SessionMachine.TestCase


def run_steps(size: int, page_size: int, steps: list[tuple[str, dict]]) -> SessionMachine:
    """Drive the machine by hand through `steps`, checking the invariant after each."""
    machine = SessionMachine()
    try:
        machine.start(size=size, page_size=page_size, tags=["a"])
        machine.page_is_the_right_slice()
        for name, kwargs in steps:
            getattr(machine, name)(**kwargs)
            machine.page_is_the_right_slice()
        return machine
    finally:
        machine.teardown()


def test_s_s_p_on_a_ten_message_thread_shows_a_full_page():
    """Issue 18: `s`, `s`, `p` left "no messages"; after one `s` the page held one row."""
    for page_size in (4, 20):
        machine = run_steps(10, page_size, [("toggle_order", {}), ("toggle_order", {}), ("prev_page", {})])
        assert len(machine.page_ids()) == min(10, page_size)


def test_j_on_the_last_row_goes_to_the_next_page_and_k_back():
    machine = run_steps(10, 4, [("move", {"step": 1})] * 4 + [("move", {"step": -1})])
    assert machine.session.store.selected_index == 3 and machine.session.store.offset == 0


class ConversationSessionMachine(SessionMachine):
    """The same rules and invariant on a conversation's items (no metadata: no filter; compose picks a role)."""

    async def add(self, count: int, tags: list[str]) -> None:
        batch = [{"role": ("user", "assistant")[n % 2], "content": f"i{len(self.thread) + n}"} for n in range(count)]
        for start in range(0, len(batch), 20):
            created = await self.client.create_items(self.thread_id, batch[start:start + 20])
            self.thread.extend((item.id, "a") for item in created.data)

    @initialize(size=st.integers(0, 14), page_size=st.integers(1, 6))
    def start(self, size, page_size):
        self.thread_id = self.run(self.client.create_conversation()).id
        self.run(self.add(size, ["a"]))
        self.session = Session(ConversationSource(self.client, self.thread_id), page_size=page_size)
        self.session.store.subscribe(self.page_shown)
        self.act(self.session.first())

    filter = None  # items carry no metadata: not a rule here

    @rule(role=st.sampled_from(["user", "assistant", "system", "developer"]))
    def compose(self, role):
        outcome = self.run(self.session.compose_flow().send(f"composed {len(self.thread)}", None, role))
        assert isinstance(outcome, Posted) and outcome.message.role == role
        self.thread.append((outcome.message.id, "a"))
        self.grew = True
        self.act(self.session.show_created(outcome.message))
        assert self.session.store.selected_id == outcome.message.id

    @rule()
    def delete(self):
        """`D` on the highlighted item: it is gone from the server and the page, the rest stays in order."""
        store = self.session.store
        if store.selected is None:
            return
        doomed = store.selected_id
        outcome = self.run(self.session.delete_selected())
        assert isinstance(outcome, Deleted)
        self.thread = [entry for entry in self.thread if entry[0] != doomed]
        self.known = list(self.thread)
        assert doomed not in self.page_ids()


ConversationSessionMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=25, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestConversationSessionModel = ConversationSessionMachine.TestCase


async def test_conversation_pages_match_iter_items(tmp_path):
    """n through a conversation, newest first, lists every item once, as iter_items does; p comes back."""
    client = DashScopeClient(api_key="test-key", base_url="http://emulator.test/api/v1",
                             transport=httpx.ASGITransport(app=create_app(tmp_path / "db.sqlite3")))
    try:
        conversation = await client.create_conversation()
        for start in range(0, 47, 20):
            await client.create_items(conversation.id, [{"role": "user", "content": f"i{n}"}
                                                        for n in range(start, min(start + 20, 47))])
        session = Session(ConversationSource(client, conversation.id), page_size=10)
        await session.first()
        pages = [[e.id for e in session.store.page]]
        while await session.next_page():
            pages.append([e.id for e in session.store.page])
        expected = [item.id async for item in client.iter_items(conversation.id, order="desc", page_size=13)]
        assert sum(pages, []) == expected and [len(p) for p in pages] == [10, 10, 10, 10, 7]
        assert session.store.position_label() == "items 41–47 · newest first · more above"
        for page in reversed(pages[:-1]):
            assert await session.prev_page()
            assert [e.id for e in session.store.page] == page
    finally:
        await client.aclose()
