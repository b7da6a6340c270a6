"""A "pending" journal entry found at start-up (the app quit before the server answered) is checked."""

from textual.widgets import Static

from tui.emulator.demo import ORDER_BOT
from tui.journal import EditJournal
from tui.screens.choice import ChoiceScreen

BEFORE = {"k": "before"}
AFTER = {"k": "after", "new": "1"}


async def pending_edit(h, server_holds):
    """A message whose server metadata is `server_holds`, and a pending edit BEFORE → AFTER of it."""
    message = (await h.client.list_messages(ORDER_BOT, limit=1)).data[0]
    message = await h.client.modify_message(ORDER_BOT, message.id, metadata=server_holds)
    journal = EditJournal(h.settings.journal_path, h.settings.backend_id)
    journal.begin(message, BEFORE, AFTER)
    return message.id, journal


async def question_shown(pilot):
    """The start-up question (the check's worker waits for its answer, so `settle` would wait forever)."""
    for _ in range(200):
        await pilot.pause()
        if isinstance(pilot.app.screen, ChoiceScreen):
            return pilot.app.screen
    raise AssertionError(f"no question; the screen is {pilot.app.screen!r}")


async def server_metadata(h, message_id):
    return (await h.client.retrieve_message(ORDER_BOT, message_id)).metadata_dict


async def test_a_pending_edit_that_landed_is_reported_and_marked_saved(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    message_id, journal = await pending_edit(h, AFTER)
    async with h.app.run_test(size=(120, 40)) as pilot:
        await h.settle(pilot)
        assert any(n.startswith("An edit sent just before threadscope last quit did land") and message_id in n
                   for n in h.notices())
        assert not isinstance(h.app.screen, ChoiceScreen)
    assert journal.entries()[-1].state == "saved"


async def test_a_pending_edit_that_did_not_land_is_offered_back_and_sent(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    message_id, journal = await pending_edit(h, BEFORE)
    async with h.app.run_test(size=(120, 40)) as pilot:
        question = await question_shown(pilot)
        assert "did not land" in question.title_text
        body = str(question.query_one("#choice-body", Static).render())
        assert "+ new = 1" in body and "~ k : before → after" in body
        await pilot.press("s")
        await h.settle(pilot)
        assert any("The server saved the edit" in n for n in h.notices())
    assert await server_metadata(h, message_id) == AFTER
    assert [e.state for e in journal.entries()] == ["failed", "saved"]  # the checked one, then the one sent


async def test_a_pending_edit_overtaken_on_the_server_is_not_sent(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    message_id, journal = await pending_edit(h, {"k": "someone else"})
    async with h.app.run_test(size=(120, 40)) as pilot:
        question = await question_shown(pilot)
        assert "send" not in question.answers.values()
        assert "someone else" in str(question.query_one("#choice-body", Static).render())
        await pilot.press("k")
        await h.settle(pilot)
    assert await server_metadata(h, message_id) == {"k": "someone else"}
    assert journal.entries()[-1].state == "failed"
