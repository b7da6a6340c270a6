"""Compose: exactly one message per intent, the text kept on failure."""

from textual.widgets import Static

from tui.emulator.demo import EMPTY, ORDER_BOT
from tui.screens.browser import BrowserScreen
from tui.screens.compose import ComposeScreen

SIZE = (120, 40)


async def count(h, thread_id):
    return len([m async for m in h.client.iter_messages(thread_id, order="asc")])


async def open_compose(h, pilot, thread_id):
    await h.settle(pilot)
    await pilot.press("c")
    await h.settle(pilot)
    assert isinstance(h.app.screen, ComposeScreen)
    return h.app.screen


async def test_compose_adds_one_message_in_place_and_selects_it(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await open_compose(h, pilot, ORDER_BOT)
        before = await count(h, ORDER_BOT)
        await pilot.press(*"Where is order 42?")
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press(*"ticket", "tab", *"T-9")
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        assert isinstance(h.app.screen, BrowserScreen)
        assert await count(h, ORDER_BOT) == before + 1
        newest = (await h.client.list_messages(ORDER_BOT, limit=1, order="desc")).data[0]
        assert (newest.text, newest.metadata_dict, newest.role) == ("Where is order 42?", {"ticket": "T-9"}, "user")
        assert h.store.selected_id == newest.id
        assert h.store.page[0].id == newest.id  # newest first: it is at the top


async def test_ctrl_s_twice_while_in_flight_sends_once(make_harness):
    h = make_harness(open_thread=EMPTY)
    async with h.app.run_test(size=SIZE) as pilot:
        await open_compose(h, pilot, EMPTY)
        await pilot.press(*"hello")
        h.set_faults("create:delay=0.3s")  # keep the first request in flight while the second key arrives
        await pilot.press("ctrl+s", "ctrl+s", "ctrl+s")
        await h.settle(pilot)
        assert await count(h, EMPTY) == 1


async def test_failed_send_keeps_the_text_and_a_retry_sends_once(make_harness):
    h = make_harness(open_thread=EMPTY)
    async with h.app.run_test(size=SIZE) as pilot:
        compose = await open_compose(h, pilot, EMPTY)
        await pilot.press(*"keep me")
        h.set_faults("create:400x1")
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        assert h.app.screen is compose
        error = str(compose.query_one("#compose-error", Static).render())
        assert "The message was not created." in error and "InvalidParameter" in error
        assert compose.query_one("#compose-text").text == "keep me"
        assert await count(h, EMPTY) == 0
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        assert await count(h, EMPTY) == 1


async def test_lost_answer_is_found_not_sent_again(make_harness):
    """The create landed but the answer was lost (a gateway 504): ctrl+s again must not duplicate it."""
    h = make_harness(open_thread=EMPTY)
    async with h.app.run_test(size=SIZE) as pilot:
        compose = await open_compose(h, pilot, EMPTY)
        await pilot.press(*"only once")
        h.set_faults("create:lostx1")
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        assert h.app.screen is compose
        error = str(compose.query_one("#compose-error", Static).render())
        assert "it may still have reached the server" in error
        assert "ctrl+s checks the thread for it before sending again" in error
        assert await count(h, EMPTY) == 1
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        assert isinstance(h.app.screen, BrowserScreen)
        assert await count(h, EMPTY) == 1
        assert any("The earlier attempt did create it" in n for n in h.notices())
        assert h.store.page[0].text == "only once"


async def test_empty_message_cannot_be_sent(make_harness):
    h = make_harness(open_thread=EMPTY)
    async with h.app.run_test(size=SIZE) as pilot:
        compose = await open_compose(h, pilot, EMPTY)
        await pilot.press(*"   ", "ctrl+s")
        await h.settle(pilot)
        assert h.app.screen is compose
        assert "Cannot send: the message is empty" in h.notices()
        assert await count(h, EMPTY) == 0


async def test_at_80x24_compose_keeps_its_buttons_on_screen(make_harness):
    from tui.emulator.demo import ORDER_BOT

    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=(80, 24)) as pilot:
        await h.settle(pilot)
        await pilot.press("c")
        await h.settle(pilot)
        compose = h.app.screen
        screen = compose.region
        for selector in ("#compose-send", "#compose-cancel", "#compose-status"):
            region = compose.query_one(selector).region
            assert region.height and screen.contains_region(region), (selector, region)


async def test_at_80x24_adding_an_item_keeps_its_buttons_on_screen_with_an_error_shown(make_harness):
    from textual.widgets import Select

    from tui.emulator.demo_conversations import SUPPORT_CHAT

    h = make_harness(open_thread=SUPPORT_CHAT)
    async with h.app.run_test(size=(80, 24)) as pilot:
        await h.settle(pilot)
        await pilot.press("c")
        await h.settle(pilot)
        compose = h.app.screen
        assert isinstance(compose, ComposeScreen) and compose.query_one(Select)  # the role is chosen here
        await pilot.press(*"line", *["enter", *"more"] * 12)
        h.set_faults("create_items:400x1")
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        assert compose.query_one("#compose-error").display
        screen = compose.region
        for selector in ("#compose-send", "#compose-cancel", "#compose-error"):
            region = compose.query_one(selector).region
            assert region.height and screen.contains_region(region), (selector, region, screen)
