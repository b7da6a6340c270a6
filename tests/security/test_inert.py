"""Every character class `tui.inert` neutralises, property-based over the whole set: at the
function (each character becomes its visible stand-in, everything else is untouched) and on
screen (a message made of them, opened in the app, puts none of them on the terminal)."""

from __future__ import annotations

import asyncio
import json
import sys
import unicodedata

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from tui.inert import make_inert, one_line
from tui.widgets.message_detail import MessageDetail
from tui.widgets.message_list import MessageList

from .screen import raw_controls_in, region_text, screen_text, terminal_output


def span(first: int, last: int) -> list[str]:
    return [chr(code) for code in range(first, last + 1)]


# Each class the threat model names (SECURITY.md), with every character in it.
CLASSES = {
    "C0 controls (tab and newline excepted)": [chr(c) for c in range(0x20) if c not in (0x09, 0x0A)],
    "DEL": ["\x7f"],
    "C1 controls": span(0x80, 0x9F),
    "zero-width space, joiners": span(0x200B, 0x200D),
    "word joiner, invisible operators": span(0x2060, 0x2064),
    "bidi marks (LRM, RLM, ALM)": ["\u200e", "\u200f", "\u061c"],
    "bidi embeddings and overrides": span(0x202A, 0x202E),
    "bidi isolates": span(0x2066, 0x2069),
    "deprecated format controls": span(0x206A, 0x206F),
    "BOM / zero-width no-break space": ["\ufeff"],
    "line and paragraph separators": ["\u2028", "\u2029"],
    "Mongolian vowel separator": ["\u180e"],
    "interlinear annotation controls": span(0xFFF9, 0xFFFB),
    "tag characters (invisible ASCII)": ["\U000e0001", *span(0xE0020, 0xE007F)],
    "hieroglyph, shorthand and musical format controls": [*span(0x13430, 0x1343F), *span(0x1BCA0, 0x1BCA3),
                                                          *span(0x1D173, 0x1D17A)],
    "lone surrogates (a JSON \\ud800 escape)": span(0xD800, 0xDFFF),
}
NEUTRALISED = frozenset(char for chars in CLASSES.values() for char in chars)
# Format characters drawn as a glyph of their own (number signs, the soft hyphen): shown as they are.
VISIBLE_FORMAT = frozenset(["\u00ad", *span(0x0600, 0x0605), "\u06dd", "\u070f", "\u0890", "\u0891", "\u08e2",
                            "\U000110bd", "\U000110cd"])
ESCAPE_SEQUENCES = ["\x1b[31m", "\x1b[2J", "\x1b[1;1H", "\x1b[5A", "\x1b]0;title\x07", "\x1b]52;c;aGFja2Vk\x07",
                    "\x1b]8;;http://evil/\x07", "\x1bP1$r\x9c", "\x9b2J", "\x9d0;t\x9c", "\x1bc", "\x1b]8;;x\x1b\x5c"]


def stand_in(char: str) -> str:
    """The visible symbol the threat model promises for `char`."""
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)
    if 0xD800 <= code <= 0xDFFF:
        return f"\\u{code:04x}"
    return "␡" if code == 0x7F else f"<U+{code:04X}>"


def expected(text: str) -> str:
    return "".join(stand_in(c) if c in NEUTRALISED else c for c in text)


HOSTILE = st.sampled_from(sorted(NEUTRALISED))
ANY = st.characters(codec="utf-8")  # everything a JSON string can carry
MIXED = st.lists(st.one_of(HOSTILE, ANY, st.sampled_from(ESCAPE_SEQUENCES)), max_size=40).map("".join)


@pytest.mark.parametrize("name", list(CLASSES))
def test_every_character_of_each_class_becomes_its_stand_in(name):
    for char in CLASSES[name]:
        assert make_inert(f"a{char}b") == f"a{stand_in(char)}b", f"U+{ord(char):04X}"


def test_every_control_format_and_separator_character_in_unicode_is_covered():
    """Cc, Cf, Zl, Zp and Cs, the whole code space: each is neutralised unless it is drawn as a glyph."""
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp", "Cs") or char in "\t\n":
            continue
        if char in VISIBLE_FORMAT:
            assert make_inert(char) == char, f"U+{code:04X}"
        else:
            assert char in NEUTRALISED, f"U+{code:04X} ({unicodedata.name(char, '?')}) is in no class"
            assert make_inert(char) == stand_in(char), f"U+{code:04X}"


@given(MIXED)
@example("\u2066\u202e\u2069\ufeff\u2028\u2029\x1b]52;c;aGk=\x07")
def test_make_inert_replaces_exactly_the_set_and_nothing_else(text):
    shown = make_inert(text)
    assert shown == expected(text)
    assert not NEUTRALISED.intersection(shown)
    assert make_inert(shown) == shown  # the stand-ins are themselves inert


@given(st.lists(st.sampled_from(ESCAPE_SEQUENCES), min_size=1, max_size=8).map("".join))
def test_no_escape_sequence_survives(text):
    shown = make_inert(text)
    assert "\x1b" not in shown and "\x9b" not in shown and "\x9d" not in shown
    assert shown.count("␛") == text.count("\x1b")


@given(MIXED, st.integers(min_value=1, max_value=80))
def test_one_line_is_one_inert_line_within_the_width(text, width):
    line = one_line(text, width)
    assert not NEUTRALISED.intersection(line) and "\n" not in line and "\t" not in line
    assert len(line) <= width


# -- on screen: the list row and the detail pane -------------------------------------------------

# What the detail pane renders as Markdown is kept to letters, spaces and the set, so the text
# shown is the text sent (markup characters would be rendered, not shown).
# Lone surrogates cannot be stored through the API (a 400): the surrogate test below serves them.
STORABLE = st.sampled_from(sorted(c for c in NEUTRALISED if not 0xD800 <= ord(c) <= 0xDFFF))
ON_SCREEN = st.lists(st.one_of(STORABLE, st.sampled_from("ab "), st.sampled_from(ESCAPE_SEQUENCES[:-1])),
                     min_size=1, max_size=30).map("".join)
SIZE = (120, 40)


def squeezed(text: str) -> str:
    return "".join(text.split())


async def show_each(make_harness, texts: list[str]) -> None:
    from .test_hostile_content import seed_thread

    contents = [f"m{i} {text}" for i, text in enumerate(texts)]
    thread_id, ids = await seed_thread(make_harness, contents)
    h = make_harness(open_thread=thread_id)
    async with h.client, h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        for message_id, content in reversed(list(zip(ids, contents, strict=True))):  # newest first
            assert h.store.selected_id == message_id and h.store.selected.text == content
            shown = screen_text(h.app)
            assert not NEUTRALISED.intersection(shown), [f"U+{ord(c):04X}" for c in NEUTRALISED.intersection(shown)]
            assert raw_controls_in(terminal_output(h.app)) == []
            list_text = region_text(h.app, h.browser.query_one(MessageList))
            assert one_line(content)[:12] in list_text
            detail_text = region_text(h.app, h.browser.query_one(MessageDetail))
            assert squeezed(make_inert(content)) in squeezed(detail_text)
            await pilot.press("j")
            await h.settle(pilot)


# No shrinking: each example runs the app, and the failure already names the characters on screen.
@settings(max_examples=4, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(ON_SCREEN, min_size=1, max_size=4))
def test_messages_made_of_the_set_put_none_of_it_on_screen(make_harness, texts):
    asyncio.run(show_each(make_harness, texts))


def test_every_character_of_the_set_on_screen(make_harness):
    everything = sorted(c for c in NEUTRALISED if not 0xD800 <= ord(c) <= 0xDFFF) + ESCAPE_SEQUENCES[:-1]
    asyncio.run(show_each(make_harness, ["".join(everything[i:i + 24]) for i in range(0, len(everything), 24)]))


async def test_a_lone_surrogate_from_the_server_is_shown_as_its_code_point():
    """Rich counts it one cell but a terminal gets six (or a crash): it is shown as the escape `\\ud800`."""
    import httpx

    from tests.conftest import Harness
    from tui.api import DashScopeClient
    from tui.app import ThreadscopeApp
    from tui.config import resolve_settings

    thread = "thread_00000000-0000-4000-8000-000000000000"
    wire = {"id": "message_1", "object": "thread.message", "created_at": 1, "thread_id": thread, "role": "user",
            "content": [{"type": "text", "text": {"value": "half HIGH an emoji", "annotations": []}}],
            "metadata": {"kLOW": "vHIGH"}}
    listed = {"object": "list", "data": [wire], "first_id": "message_1", "last_id": "message_1", "has_more": False}
    message, page = (json.dumps(o).replace("HIGH", "\\ud800").replace("LOW", "\\udfff") for o in (wire, listed))

    def serve(request):
        return httpx.Response(200, content=(message if request.url.path.endswith("message_1") else page).encode(),
                              headers={"Content-Type": "application/json"})

    settings = resolve_settings()
    client = DashScopeClient(api_key="k", base_url="http://hostile.test/api/v1", transport=httpx.MockTransport(serve))
    h = Harness(ThreadscopeApp(settings, client, open_thread=thread), client, settings)
    async with client, h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        assert h.store.selected.text == "half \ud800 an emoji"  # the data is kept as sent
        shown = screen_text(h.app)
        assert not any(0xD800 <= ord(c) <= 0xDFFF for c in shown)
        assert "half \\ud800 an emoji" in region_text(h.app, h.browser.query_one(MessageDetail))
        assert "k\\udfff" in region_text(h.app, h.browser.query_one(MessageDetail))
        assert "half \\ud800 an emoji" in region_text(h.app, h.browser.query_one(MessageList))
