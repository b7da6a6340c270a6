"""The choice dialog: lettered answers, enter for the first, escape for the cancel value."""

from rich.text import Text
from textual import events

from tui.screens.choice import ChoiceScreen


def dialog() -> ChoiceScreen:
    return ChoiceScreen("Discard?", Text("body"), [("k", "Keep", "keep"), ("d", "Discard", "discard")],
                        cancel_value="back")


async def test_each_key_answers_its_value(make_harness):
    h = make_harness()
    async with h.app.run_test(size=(100, 30)) as pilot:
        await h.settle(pilot)
        for keys, expected in ((["d"], "discard"), (["enter"], "keep"), (["escape"], "back"), (["x", "k"], "keep")):
            answers = []
            h.app.push_screen(dialog(), answers.append)
            await pilot.pause()
            await pilot.press(*keys)
            await pilot.pause()
            assert answers == [expected]
            assert not isinstance(h.app.screen, ChoiceScreen)


async def test_keys_arriving_together_answer_once(make_harness):
    h = make_harness()
    async with h.app.run_test(size=(100, 30)) as pilot:
        await h.settle(pilot)
        answers = []
        screen = dialog()
        h.app.push_screen(screen, answers.append)
        await pilot.pause()
        # Both queued before either is handled, as in one burst of terminal input.
        screen.post_message(events.Key("d", "d"))
        screen.post_message(events.Key("k", "k"))
        await pilot.pause()
        await pilot.pause()
        assert answers == ["discard"]
