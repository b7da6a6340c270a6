"""The browser, driven by its keys, asserting the store and the screen."""

from textual.widgets import DataTable, Static

from tui.api.validation import check_metadata
from tui.emulator.demo import AGENT_LOOP, DEMO_THREADS, ORDER_BOT
from tui.emulator.demo_conversations import DEMO_CONVERSATIONS
from tui.screens.browser import BrowserScreen
from tui.screens.ledger import LedgerScreen
from tui.widgets.message_detail import MessageDetail, reads_as_typed
from tui.widgets.message_list import MessageList

SIZE = (120, 40)


def detail_text(screen) -> str:
    """Everything the detail pane shows, as plain text."""
    parts = []
    for widget in screen.query_one(MessageDetail).query(Static):
        visual = widget.visual
        parts.append(str(getattr(visual, "plain", None) or widget.render()))
    return "\n".join(parts)


async def test_ledger_lists_demo_threads_and_enter_opens_one(make_harness):
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        assert isinstance(h.app.screen, LedgerScreen)
        table = h.app.screen.query_one(DataTable)
        expected = [thread_id for thread_id, _ in DEMO_THREADS + DEMO_CONVERSATIONS]
        assert [row.value for row in table.rows] == expected  # threads and conversations, one ledger
        kinds = [str(table.get_cell(row, "kind")) for row in expected]
        assert kinds == ["thrd"] * len(DEMO_THREADS) + ["conv"] * len(DEMO_CONVERSATIONS)
        await pilot.press("enter")
        await h.settle(pilot)
        assert h.store.thread_id == ORDER_BOT
        assert len(h.store.page) == 9
        assert h.store.selected_id == h.store.page[0].id  # newest first, the newest highlighted
        assert h.store.selected_id in detail_text(h.browser)
        assert "messages 1–9 · newest first" in h.store.position_label()


async def test_paging_keys(make_harness):
    """n, p, g, G on screen; what the pages hold is the session's, proven in tests/session."""
    h = make_harness(page_size=50, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        first = [m.id for m in h.store.page]
        await pilot.press("n")
        await h.settle(pilot)
        assert "messages 51–100 · newest first · more above · more below" in h.store.position_label()
        await pilot.press("p", "p")
        await h.settle(pilot)
        assert [m.id for m in h.store.page] == first and "This is the first page." in h.notices()
        await pilot.press("G")
        await h.settle(pilot)
        assert h.store.position_label() == "last 50 messages · newest first · more above"
        await pilot.press("n")
        await h.settle(pilot)
        assert "This is the last page." in h.notices()
        await pilot.press("g")
        await h.settle(pilot)
        assert [m.id for m in h.store.page] == first
        assert h.browser.query_one(MessageList).highlighted == 0


async def test_order_toggle_keeps_selected_message_in_view(make_harness):
    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("n", "n")
        await h.settle(pilot)
        await pilot.press("j", "j", "j")
        await h.settle(pilot)
        chosen, shown = h.store.selected_id, [m.id for m in h.store.page]
        await pilot.press("s")
        await h.settle(pilot)
        assert h.store.order == "asc"
        assert h.store.selected_id == chosen
        # The same full page the other way up (it used to start at the selection: one row on page 1).
        assert [m.id for m in h.store.page] == shown[::-1] and len(shown) == 20
        created = [m.created_at for m in h.store.page]
        assert created == sorted(created)
        assert "oldest first" in h.store.position_label()


async def test_metadata_filter(make_harness):
    h = make_harness(page_size=100, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("f")
        await pilot.press(*"checkpoint=7")
        await pilot.press("enter")
        await h.settle(pilot)
        assert h.store.filter == {"checkpoint": "7"}
        assert [m.metadata_dict for m in h.store.page] == [{"checkpoint": "7"}]
        assert "filter checkpoint=7" in h.store.position_label()


async def test_bad_filter_keeps_the_prompt_open_with_the_problem(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("f", *"oops", "enter")
        await pilot.pause()
        assert str(h.app.screen.query_one("#prompt-error", Static).render()) == "'oops' is not key=value"


async def test_copy_id_falls_back_to_osc52_and_says_so(make_harness, no_system_clipboard):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("j")
        await h.settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        assert h.app.clipboard == h.store.selected_id == h.store.page[1].id
        assert "Sent message id to the terminal clipboard (OSC 52)." in h.notices()


async def test_copy_menu_curl_uses_the_variable_not_the_key(make_harness, no_system_clipboard):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("y", "5")
        await pilot.pause()
        copied = h.app.clipboard
        assert copied.startswith("curl --location")
        assert h.store.selected_id in copied and '"Authorization: Bearer $DASHSCOPE_API_KEY"' in copied
        assert "embedded-emulator" not in copied
        await pilot.press("y", "4")
        await pilot.pause()
        assert '"id": "' + h.store.selected_id in h.app.clipboard
        assert "Sent message JSON to the terminal clipboard (OSC 52)." in h.notices()


async def test_raw_view_shows_the_json_as_sent(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("r")
        await pilot.pause()
        detail = h.browser.query_one(MessageDetail)
        assert detail.raw
        raw_widget = detail.query_one("#detail-raw", Static)
        assert raw_widget.visual is not None
        syntax = raw_widget.content if hasattr(raw_widget, "content") else None
        assert h.store.selected.raw_json() in str(getattr(syntax, "code", ""))
        await pilot.press("j")
        await pilot.pause()
        assert detail.raw  # the mode stays while moving
        await pilot.press("r")
        await pilot.pause()
        assert not detail.raw and detail.query("#detail-markdown")


async def test_search_jumps_between_matches(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("slash", *"a-20931", "enter")
        await pilot.pause()
        matches = [m.id for m in h.browser.matches("A-20931")]
        assert len(matches) == 3
        assert h.store.selected_id == matches[0]
        await pilot.press("slash", "enter")
        await pilot.pause()
        assert h.store.selected_id == matches[1]
        assert "Match 2 of 3 for 'a-20931'." in h.notices()


async def test_refresh_keeps_the_selection(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("j", "j")
        await h.settle(pilot)
        chosen = h.store.selected_id
        await pilot.press("R")
        await h.settle(pilot)
        assert h.store.selected_id == chosen
        assert h.browser.query_one(MessageList).highlighted == 2


async def test_unknown_thread_says_so_and_stays_usable(make_harness):
    missing = "thread_00000000-0000-4000-8000-000000000000"
    h = make_harness(open_thread=missing)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        text = "\n".join(h.notices())
        assert f"Thread {missing} was not found." in text
        assert "HTTP 404 NotFound" in text and "request_id" in text
        assert h.store.error == f"thread {missing} not found"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(h.app.screen, LedgerScreen)


async def test_open_by_id_validates_the_format(make_harness):
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("o", *"message_123", "enter")
        await pilot.pause()
        assert "is not a thread or conversation id" in str(h.app.screen.query_one("#prompt-error", Static).render())
        await pilot.press(*["backspace"] * 11, *ORDER_BOT, "enter")
        await h.settle(pilot)
        assert isinstance(h.app.screen, BrowserScreen) and h.store.thread_id == ORDER_BOT


async def test_help_shows_remapped_keys_and_they_work(make_harness):
    h = make_harness(page_size=100, keymap={"next_page": "right"}, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("right")
        await h.settle(pilot)
        assert h.store.page_number == 1
        await pilot.press("question_mark")
        await pilot.pause()
        rows = {binding_id: (keys, does) for keys, does, binding_id in h.app.screen.rows}
        assert rows["next_page"] == ("→", "Next page")
        assert rows["edit_metadata"] == ("e", "Edit metadata")


async def test_enter_focuses_detail_and_escape_returns(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("enter")
        assert h.app.focused is h.browser.query_one(MessageDetail)
        await pilot.press("escape")
        await pilot.pause()
        assert h.app.focused is h.browser.query_one(MessageList)


def test_metadata_of_demo_is_valid():
    # The editor starts from real metadata; the demo's must pass the same rules.
    check_metadata({"checkpoint": "7"})


async def test_command_palette_offers_every_action(make_harness):
    from textual.command import CommandPalette

    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        titles = [command.title for command in h.app.get_system_commands(h.browser)]
        for expected in ("Open thread or conversation", "New thread or conversation", "Ledger", "Theme", "Quit"):
            assert any(title.startswith(expected) for title in titles), (expected, titles)
        await pilot.press("ctrl+p")
        await h.settle(pilot)
        assert isinstance(h.app.screen, CommandPalette)


async def test_auto_refresh_adds_new_messages_and_keeps_the_selection(make_harness):
    h = make_harness(open_thread=ORDER_BOT, auto_refresh=5.0)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("j", "j")
        await h.settle(pilot)
        chosen = h.store.selected_id
        assert h.browser.poll_timer is not None  # the poll is scheduled
        new = await h.client.create_message(ORDER_BOT, "arrived while watching")
        h.browser.poll_newest()  # what the interval calls
        await h.settle(pilot)
        assert h.store.page[0].id == new.id
        assert h.store.selected_id == chosen


async def test_opened_straight_into_a_thread_escape_builds_the_ledger(make_harness):
    from textual.widgets import DataTable

    from tui.emulator.demo import DEMO_THREADS

    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        assert not any(isinstance(s, LedgerScreen) for s in h.app.screen_stack)  # not built until asked for
        await pilot.press("escape")
        await pilot.pause()
        ledger = h.app.screen
        assert isinstance(ledger, LedgerScreen)
        assert not any(isinstance(s, BrowserScreen) for s in h.app.screen_stack)
        assert ledger.query_one(DataTable).row_count == len(DEMO_THREADS) + len(DEMO_CONVERSATIONS)
        assert ledger.selected_thread() == ORDER_BOT  # the thread just left is the newest opened
        await pilot.press("enter")
        await h.settle(pilot)
        assert isinstance(h.app.screen, BrowserScreen) and h.app.screen.thread_id == ORDER_BOT
        await pilot.press("escape")
        await pilot.pause()
        assert h.app.screen is ledger  # the same ledger, under the browser this time


async def test_the_ledger_remembers_the_thread_but_page_turns_do_not_rewrite_it(make_harness):
    h = make_harness(page_size=10, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        entry = h.app.ledger.get(AGENT_LOOP)
        assert entry is not None and entry.messages_seen == 10
        assert {e.thread_id for e in h.app.ledger.entries()} == {t for t, _ in DEMO_THREADS + DEMO_CONVERSATIONS}  # seeded once
        ledger, writes = h.app.ledger, []
        save = ledger._save_all
        ledger._save_all = lambda entries, *rest: (writes.append(len(entries)), save(entries, *rest))
        for _ in range(3):
            await pilot.press("n")
            await h.settle(pilot)
        assert h.store.page_number == 3
        assert writes == []
        h.app.open_thread(ORDER_BOT)  # another thread: written once its first page is shown, with what it showed
        await h.settle(pilot)
        assert len(writes) == 1
        assert h.app.ledger.get(ORDER_BOT).messages_seen == len(h.store.page) > 0


async def test_turned_pages_leave_no_render_caches_behind(make_harness):
    """Textual#6665: an lru_cache on a StylesCache method kept 1,024 dead widgets' render
    caches alive (every page turn replaces the detail pane's blocks), and full collections
    walked them all. tui.textual_fixes keys that memo on colours alone."""
    import gc

    from textual._styles_cache import StylesCache
    from textual.widget import Widget

    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        for _ in range(8):
            await pilot.press("n")
            await h.settle(pilot)
            await pilot.press("j")
            await pilot.pause()
        assert "messages 161–180" in h.store.position_label()
        gc.collect()
        caches = [o for o in gc.get_objects() if isinstance(o, StylesCache)]
        live = {id(w._styles_cache) for w in gc.get_objects() if isinstance(w, Widget)}
        assert live and [c for c in caches if id(c) not in live] == []


async def test_markdown_joins_after_the_first_paint_and_never_into_a_closed_pane(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        detail = h.browser.query_one(MessageDetail)
        markdown = detail.get_child_by_id("detail-markdown")  # joined after the first paint
        # "Thanks!" reads as typed: it stays in the Static (test_wording: Markdown renders markup).
        assert reads_as_typed(h.store.selected.text) and not markdown.display
        assert str(detail.get_child_by_id("detail-text").render()) == h.store.selected.text
        await detail.remove()
        await detail._mount_markdown()  # arriving late, as when q is pressed in the first frames
        assert not detail.is_attached and len(detail.query("#detail-markdown")) == 0


async def test_detail_sections_join_with_the_first_message_shown(make_harness):
    """An empty thread's pane is its one line; the sections come with the first message (goal 3)."""
    from tui.emulator.demo import EMPTY

    h = make_harness(open_thread=EMPTY)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        detail = h.browser.query_one(MessageDetail)
        assert [child.id for child in detail.children] == ["detail-empty"]
        assert "No messages" in detail_text(h.browser)
        h.app.open_thread(ORDER_BOT)
        await h.settle(pilot)
        detail = h.browser.query_one(MessageDetail)
        assert detail.query_one("#detail-header", Static).display
        assert not detail.query_one("#detail-empty", Static).display
        assert h.store.selected.id in detail_text(h.browser)


async def test_page_size_auto_follows_the_list_and_a_number_wins(make_harness):
    for size in ((120, 40), (80, 24)):
        h = make_harness(page_size="auto", open_thread=AGENT_LOOP)
        async with h.app.run_test(size=size) as pilot:
            await h.settle(pilot)
            rows = h.browser.query_one(MessageList).scrollable_content_region.height
            assert 1 <= rows < 40 and h.store.page_size == rows == len(h.store.page)
            assert f"messages 1–{rows} · newest first" in h.store.position_label()
            await pilot.resize_terminal(size[0], size[1] - 6)
            await h.settle(pilot)
            smaller = h.browser.query_one(MessageList).scrollable_content_region.height
            assert smaller < rows and h.store.page_size == smaller == len(h.store.page)
    h = make_harness(page_size=7, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        assert len(h.store.page) == 7


async def test_s_s_p_on_the_ten_message_demo_thread_shows_a_full_page(make_harness):
    """Issue 18: this showed "no messages · newest first · more below" and an empty pane."""
    h = make_harness(page_size="auto")
    async with h.app.run_test(size=SIZE) as pilot:
        thread = await h.client.create_thread()
        for i in range(10):
            await h.client.create_message(thread.id, f"m{i}")
        h.app.open_thread(thread.id)
        await h.settle(pilot)
        await pilot.press("s")
        await h.settle(pilot)
        assert [m.text for m in h.store.page] == [f"m{i}" for i in range(10)]  # all ten, oldest first
        await pilot.press("s", "p")
        await h.settle(pilot)
        assert [m.text for m in h.store.page] == [f"m{i}" for i in range(10)][::-1]
        assert h.store.position_label() == "messages 1–10 · newest first"
        assert "This is the first page." in h.notices()


async def test_holding_j_walks_into_page_two(make_harness):
    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        first = [m.id for m in h.store.page]
        for _ in range(25):
            await pilot.press("j")
        await h.settle(pilot)
        assert h.store.page_number == 1 and h.store.page[0].id not in first
        assert h.store.selected_index == 5  # 19 moves to the last row, one onto page 2, five down it


async def test_page_keys_after_the_read_ahead_show_their_page_before_any_request(make_harness):
    """`n` and `p` after the prefetch landed (or back to the page just left) ask nothing before the page shows."""
    from tui.store import Change

    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        seen = h.faults.seen
        at_show: list[int] = []
        h.store.subscribe(lambda what: what is Change.PAGE and at_show.append(seen["list"]))
        for key in "nnnnppnpp":  # never back onto page 1: the newest end is always asked for again
            before, at_show[:] = seen["list"], []
            await pilot.press(key)
            await h.settle(pilot)
            assert at_show[:1] == [before], f"{key}: a request went out before the page showed"
            assert seen["list"] - before <= 1  # the page read ahead, if it was not remembered
        assert "messages 21–40" in h.store.position_label()


async def test_the_read_ahead_goes_out_after_the_page_is_painted(make_harness):
    """The prefetch waits for the frame (call_after_refresh): it goes out after the detail pane,
    itself queued for after the paint, shows the new selection; its answer cannot hold the frame back."""
    from collections import Counter

    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        detail = h.browser.query_one(MessageDetail)
        shown_when_listed: list[tuple[str | None, str | None]] = []

        class Seen(Counter):
            def __setitem__(self, operation, count):
                if operation == "list":
                    shown_when_listed.append((getattr(detail.message, "id", None), h.store.selected_id))
                super().__setitem__(operation, count)

        h.faults.seen = Seen(h.faults.seen)
        for key in "nnn":
            shown_when_listed.clear()
            await pilot.press(key)
            await h.settle(pilot)
            assert len(shown_when_listed) == 1 and shown_when_listed[0][0] == shown_when_listed[0][1], key


async def test_a_jump_reads_its_two_lists_then_one_page_ahead(make_harness):
    """`o`, an id, enter: the page around it from two half-page lists (and the message), then the
    read-ahead of the next page, once; the page around a message is not read twice."""
    from textual.widgets import Input

    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        listed = [m.id async for m in h.client.iter_messages(AGENT_LOOP, order="desc", page_size=100)]
        for index in (1200, 700, 1900):
            target = listed[index]
            await pilot.press("o")
            await h.settle(pilot)
            h.app.screen.query_one(Input).value = target
            lists, gets = h.faults.seen["list"], h.faults.seen["get"]
            await pilot.press("enter")
            await h.settle(pilot)
            assert h.store.selected_id == target and len(h.store.page) == 20
            assert (h.faults.seen["list"] - lists, h.faults.seen["get"] - gets) == (3, 1)
