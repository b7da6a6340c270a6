"""Copies of server text are inert (newcomer #3): what `y` and `i` put on the clipboard holds no control
or bidi formatting character, the notice says what was left out, and JSON copies escape them instead."""

from __future__ import annotations

import json

from hypothesis import assume, given
from hypothesis import strategies as st

from tui.inert import copyable, inert_json

from .test_hostile_content import seed_thread
from .test_inert import CLASSES

SIZE = (120, 40)
LEFT_OUT = frozenset(
    char for name, chars in CLASSES.items()
    if name.startswith(("C0", "DEL", "C1", "bidi embeddings", "bidi isolates", "lone surrogates"))
    for char in chars
)
KEPT_FORMAT = frozenset(char for chars in CLASSES.values() for char in chars) - LEFT_OUT  # ZWJ and the like
TEXT = st.lists(st.one_of(st.sampled_from(sorted(LEFT_OUT)), st.sampled_from(sorted(KEPT_FORMAT)),
                          st.sampled_from(["\n", "\t", "\r\n", "é", "中", "👨\u200d👩", "[b]x[/]"]),
                          st.characters(codec="utf-8")), max_size=30).map("".join)
# What the newcomer sent: an OSC 52, SGR colours, markup and an RTL override.
EVIL = "evil \x1b]52;c;SGFja2Vk\x07 osc52 \x1b[31mRED\x1b[0m [bold red]markup[/] \u202eRTL-override end"


@given(TEXT)
def test_a_copy_leaves_out_exactly_the_controls_and_bidi_formatting_and_counts_them(text):
    copied, said = copyable(text)
    text = text.replace("\r\n", "\n")
    assert copied == "".join(char for char in text if char not in LEFT_OUT)  # the rest, in order
    copied.encode("utf-8")  # what OSC 52 and the system clipboard are given must encode
    dropped = sum(char in LEFT_OUT for char in text)
    counted = sum(int(word) for word in said.replace("left out ", "").split() if word.isdigit())
    assert counted == dropped and (said == "") == (dropped == 0)


@given(st.recursive(st.none() | st.booleans() | st.integers() | TEXT,
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                    max_leaves=8))
def test_a_json_copy_escapes_them_and_parses_back_to_the_same_value(value):
    assume(json.loads(json.dumps(value)) == value)  # not a surrogate pair split in two: JSON joins those
    text = inert_json(value)
    assert json.loads(text) == value
    assert not LEFT_OUT & set(text)
    assert copyable(text) == (text, "")  # nothing left for the copy to leave out


async def test_y_3_copies_the_message_text_without_escapes_and_says_so(make_harness, no_system_clipboard):
    thread_id, [message_id] = await seed_thread(make_harness, [EVIL])
    h = make_harness(open_thread=thread_id)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("y", "3")
        await pilot.pause()
        assert h.app.clipboard == "evil ]52;c;SGFja2Vk osc52 [31mRED[0m [bold red]markup[/] RTL-override end"
        assert ("Sent message text to the terminal clipboard (OSC 52) (left out 4 control characters and "
                "1 bidi formatting character: they would act when pasted).") in h.notices()
        await pilot.press("y", "4")
        await pilot.pause()
        copied = h.app.clipboard
        assert json.loads(copied)["content"][0]["text"]["value"] == EVIL  # escaped, not lost
        assert "\\u001b]52;c;" in copied and "\\u202e" in copied and "\x1b" not in copied
        assert "Sent message JSON to the terminal clipboard (OSC 52)." in h.notices()


async def test_ids_and_snippets_carrying_controls_are_copied_inert(make_harness, no_system_clipboard):
    hostile_id = "msg_\x1b[201~rm -rf ~\u202e"
    thread_id, _ = await seed_thread(make_harness, ["x"], via_storage={0: {"message_id": hostile_id}})
    h = make_harness(open_thread=thread_id)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        assert h.app.clipboard == "msg_[201~rm -rf ~"
        assert any("left out 1 control character and 1 bidi formatting character" in n for n in h.notices())
        for number in "56":  # curl percent-encodes, the SDK snippet uses repr: escaped already
            await pilot.press("y", number)
            await pilot.pause()
            assert not LEFT_OUT & set(h.app.clipboard)
            assert "left out" not in h.notices()[-1]
