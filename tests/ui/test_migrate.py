"""`M` in the TUI: marks in the ledger, the plan, the progress screen, the links the ledger keeps."""

from textual.widgets import DataTable

from tui.emulator.demo import CN_SUPPORT, ORDER_BOT, RAG_DOCS
from tui.migrate.mapping import signature
from tui.screens.ledger import LedgerScreen
from tui.screens.migrate import MigrateScreen

SIZE = (120, 40)


async def _mark(h, pilot, *thread_ids):
    """Move the ledger's cursor onto each thread and press space."""
    table = h.app.screen.query_one(DataTable)
    for thread_id in thread_ids:
        table.move_cursor(row=table.get_row_index(thread_id))
        await pilot.press("space")
    await h.settle(pilot)


async def _source_items(h, thread_id):
    """What the thread holds, as items (CONTRACT §6): the messages with text, oldest first."""
    from tui.migrate.mapping import map_message

    mapped = [map_message(raw, "skip") async for raw in h.client.iter_raw_messages(thread_id, order="asc")]
    return [signature(m.item) for m in mapped if m.item is not None]


async def _conversation_items(h, conversation_id):
    return [signature(item) async for item in h.client.iter_items(conversation_id)]


def _states(screen):
    return {row.thread_id: row.state for row in screen.board.rows}


async def test_two_marked_threads_migrate_verified_and_the_ledger_links_them(make_harness):
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await _mark(h, pilot, ORDER_BOT, CN_SUPPORT)
        ledger = h.app.screen
        assert ledger.marked == {ORDER_BOT, CN_SUPPORT}
        assert str(ledger.query_one(DataTable).get_cell(ORDER_BOT, "pin")).startswith("●")
        await pilot.press("M")
        await h.settle(pilot)
        screen = h.app.screen
        assert isinstance(screen, MigrateScreen) and screen.phase == "confirm"
        assert [row.thread_id for row in screen.board.rows] == [ORDER_BOT, CN_SUPPORT]  # ledger order
        assert _states(screen) == {ORDER_BOT: "planned", CN_SUPPORT: "planned"}
        summary = screen.board.summary()
        assert summary.startswith("2 threads → new conversations · ") and " skipped · " in summary
        assert all(row.conversation_id is None for row in screen.board.rows)
        await pilot.press("enter")
        await h.settle(pilot)
        assert screen.phase == "done"
        assert _states(screen) == {ORDER_BOT: "verified", CN_SUPPORT: "verified"}
        links = screen.board.conversations()
        for thread_id in (ORDER_BOT, CN_SUPPORT):
            assert await _conversation_items(h, links[thread_id]) == await _source_items(h, thread_id)
            conversation = await h.client.retrieve_conversation(links[thread_id])
            assert conversation.metadata["migrated_from"] == thread_id
            assert h.app.ledger.linked_conversation(thread_id) == links[thread_id]
        await pilot.press("escape")
        await h.settle(pilot)
        assert isinstance(h.app.screen, LedgerScreen)
        table = h.app.screen.query_one(DataTable)
        assert str(table.get_cell(ORDER_BOT, "migrated")) == links[ORDER_BOT]
        assert str(table.get_cell(ORDER_BOT, "pin")) == "  →"  # no longer marked; migrated
        assert str(table.get_cell(RAG_DOCS, "migrated")) == ""
        assert h.app.screen.marked == set()
        assert h.app.ledger.get(links[CN_SUPPORT]).label == "migrated from 中文客服 · 退款咨询"


async def test_the_progress_screen_opens_and_copies_a_resulting_conversation(make_harness, no_system_clipboard):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("M")
        await h.settle(pilot)
        await pilot.press("enter")
        await h.settle(pilot)
        conversation_id = h.app.screen.board.row(ORDER_BOT).conversation_id
        await pilot.press("i")
        await h.settle(pilot)
        assert h.app.clipboard == conversation_id
        assert "Sent conversation id to the terminal clipboard (OSC 52)." in h.notices()
        await pilot.press("o")
        await h.settle(pilot)
        assert h.store.thread_id == conversation_id and len(h.store.page) == 8  # 9 messages, a tool call skipped


async def test_space_marks_and_moves_down_so_space_space_marks_two_rows(make_harness):
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("space", "space", "k", "space")  # mark rows 1 and 2, back up to 2, unmark it
        await h.settle(pilot)
        ledger = h.app.screen
        table = ledger.query_one(DataTable)
        assert ledger.marked == {ORDER_BOT}
        assert str(table.get_cell(ORDER_BOT, "pin")).startswith("●")
        assert str(table.get_cell(RAG_DOCS, "pin")).startswith(" ")
        await pilot.press("M")
        await h.settle(pilot)
        assert [row.thread_id for row in h.app.screen.board.rows] == [ORDER_BOT]


async def test_opening_a_migrated_thread_names_its_conversation_and_O_opens_it(make_harness):
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        h.app.ledger.link_conversation(ORDER_BOT, "conv_0000000000")
        table = h.app.screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(ORDER_BOT))
        await pilot.press("enter")
        await h.settle(pilot)
        assert "Migrated to conv_0000000000: press O to open it." in h.notices()
        assert h.store.thread_id == ORDER_BOT  # a notice, not a dialog: the browser is in front
        await pilot.press("O")
        await h.settle(pilot)
        assert h.store.thread_id == "conv_0000000000"  # what O opens: here a conversation that does not exist
        assert h.store.error


async def test_O_on_a_thread_never_migrated_says_so(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("O")
        await h.settle(pilot)
        assert "This thread has not been migrated here (M migrates it)." in h.notices()
        assert h.store.thread_id == ORDER_BOT


async def test_M_on_a_conversation_is_refused(make_harness):
    from tui.emulator.demo_conversations import DEMO_CONVERSATIONS

    h = make_harness(open_thread=DEMO_CONVERSATIONS[0][0])
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("M")
        await h.settle(pilot)
        assert "Only threads can be migrated into conversations." in h.notices()
        assert not isinstance(h.app.screen, MigrateScreen)
        await pilot.press("O")
        await h.settle(pilot)
        assert "This is a conversation: O opens the conversation a thread was migrated into." in h.notices()


async def test_M_in_the_browser_migrates_that_thread(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("M")
        await h.settle(pilot)
        screen = h.app.screen
        assert isinstance(screen, MigrateScreen) and [r.thread_id for r in screen.board.rows] == [ORDER_BOT]
        await pilot.press("enter")
        await h.settle(pilot)
        assert _states(screen) == {ORDER_BOT: "verified"}


async def test_read_only_profile_refuses_M(make_harness):
    h = make_harness(read_only=True)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("M")
        await h.settle(pilot)
        assert isinstance(h.app.screen, LedgerScreen)
        assert any(n.startswith("Cannot migrate: ") and "read-only" in n for n in h.notices())


async def test_a_failing_server_shows_the_reason_and_a_second_M_resumes(make_harness):
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        table = h.app.screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(CN_SUPPORT))
        await pilot.press("M")
        await h.settle(pilot)
        h.set_faults("list:500")  # reading the thread fails once the plan is made: resumable
        await pilot.press("enter")
        await h.settle(pilot)
        screen = h.app.screen
        row = screen.board.row(CN_SUPPORT)
        assert row.state == "failed"
        assert "500" in row.error and "run the same command again to resume" in row.error
        assert str(screen.query_one(DataTable).get_cell(CN_SUPPORT, "state")).startswith("failed: ")
        conversation_id = row.conversation_id
        assert conversation_id and h.app.ledger.linked_conversation(CN_SUPPORT) is None
        await pilot.press("escape")
        h.set_faults("")
        await pilot.press("M")
        await h.settle(pilot)
        screen = h.app.screen
        assert screen.board.row(CN_SUPPORT).describe().endswith("resumes an unfinished run")
        await pilot.press("enter")
        await h.settle(pilot)
        row = screen.board.row(CN_SUPPORT)
        assert row.state == "verified" and row.conversation_id == conversation_id  # the same one, resumed
        assert await _conversation_items(h, conversation_id) == await _source_items(h, CN_SUPPORT)


async def test_escape_while_running_asks_and_stopping_leaves_it_to_the_record(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("M")
        await h.settle(pilot)
        screen = h.app.screen
        h.set_faults("create_items:delay=60s")  # the first batch hangs until the client lets go of it
        await pilot.press("enter")
        for _ in range(200):
            if screen.board.row(ORDER_BOT).state == "batch":
                break
            await pilot.pause()
        assert screen.board.row(ORDER_BOT).describe() == "batch 1 of 1"
        await pilot.press("escape")
        await pilot.pause()
        assert h.app.screen.title_text == "Stop the migration?"
        await pilot.press("k")  # keep running: nothing changes
        await pilot.pause()
        assert h.app.screen is screen and screen.phase == "running"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("s")
        await h.settle(pilot)
        assert screen.phase == "done" and screen.board.row(ORDER_BOT).describe() == "stopped: M resumes it"
        conversation_id = screen.board.row(ORDER_BOT).conversation_id
        await pilot.press("escape")
        await h.settle(pilot)
        h.set_faults("")
        await pilot.press("M")
        await h.settle(pilot)
        await pilot.press("enter")
        await h.settle(pilot)
        row = h.app.screen.board.row(ORDER_BOT)
        assert row.state == "verified" and row.conversation_id == conversation_id
        assert await _conversation_items(h, conversation_id) == await _source_items(h, ORDER_BOT)


async def test_a_record_held_by_a_running_threadscope_migrate_is_said_and_nothing_is_sent(make_harness):
    from tui.migrate import RECORD_NAME, MigrationRecord

    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        other = MigrationRecord(h.settings.data_dir / RECORD_NAME, h.settings.backend_id)
        other.claim()  # as `threadscope migrate` in another terminal holds it
        try:
            await pilot.press("M")
            await h.settle(pilot)
            await pilot.press("enter")
            await h.settle(pilot)
            assert other.latest(ORDER_BOT) is None  # nothing begun, so nothing was sent
        finally:
            other.close()
        row = h.app.screen.board.row(ORDER_BOT)
        assert row.describe().startswith("failed: another threadscope migrate is writing with this record")
        assert row.conversation_id is None and h.app.ledger.linked_conversation(ORDER_BOT) is None


async def test_the_ledger_takes_links_from_the_record_of_a_command_line_run(make_harness):
    """As `threadscope migrate` leaves them: verified migrations in the record, the ledger untouched."""
    from tui.migrate import RECORD_NAME, MigrationRecord, Migrator

    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        record = MigrationRecord(h.settings.data_dir / RECORD_NAME, h.settings.backend_id)
        try:
            [result] = await Migrator(h.client, record).run([RAG_DOCS])
        finally:
            record.close()
        assert result.ok and h.app.ledger.linked_conversation(RAG_DOCS) is None
        h.app.screen.refresh_ledger()  # as when the ledger is shown again
        await h.settle(pilot)
        assert h.app.ledger.linked_conversation(RAG_DOCS) == result.conversation_id
        assert str(h.app.screen.query_one(DataTable).get_cell(RAG_DOCS, "migrated")) == result.conversation_id


async def test_q_on_the_migration_screen_quits_and_asks_first_while_it_runs(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("M")
        await h.settle(pilot)
        screen = h.app.screen
        h.set_faults("create_items:delay=60s")
        await pilot.press("enter")
        for _ in range(200):
            if screen.board.row(ORDER_BOT).state == "batch":
                break
            await pilot.pause()
        for key in ("q", "ctrl+c"):
            await pilot.press(key)
            await pilot.pause()
            assert h.app.is_running and h.app.screen.title_text == "A migration is running"
            assert "M on the same threads resumes" in str(h.app.screen.body)
            await pilot.press("k")
            await pilot.pause()
            assert h.app.screen is screen and screen.phase == "running"
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("q")  # Stop and quit
        await pilot.pause()
        assert not h.app.is_running


async def test_q_on_the_migration_screen_quits_at_once_when_nothing_runs(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("M")
        await h.settle(pilot)
        assert h.app.screen.phase == "confirm"
        await pilot.press("q")
        await pilot.pause()
        assert not h.app.is_running
