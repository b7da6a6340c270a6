"""The metadata editor, driven by its keys: what the server holds afterwards is the assertion."""

import asyncio

from textual.widgets import Button, Static

from tui.emulator.demo import ORDER_BOT
from tui.emulator.faults import parse_faults
from tui.journal import EditJournal
from tui.screens.browser import BrowserScreen
from tui.screens.choice import ChoiceScreen
from tui.screens.metadata_editor import MetadataEditor
from tui.widgets.key_bar import KeyBar
from tui.widgets.key_value import KeyValueEditor

SIZE = (120, 40)
START = {"keep": "1", "drop": "2", "change": "old"}


async def open_editor(h, pilot, metadata=START):
    """Open ORDER_BOT, give the newest message `metadata` on the server, press e."""
    await h.settle(pilot)
    message = h.store.selected
    await h.client.modify_message(ORDER_BOT, message.id, metadata=metadata)
    await pilot.press("R")
    await h.settle(pilot)
    assert h.store.selected.metadata_dict == metadata
    await pilot.press("e")
    await h.settle(pilot)
    assert isinstance(h.app.screen, MetadataEditor)
    return message.id, h.app.screen


async def server_metadata(h, message_id):
    return (await h.client.retrieve_message(ORDER_BOT, message_id)).metadata_dict


def text_of(screen, selector) -> str:
    return str(screen.query_one(selector, Static).render())


async def edit_keep_change_drop_add(h, pilot, editor):
    """Delete `drop`, change `change` to `new`, add `added=yes` — all with keys."""
    rows = editor.query_one(KeyValueEditor)
    assert [r.pair for r in rows.rows] == list(START.items())
    rows.rows[1].key_input.focus()
    await pilot.press("ctrl+d")
    await pilot.pause()
    assert [r.pair for r in rows.rows] == [("keep", "1"), ("change", "old")]
    rows.rows[1].value_input.focus()
    await pilot.press("end", "backspace", "backspace", "backspace", *"new")
    await pilot.press("ctrl+n")
    await pilot.pause()
    await pilot.press(*"added", "tab", *"yes")
    await pilot.pause()
    assert [r.pair for r in rows.rows] == [("keep", "1"), ("change", "new"), ("added", "yes")]


async def test_edit_saves_exactly_the_new_metadata(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        message_id, editor = await open_editor(h, pilot)
        await edit_keep_change_drop_add(h, pilot, editor)
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        confirm = h.app.screen
        assert isinstance(confirm, ChoiceScreen)
        body = str(confirm.query_one("#choice-body", Static).render())
        assert "+ added = yes" in body and "~ change : old → new" in body and "- drop (was 2)" in body
        assert "This save REMOVES 1 key from the server: drop." in body
        assert await server_metadata(h, message_id) == START  # nothing sent before the confirm
        await pilot.press("enter")
        await h.settle(pilot)
        assert isinstance(h.app.screen, BrowserScreen)
        expected = {"keep": "1", "change": "new", "added": "yes"}
        assert await server_metadata(h, message_id) == expected
        assert h.store.selected.metadata_dict == expected  # the store holds the re-read message
        assert any("Saved metadata of" in n and "added added; changed change; removed drop" in n for n in h.notices())
    entry = EditJournal(h.settings.journal_path, h.settings.backend_id).last_saved_edit()
    assert (entry.message_id, entry.before, entry.after) == (message_id, START, expected)


async def test_invalid_input_blocks_save_and_names_the_rule(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        message_id, editor = await open_editor(h, pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press(*"keep", "tab", *"again")
        await pilot.pause()
        assert "key 'keep' appears twice (rows 1 and 4)" in text_of(editor, "#editor-problems")
        assert editor.query_one("#editor-save", Button).disabled
        rows = editor.query_one(KeyValueEditor)
        assert rows.rows[3].key_input.has_class("-invalid")
        assert not rows.rows[0].key_input.has_class("-invalid")
        rows.rows[3].key_input.focus()
        await pilot.press("home", *("x" * 70))
        await pilot.pause()
        assert "is 74 characters; at most 64" in text_of(editor, "#editor-problems")
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        assert isinstance(h.app.screen, MetadataEditor)  # no confirm: nothing can be sent
        assert any(n.startswith("Cannot save: key 'xxxxxxxxxxxxxxxxxxxx'… is 74 characters") for n in h.notices())
        assert await server_metadata(h, message_id) == START


async def test_seventeen_pairs_are_refused(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    many = {f"k{i}": "v" for i in range(16)}
    async with h.app.run_test(size=SIZE) as pilot:
        message_id, editor = await open_editor(h, pilot, metadata=many)
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press(*"k16")
        await pilot.pause()
        assert "17 pairs; at most 16 are allowed" in text_of(editor, "#editor-problems")
        assert editor.query_one("#editor-save", Button).disabled


async def test_raw_json_mode_validates_live_and_saves(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        message_id, editor = await open_editor(h, pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        area = editor.query_one("#editor-raw")
        assert area.has_focus
        area.load_text("")
        await pilot.press("tab", "ctrl+n")  # in the JSON editor these belong to the text area
        await pilot.pause()
        assert area.has_focus and area.text.startswith(" ")
        assert len(editor.query_one(KeyValueEditor).rows) == 3
        area.load_text('{"keep": "1", "n": 5}')
        await pilot.pause()
        assert "metadata value of 'n' must be a string, not int" in text_of(editor, "#editor-problems")
        area.load_text('{"keep": "1",')
        await pilot.pause()
        assert "not valid JSON" in text_of(editor, "#editor-problems")
        await pilot.press("ctrl+r")  # cannot go back to rows with broken JSON
        await pilot.pause()
        assert editor.raw_mode
        area.load_text('{"keep": "1", "n": "5"}')
        await pilot.pause()
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert [r.pair for r in editor.query_one(KeyValueEditor).rows] == [("keep", "1"), ("n", "5")]
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        await pilot.press("enter")
        await h.settle(pilot)
        assert await server_metadata(h, message_id) == {"keep": "1", "n": "5"}


async def test_server_failure_keeps_the_edit_and_the_server_unchanged(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        message_id, editor = await open_editor(h, pilot)
        await edit_keep_change_drop_add(h, pilot, editor)
        h.set_faults("update:500")
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        await pilot.press("enter")
        await h.settle(pilot)
        assert h.app.screen is editor
        error = text_of(editor, "#editor-error")
        assert "The server did not save the metadata." in error
        assert "InternalError" in error and "request_id" in error
        assert "Your edit is kept here" in error
        assert [r.pair for r in editor.query_one(KeyValueEditor).rows] == [
            ("keep", "1"), ("change", "new"), ("added", "yes")]
        assert await server_metadata(h, message_id) == START
        journal = EditJournal(h.settings.journal_path, h.settings.backend_id)
        assert journal.entries()[-1].state == "failed"
        assert journal.entries()[-1].after == {"keep": "1", "change": "new", "added": "yes"}
        # The server recovers; ctrl+s again saves the same edit, once.
        h.set_faults("")
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        await pilot.press("enter")
        await h.settle(pilot)
        assert isinstance(h.app.screen, BrowserScreen)
        assert await server_metadata(h, message_id) == {"keep": "1", "change": "new", "added": "yes"}


async def test_timeout_keeps_the_edit_and_the_server_unchanged(make_harness, live_server):
    server = live_server(demo_data=True, faults="")
    h = make_harness(open_thread=ORDER_BOT, base_url=server.base_url, read_timeout=0.5)
    async with h.app.run_test(size=SIZE) as pilot:
        message_id, editor = await open_editor(h, pilot)
        server.app.rules = parse_faults("update:delay=30s")
        await edit_keep_change_drop_add(h, pilot, editor)
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        await pilot.press("enter")
        await h.settle(pilot)
        assert h.app.screen is editor
        error = text_of(editor, "#editor-error")
        assert "timed out" in error and "raise the timeout" in error
        assert [r.pair for r in editor.query_one(KeyValueEditor).rows][-1] == ("added", "yes")
        assert await server_metadata(h, message_id) == START


async def test_concurrent_change_is_detected_and_merge_by_hand(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        message_id, editor = await open_editor(h, pilot)
        theirs = {**START, "reviewer": "bob"}
        await h.client.modify_message(ORDER_BOT, message_id, metadata=theirs)  # a colleague, meanwhile
        await edit_keep_change_drop_add(h, pilot, editor)
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        await pilot.press("enter")  # confirm the diff
        await h.settle(pilot)
        conflict = h.app.screen
        assert isinstance(conflict, ChoiceScreen)
        assert f"The metadata of {message_id} changed on the server" in str(conflict.query_one("#choice-title").render())
        assert "+ reviewer = bob" in str(conflict.query_one("#choice-body").render())
        await pilot.press("enter")  # the default is the safe one: back to merge by hand
        await h.settle(pilot)
        assert h.app.screen is editor
        assert await server_metadata(h, message_id) == theirs
        assert "reviewer" in text_of(editor, "#editor-problems")
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press(*"reviewer", "tab", *"bob")
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        await pilot.press("enter")
        await h.settle(pilot)
        assert await server_metadata(h, message_id) == {"keep": "1", "change": "new", "added": "yes", "reviewer": "bob"}


async def test_concurrent_change_overwrite_and_reload(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        message_id, editor = await open_editor(h, pilot)
        await h.client.modify_message(ORDER_BOT, message_id, metadata={"theirs": "1"})
        await edit_keep_change_drop_add(h, pilot, editor)
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        await pilot.press("enter")
        await h.settle(pilot)
        await pilot.press("r")  # reload theirs: the edit is dropped
        await h.settle(pilot)
        assert h.app.screen is editor
        assert [r.pair for r in editor.query_one(KeyValueEditor).rows] == [("theirs", "1")]
        assert await server_metadata(h, message_id) == {"theirs": "1"}
        await h.client.modify_message(ORDER_BOT, message_id, metadata={"theirs": "2"})
        editor.query_one(KeyValueEditor).rows[0].value_input.focus()
        await pilot.press("end", *"0")
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        await pilot.press("enter")
        await h.settle(pilot)
        await pilot.press("o")  # overwrite
        await h.settle(pilot)
        assert await server_metadata(h, message_id) == {"theirs": "10"}


async def test_escape_asks_before_discarding(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        message_id, editor = await open_editor(h, pilot)
        await pilot.press("escape")  # nothing changed: closes at once
        await h.settle(pilot)
        assert isinstance(h.app.screen, BrowserScreen)
        await pilot.press("e")
        await h.settle(pilot)
        editor = h.app.screen
        await pilot.press(*"x")
        await pilot.press("escape")
        await h.settle(pilot)
        assert isinstance(h.app.screen, ChoiceScreen)
        await pilot.press("k")
        await h.settle(pilot)
        assert h.app.screen is editor
        await pilot.press("escape", "d")
        await h.settle(pilot)
        assert isinstance(h.app.screen, BrowserScreen)
        assert await server_metadata(h, message_id) == START


async def test_undo_restores_and_survives_a_restart(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        message_id, editor = await open_editor(h, pilot)
        await edit_keep_change_drop_add(h, pilot, editor)
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        await pilot.press("enter")
        await h.settle(pilot)
        assert await server_metadata(h, message_id) == {"keep": "1", "change": "new", "added": "yes"}
    # A new app on the same data dir: the journal is on disk. The edit is from an earlier run, so `u`
    # first says what it would undo, and enter keeps it.
    h2 = make_harness(open_thread=ORDER_BOT)
    async with h2.app.run_test(size=SIZE) as pilot:
        await h2.settle(pilot)
        await pilot.press("u")
        await h2.settle(pilot)
        question = h2.app.screen
        assert isinstance(question, ChoiceScreen)
        assert question.title_text == f"Undo an edit made before this session, of message {message_id}?"
        shown = str(question.query_one("#choice-body").render())
        assert "not in this session" in shown and "+ drop = 2" in shown and "- added (was yes)" in shown
        await pilot.press("enter")
        await h2.settle(pilot)
        assert await server_metadata(h2, message_id) == {"keep": "1", "change": "new", "added": "yes"}
        await pilot.press("u", "u")
        await h2.settle(pilot)
        assert await server_metadata(h2, message_id) == START
        assert h2.store.selected.metadata_dict == START
        assert (f"Restored the metadata of message {message_id} (added drop; changed change; removed added)."
                in h2.notices())
        await pilot.press("u")
        await h2.settle(pilot)
        assert "Nothing to undo in this thread." in h2.notices()


async def test_undo_refuses_when_the_server_changed_since(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        message_id, editor = await open_editor(h, pilot)
        await edit_keep_change_drop_add(h, pilot, editor)
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        await pilot.press("enter")
        await h.settle(pilot)
        await h.client.modify_message(ORDER_BOT, message_id, metadata={"someone": "else"})
        await pilot.press("u")
        await h.settle(pilot)
        assert await server_metadata(h, message_id) == {"someone": "else"}
        assert any(n.startswith(f"Not undoing: the metadata of {message_id} changed on the server") for n in h.notices())


async def test_read_only_profile_blocks_edit_compose_and_undo(make_harness):
    h = make_harness(open_thread=ORDER_BOT, read_only=True)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        for key in ("e", "E", "c", "u"):
            await pilot.press(key)
            await h.settle(pilot)
            assert isinstance(h.app.screen, BrowserScreen)
        expected = ("Edits, compose, delete and undo are off: "
                    "this configuration is read-only (read_only = true in config.toml).")
        assert h.notices().count(expected) == 4


# -- quitting (ctrl+c) while a save is on its way: never told 'not sent', never a stuck 'Saving…' --

EDITED = {**START, "added": "yes"}


def hold_saves(h):
    """Saves wait at the client until the returned event is set (the server's answer is late)."""
    gate = asyncio.Event()
    modify = h.client.modify_message

    async def late(*args, **kwargs):
        await gate.wait()
        return await modify(*args, **kwargs)

    h.client.modify_message = late
    return gate


async def start_save(h, pilot, editor):
    rows = editor.query_one(KeyValueEditor)
    rows.rows[-1].value_input.focus()
    await pilot.press("ctrl+n")
    await pilot.pause()
    await pilot.press(*"added", "tab", *"yes")
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert isinstance(h.app.screen, ChoiceScreen)
    await pilot.press("enter")
    await pilot.pause()
    assert editor.busy()


def body(screen) -> str:
    return str(screen.query_one("#choice-body", Static).render())


async def test_ctrl_c_during_a_save_says_it_is_on_its_way_and_the_landing_closes_the_editor(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        message_id, editor = await open_editor(h, pilot)
        gate = hold_saves(h)
        await start_save(h, pilot, editor)
        await pilot.press("ctrl+c")
        await pilot.pause()
        question = h.app.screen
        assert isinstance(question, ChoiceScreen)
        assert "may already hold it" in body(question) and "not sent" not in body(question)
        gate.set()  # the save lands while the question is open
        await h.settle(pilot)
        assert isinstance(h.app.screen, BrowserScreen)  # the question and the editor are gone, no 'Saving…'
        assert await server_metadata(h, message_id) == EDITED
        assert any("Saved metadata of" in n for n in h.notices())
        await pilot.press("escape", "d")  # once crashed with InvalidStateError
        await h.settle(pilot)
        assert h.app.is_running
    entry = EditJournal(h.settings.journal_path, h.settings.backend_id).entries()[-1]
    assert entry.state == "saved"


async def test_wait_then_quit_quits_once_the_save_lands(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        message_id, editor = await open_editor(h, pilot)
        gate = hold_saves(h)
        await start_save(h, pilot, editor)
        await pilot.press("ctrl+c")
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        assert h.app.is_running and h.app.screen is editor
        assert any("Quitting once the server answers" in n for n in h.notices())
        gate.set()
        await h.settle(pilot)
        assert not h.app.is_running
    assert h.app.return_code == 0
    assert await server_metadata(h, message_id) == EDITED


async def test_wait_then_quit_stays_when_the_save_fails(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        message_id, editor = await open_editor(h, pilot)
        gate = hold_saves(h)
        await start_save(h, pilot, editor)
        await pilot.press("ctrl+c")
        await pilot.pause()
        await pilot.press("w")
        h.set_faults("update:500")
        gate.set()
        await h.settle(pilot)
        assert h.app.is_running and h.app.screen is editor
        assert any(n.startswith("Not quitting: saving the metadata") for n in h.notices())
        assert "Your edit is kept here" in str(editor.query_one("#editor-error", Static).render())
    assert await server_metadata(h, message_id) == START


async def test_the_editor_shows_its_own_keys_in_the_key_bar(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        _message_id, editor = await open_editor(h, pilot)
        bar = editor.query_one(KeyBar)
        descriptions = [key.description for key in bar.keys()[0]]
        assert descriptions == ["Add pair", "Delete pair", "Raw JSON", "Save", "Copy JSON", "Cancel"]
        assert "Save" in str(bar.render()) and "Compose" not in str(bar.render())  # not the browser's keys
        await pilot.press("escape")
        await h.settle(pilot)
        await pilot.press("c")
        await h.settle(pilot)
        compose_keys = [key.description for key in h.app.screen.query_one(KeyBar).keys()[0]]
        assert compose_keys == ["Send", "Add metadata pair", "Delete pair", "Cancel"]


async def test_the_summary_never_contradicts_the_problems(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        _message_id, editor = await open_editor(h, pilot)
        rows = editor.query_one(KeyValueEditor)
        rows.set_pairs({f"k{i}": "v" for i in range(17)})
        await pilot.pause()
        assert "17 pairs; at most 16 are allowed" in text_of(editor, "#editor-problems")
        assert "pairs ·" not in text_of(editor, "#editor-status")
        rows.set_pairs({"k" * 65: "v", "ok": "1"})
        await pilot.pause()
        assert "64" in text_of(editor, "#editor-problems")
        assert text_of(editor, "#editor-status") == "Nothing can be saved until the problems above are fixed."


async def test_one_escape_leaves_the_raw_json_editor(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        _message_id, editor = await open_editor(h, pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert editor.raw_mode and editor.query_one("#editor-raw").has_focus
        await pilot.press("escape")  # unchanged: one escape closes the editor
        await h.settle(pilot)
        assert isinstance(h.app.screen, BrowserScreen)


async def test_at_80x24_many_pairs_keep_the_buttons_and_error_line_on_screen(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    many = {f"key{i}": f"value{i}" for i in range(8)}
    async with h.app.run_test(size=(80, 24)) as pilot:
        _message_id, editor = await open_editor(h, pilot, metadata=many)
        await pilot.pause()
        screen = h.app.screen.region
        for selector in ("#editor-save", "#editor-cancel", "#editor-status"):
            region = editor.query_one(selector).region
            assert region.height and screen.contains_region(region), (selector, region)
        editor.query_one(KeyValueEditor).set_pairs({f"k{i}": "v" for i in range(17)})
        await pilot.pause()
        for selector in ("#editor-save", "#editor-problems"):
            region = editor.query_one(selector).region
            assert region.height and screen.contains_region(region), (selector, region)


async def test_at_80x24_a_failed_save_keeps_its_error_and_the_buttons_on_screen(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    many = {f"key{i}": f"value{i}" for i in range(8)}
    async with h.app.run_test(size=(80, 24)) as pilot:
        _message_id, editor = await open_editor(h, pilot, metadata=many)
        editor.query_one(KeyValueEditor).set_pairs({**many, "added": "yes"})
        await pilot.pause()
        h.set_faults("update:400x1")
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        await pilot.press("enter")  # the diff
        await h.settle(pilot)
        assert h.app.screen is editor and editor.query_one("#editor-error").display
        screen = h.app.screen.region
        for selector in ("#editor-save", "#editor-cancel", "#editor-error"):
            region = editor.query_one(selector).region
            assert region.height and screen.contains_region(region), (selector, region)
