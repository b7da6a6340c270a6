"""The key bar: the screen's keys on one line, whole keys only, clickable, kept current."""

from textual.widgets import Input

from tui.emulator.demo import ORDER_BOT
from tui.screens.browser import BrowserScreen
from tui.screens.ledger import LedgerScreen
from tui.screens.prompt import InputPrompt
from tui.widgets.key_bar import KeyBar


def drawn(bar: KeyBar) -> str:
    """The line as it is on screen."""
    return "".join(segment.text for segment in bar.render_line(0))


async def test_browser_shows_its_keys_whole_with_the_palette_at_the_right(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=(120, 40)) as pilot:
        await h.settle(pilot)
        line = drawn(h.browser.query_one(KeyBar))
        assert len(line) == 120
        assert line.startswith(" n Next page  ^f Find in thread  f Filter  r Raw JSON  e Edit metadata  c Compose")
        assert line.endswith("? Help  q Quit  ^p palette")
        assert " p " not in line  # keys with show=False stay out (prev page is in help)


async def test_narrow_bar_leaves_out_whole_keys_never_half_a_word(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=(70, 24)) as pilot:
        await h.settle(pilot)
        line = drawn(h.browser.query_one(KeyBar))
        assert len(line) == 70
        assert line.endswith(" ^p palette")
        keys = line[: line.index("^p")].split("  ")
        assert [part.strip() for part in keys if part.strip()] == [
            "n Next page", "^f Find in thread", "f Filter", "? Help", "q Quit"]


async def test_help_and_quit_stay_at_any_width_a_plain_space_apart_from_the_palette(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=(80, 24)) as pilot:
        for width in (80, 52, 40):
            await pilot.resize_terminal(width, 24)
            await pilot.pause()
            bar = h.browser.query_one(KeyBar)
            line = drawn(bar)
            assert len(line) == width
            assert "? Help  q Quit" in line and line.endswith(" ^p palette"), line
            # Quit and the palette never run together: a space in the bar's own style between them.
            segments = list(bar.render_line(0))
            at = next(i for i, segment in enumerate(segments) if segment.text.strip() == "^p")
            assert segments[at - 1].text.endswith(" ") and segments[at - 1].style != segments[at].style


async def test_clicking_a_key_presses_it(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=(120, 40)) as pilot:
        await h.settle(pilot)
        bar = h.browser.query_one(KeyBar)
        column = drawn(bar).index("Filter")
        assert bar.key_at(column).description == "Filter"
        await pilot.click(KeyBar, offset=(column, 0))
        await pilot.pause()
        assert isinstance(h.app.screen, InputPrompt)
        assert h.app.screen.query_one(Input).has_focus


async def test_remapped_keys_show_as_remapped_on_every_screen(make_harness):
    h = make_harness(keymap={"next_page": "m", "open_thread": "O"})
    async with h.app.run_test(size=(120, 40)) as pilot:
        await h.settle(pilot)
        assert isinstance(h.app.screen, LedgerScreen)
        assert drawn(h.app.screen.query_one(KeyBar)).startswith(" O Open by id ")
        await pilot.press("enter")
        await h.settle(pilot)
        assert isinstance(h.app.screen, BrowserScreen)
        assert drawn(h.app.screen.query_one(KeyBar)).startswith(" m Next page ")


async def test_bar_follows_a_keymap_change_while_shown(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=(120, 40)) as pilot:
        await h.settle(pilot)
        bar = h.browser.query_one(KeyBar)
        assert drawn(bar).startswith(" n Next page ")
        h.app.update_keymap({"next_page": "ctrl+n"})
        await pilot.pause()
        assert drawn(bar).startswith(" ^n Next page ")


async def test_a_dialog_shows_its_own_keys_over_the_screens_below(make_harness):
    from tui.screens.help import HelpScreen

    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=(120, 40)) as pilot:
        await h.settle(pilot)
        await pilot.press("o")  # open by id: a prompt
        await pilot.pause()
        assert isinstance(h.app.screen, InputPrompt)
        line = drawn(h.app.screen.query_one(KeyBar))
        assert "esc Cancel" in line and "Next page" not in line
        bar = h.app.screen.query_one(KeyBar)
        assert bar.region.y == 39 and bar.region.width == 120  # the bottom row, where the browser's bar is
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        assert isinstance(h.app.screen, HelpScreen)
        line = drawn(h.app.screen.query_one(KeyBar))
        assert "esc Close" in line and "Next page" not in line


async def test_keys_say_conversation_in_a_conversation_and_thread_in_a_thread(make_harness):
    """The bar, help (?) and the palette word the find, E and c keys for what is open."""
    from tui.emulator.demo_conversations import SUPPORT_CHAT
    from tui.screens.help import HelpScreen

    for open_id, kind in ((SUPPORT_CHAT, "conversation"), (ORDER_BOT, "thread")):
        other = "thread" if kind == "conversation" else "conversation"
        h = make_harness(open_thread=open_id)
        async with h.app.run_test(size=(120, 40)) as pilot:
            await h.settle(pilot)
            line = drawn(h.browser.query_one(KeyBar))
            assert f"^f Find in {kind} " in line and other not in line, line
            palette = {command.title for command in h.app.get_system_commands(h.browser)}
            assert {f"Find in {kind}", f"Edit {kind} metadata"} <= palette
            assert f"Find in {other}" not in palette
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(h.app.screen, HelpScreen)
            does = {binding_id: description for _keys, description, binding_id in h.app.screen.rows}
            assert does["find"] == f"Find in {kind}" and does["edit_owner_metadata"] == f"Edit {kind} metadata"
            # c opens the form titled "New item" in a conversation (any role), "Compose" a user message.
            assert does["compose"] == ("New item" if kind == "conversation" else "Compose")
            assert not [d for d in does.values() if "thread/conversation" in d or f"in {other}" in d]
