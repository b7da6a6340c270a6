"""The help screen's rows: the declared keys after the user's keymap, grouped by binding id."""

from textual.binding import Binding

from tui.screens.help import key_rows


def test_rows_follow_the_keymap_and_priority_keys_win():
    screen = [Binding("n", "next_page", "Next page", id="next_page"),
              Binding("j,down", "cursor_down", "Down", show=False, id="cursor_down"),
              Binding("ctrl+c", "copy", "Copy", id="copy"),
              Binding("x", "noise", "No id")]
    app = [Binding("q", "quit", "Quit", id="quit"),
           Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="quit_ctrl_c")]
    rows = key_rows([screen, app], {"next_page": "right,l"}, lambda b: b.key)
    # A copy that ctrl+c would shadow is left out; the remapped keys replace n.
    assert sorted(rows) == sorted([("right, l", "Next page", "next_page"), ("j, down", "Down", "cursor_down"),
                                   ("q", "Quit", "quit"), ("ctrl+c", "Quit", "quit_ctrl_c")])


async def test_a_keymap_id_no_binding_has_is_reported(make_harness):
    from tui.emulator.demo import ORDER_BOT

    h = make_harness(keymap={"next_page": "right", "nxt_page": "l"}, open_thread=ORDER_BOT)
    async with h.app.run_test(size=(120, 40)) as pilot:
        await h.settle(pilot)
        problems = [n for n in h.notices() if "keymap" in n]
        assert problems == [f"{h.settings.config_path}: keymap: no key binding has the id nxt_page (ignored); "
                            "press ? to see the ids"]


def test_every_binding_id_of_the_screens_is_known():
    from tui.screens.help import binding_ids

    ids = binding_ids()
    assert {"next_page", "edit_metadata", "ledger.forget", "editor.save", "compose.send", "help.close"} <= ids


async def test_help_fits_an_80_column_terminal_and_says_it_scrolls(make_harness):
    from textual.containers import VerticalScroll

    from tui.emulator.demo import ORDER_BOT
    from tui.screens.help import HelpScreen

    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=(80, 24)) as pilot:
        await h.settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(h.app.screen, HelpScreen)
        box = h.app.screen.query_one(VerticalScroll)
        assert box.region.x >= 0 and box.region.right <= 80
        assert box.max_scroll_y > 0 and box.border_subtitle == "↑↓ scroll · esc close"
        assert box.virtual_size.width <= box.scrollable_content_region.width  # nothing cut on the right
        await pilot.press("down")
        await pilot.pause()
        assert box.scroll_y > 0
