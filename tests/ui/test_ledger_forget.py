"""The ledger remembers only threads that exist, and forgets what the user tells it to (item 19.3)."""

from textual.widgets import DataTable

from tui.emulator.demo import DEMO_THREADS, ORDER_BOT
from tui.ledger import ThreadLedger
from tui.screens.choice import ChoiceScreen
from tui.screens.ledger import LedgerScreen

SIZE = (120, 40)


def ledger_ids(h) -> list[str]:
    return [e.thread_id for e in ThreadLedger(h.settings.ledger_path, h.settings.backend_id).entries()]


async def test_a_thread_id_that_answers_404_is_not_remembered(make_harness):
    h = make_harness()
    missing = "thread_does-not-exist"
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("o", *missing, "enter")
        await h.settle(pilot)
        assert any("was not found" in n for n in h.notices()) or missing in str(h.store.error)
        await pilot.press("escape")
        await h.settle(pilot)
    assert missing not in ledger_ids(h)


async def test_an_opened_thread_is_remembered(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
    assert ORDER_BOT in ledger_ids(h)


async def test_a_forgotten_demo_thread_stays_forgotten_after_a_restart(make_harness):
    forgotten = DEMO_THREADS[0][0]
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        table = h.app.screen.query_one(DataTable)
        assert table.rows and next(iter(table.rows)).value == forgotten
        await pilot.press("d")
        await h.settle(pilot)
    assert forgotten not in ledger_ids(h)
    again = make_harness()  # the same data dir: a restart
    async with again.app.run_test(size=SIZE) as pilot:
        await again.settle(pilot)
        assert forgotten not in [row.value for row in again.app.screen.query_one(DataTable).rows]
    assert forgotten not in ledger_ids(again)


async def test_d_on_a_pinned_thread_asks_first(make_harness):
    pinned = DEMO_THREADS[0][0]
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("x")
        await h.settle(pilot)
        assert ThreadLedger(h.settings.ledger_path, h.settings.backend_id).get(pinned).pinned
        await pilot.press("d")
        await h.settle(pilot)
        assert isinstance(h.app.screen, ChoiceScreen) and "pinned" in h.app.screen.title_text
        await pilot.press("k")
        await h.settle(pilot)
        assert pinned in ledger_ids(h)
        await pilot.press("d")
        await h.settle(pilot)
        await pilot.press("d")
        await h.settle(pilot)
        assert isinstance(h.app.screen, LedgerScreen)
    assert pinned not in ledger_ids(h)


async def test_the_seen_column_is_explained(make_harness):
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        assert "seen: the most messages" in str(h.app.screen.query_one(DataTable).tooltip)
