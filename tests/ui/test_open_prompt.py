"""`o`'s prompt: told the id before it closes (the jump starts at once), kept while its browser lives (22b)."""

from textual.app import App
from textual.widgets import Input, Static

from tui.emulator.demo import AGENT_LOOP
from tui.screens.ledger import LedgerScreen
from tui.screens.prompt import InputPrompt

SIZE = (120, 40)


def error_line(prompt: InputPrompt) -> str:
    return str(prompt.query_one("#prompt-error", Static).render())


async def test_submit_is_told_the_line_while_the_prompt_is_still_up():
    seen: list[tuple] = []

    class Host(App):
        def on_mount(self) -> None:
            self.prompt = InputPrompt("Id?", check=lambda v: None if v else "Type an id.",
                                      submit=lambda v: seen.append(("submit", v, self.screen is self.prompt)))
            self.push_screen(self.prompt, lambda v: seen.append(("closed", v)))

    async with Host().run_test() as pilot:
        await pilot.press("enter")  # refused by the check: nothing is told
        await pilot.press(*"abc", "enter")
        await pilot.pause()
    assert seen == [("submit", "abc", True), ("closed", "abc")]


async def test_the_open_prompt_is_kept_asks_afresh_and_goes_with_its_browser(make_harness):
    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("o", "enter")  # empty: the prompt says so and stays
        await pilot.pause()
        prompt = h.app.screen
        assert isinstance(prompt, InputPrompt) and error_line(prompt) == "Type an id."
        await pilot.press(*"message_x", "escape")
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert h.app.screen is prompt
        assert prompt.query_one(Input).value == "" and error_line(prompt) == ""
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")  # back to the ledger: the browser is removed, its prompt with it
        await h.settle(pilot)
        assert isinstance(h.app.screen, LedgerScreen)
        assert not h.app.is_screen_installed(prompt) and not prompt.is_attached


async def test_a_jump_from_the_kept_prompt_lands_each_time(make_harness):
    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        targets = [m.id async for m in h.client.iter_messages(AGENT_LOOP, order="asc", page_size=100)][100:1100:500]
        for target in targets:
            await pilot.press("o")
            await pilot.pause()
            h.app.screen.query_one(Input).value = target
            await pilot.press("enter")
            await h.settle(pilot)
            assert h.store.selected_id == target and target in [m.id for m in h.store.page]


async def test_quitting_with_the_open_prompt_up_is_clean(make_harness):
    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("o", *"message_")
        await pilot.pause()
        assert isinstance(h.app.screen, InputPrompt)
    assert h.app.return_code in (None, 0)  # closing the app with the prompt on top raised (ScreenStackError)


async def test_text_without_an_ids_shape_is_refused_before_any_request(make_harness):
    h = make_harness(page_size=20, open_thread=AGENT_LOOP)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        before = sum(h.faults.seen.values())
        browser, selected = h.browser, h.store.selected_id
        await pilot.press("o", *"hello world", "enter")
        await pilot.pause()
        prompt = h.app.screen
        assert isinstance(prompt, InputPrompt)  # stays up, the text kept for fixing
        assert error_line(prompt) == "'hello world' is not an id: they look like thread_<uuid>, conv_… or message_<uuid>"
        assert prompt.query_one(Input).value == "hello world"
        await h.settle(pilot)
        assert sum(h.faults.seen.values()) == before and browser.store.selected_id == selected
        await pilot.press("escape")
        await pilot.pause()
        assert h.app.screen is browser


def test_the_id_shape_takes_every_kind_of_id_and_refuses_words():
    from tui.ids import id_problem

    for good in ("message_0d464138-a623-4255-bfc1-ea36f17fd374", "msg_1", "conv_123", "thread_e99a9fe7-0433", "item_a_b"):
        assert id_problem(good, "message") is None, good
    for bad in ("hello world", "x", "_x", "message_", "message_ a", "message_1;rm"):
        assert id_problem(bad, "item") == f"{bad!r} is not an id: they look like thread_<uuid>, conv_… or msg_…"
