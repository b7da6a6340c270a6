"""Jumps against a plain model: any page size, order, filter and target give the model's page around it."""

from __future__ import annotations

import asyncio

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.api import DashScopeClient
from tui.emulator import create_app
from tui.session import Session, ThreadSource

COUNT = 37


def model_page(display: list[str], target: str, size: int) -> tuple[list[str], bool, bool]:
    """The page a jump should show: about half above the target, full when the thread allows."""
    index = display.index(target)
    above, below = index, len(display) - index - 1
    take_above = min(above, max((size - 1) // 2, size - 1 - below))
    start = index - take_above
    page = display[start:start + min(size, len(display))]
    return page, start > 0, start + len(page) < len(display)


def test_jump_and_paging_on_from_it_follow_the_model(tmp_path):
    runner = asyncio.Runner()
    client = DashScopeClient(api_key="test-key", base_url="http://emulator.test/api/v1",
                             transport=httpx.ASGITransport(app=create_app(tmp_path / "db.sqlite3")))

    async def build() -> tuple[str, list[tuple[str, str]]]:
        thread = await client.create_thread()
        made = []
        for i in range(COUNT):
            tag = "a" if i % 3 else "b"
            made.append(((await client.create_message(thread.id, f"m{i}", metadata={"tag": tag})).id, tag))
        return thread.id, made

    thread_id, thread = runner.run(build())

    @settings(max_examples=60, deadline=None)
    @given(size=st.integers(1, 45), order=st.sampled_from(["asc", "desc"]), tag=st.sampled_from([None, "b"]),
           pick=st.integers(0, 10_000), steps=st.lists(st.sampled_from([1, -1]), max_size=3))
    def check(size, order, tag, pick, steps):
        session = Session(ThreadSource(client, thread_id), page_size=size, order=order)
        session.store.filter = {"tag": tag} if tag else {}
        oldest = [i for i, t in thread if tag in (None, t)]
        display = oldest if order == "asc" else oldest[::-1]
        target = oldest[pick % len(oldest)]
        assert runner.run(session.jump_to(target))
        page, can_prev, can_next = model_page(display, target, size)
        store = session.store
        assert [m.id for m in store.page] == page and store.selected_id == target
        assert (store.can_prev, store.can_next) == (can_prev, can_next)
        for step in steps:  # n / p from the jumped page stay contiguous
            start, end = display.index(page[0]), display.index(page[-1]) + 1
            moved = runner.run(session.next_page() if step > 0 else session.prev_page())
            if step > 0:
                assert moved == can_next
                expected = display[end:end + size]
            else:
                assert moved == can_prev
                expected = display[max(0, start - size):start]
            if moved:
                assert [m.id for m in store.page] == expected
            page = [m.id for m in store.page]
            can_prev, can_next = page[0] != display[0], page[-1] != display[-1]
            assert (store.can_prev, store.can_next) == (can_prev, can_next)

    try:
        check()
    finally:
        runner.run(client.aclose())
        runner.close()
