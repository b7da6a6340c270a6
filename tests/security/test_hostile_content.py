"""Hostile message content: escape sequences, markup, bidi, controls and huge texts stay inert data.

Every case goes through the real client and emulator (or, when the API refuses it, straight
into the emulator's storage, as a run would write it), is opened in the real app, and the
screen is checked both as text (the visible stand-ins are there) and as the exact bytes a
redraw writes to the terminal (no raw ESC, OSC, NUL, BEL, BS, C1 or bidi control).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from dataclasses import dataclass

import httpx
import pytest
from textual.drivers.headless_driver import HeadlessDriver

from tests.conftest import Harness
from tui.api.errors import InvalidParameterError
from tui.emulator.storage import message_object, new_message_id, now_ms
from tui.screens.browser import BrowserScreen
from tui.screens.copy_menu import CopyMenu
from tui.widgets.message_detail import MessageDetail
from tui.widgets.message_list import MessageList

from .screen import raw_controls_in, region_text, screen_text, terminal_output, toast_text, wait_for_toast

SIZE = (120, 40)
NEIGHBOUR = "a plain neighbour message"


@dataclass(frozen=True)
class Case:
    content: str
    shown: str  # what the list row and the rendered detail show instead (the stand-ins)
    raw_shown: str  # what the raw JSON view shows inside the "value" string
    raw_fragments: tuple[str, ...]  # pieces of the content that must never reach the terminal as such


CASES = {
    "csi_colour_and_clear": Case("\x1b[31mred\x1b[2J", "␛[31mred␛[2J", r"\u001b[31mred\u001b[2J",
                                 ("\x1b[31mred", "\x1b[2J")),
    "csi_cursor_move": Case("up\x1b[5Aover\x1b[1;1H", "up␛[5Aover␛[1;1H", r"up\u001b[5Aover\u001b[1;1H",
                            ("\x1b[5A", "over\x1b[1;1H")),  # Textual itself moves with ESC[y;xH
    "osc52_clipboard": Case("\x1b]52;c;aGFja2Vk\x07", "␛]52;c;aGFja2Vk␇", r"\u001b]52;c;aGFja2Vk\u0007",
                            ("\x1b]52;",)),
    "osc0_title": Case("\x1b]0;pwned\x07", "␛]0;pwned␇", r"\u001b]0;pwned\u0007", ("\x1b]0;",)),
    "c1_csi_osc": Case("\x9b2J\x9d0;t", "<U+009B>2J<U+009D>0;t", "<U+009B>2J<U+009D>0;t",
                       ("\x9b", "\x9d")),
    "markup_click_action": Case("[@click=app.quit]click me[/]", "[@click=app.quit]click me[/]",
                                "[@click=app.quit]click me[/]", ()),
    "markup_style": Case("[bold red]x[/]", "[bold red]x[/]", "[bold red]x[/]", ()),
    "markup_link": Case("[link=https://evil]y[/link]", "[link=https://evil]y[/link]",
                        "[link=https://evil]y[/link]", ("\x1b]8;",)),
    "bidi_override": Case("\u202egnp.exe", "<U+202E>gnp.exe", "<U+202E>gnp.exe", ("\u202e",)),
    "zero_width": Case("a\u200bb\u2060c", "a<U+200B>b<U+2060>c", "a<U+200B>b<U+2060>c", ("\u200b", "\u2060")),
    "nul_bel_bs": Case("nul\x00bel\x07bs\x08", "nul␀bel␇bs␈", r"nul\u0000bel\u0007bs\b", ("\x00", "\x07", "\x08")),
}


async def seed_thread(make_harness, contents: list[str], *, metadata: dict[str, str] | None = None,
                      via_storage: dict[int, dict] | None = None) -> tuple[str, list[str]]:
    """A new thread holding `contents` oldest first (user messages through the API; the indexes in
    `via_storage` written straight to storage as assistant messages with those fields); returns (thread, ids)."""
    seed = make_harness()
    try:
        thread = await seed.client.create_thread()
        ids = []
        for index, content in enumerate(contents):
            if via_storage and index in via_storage:
                fields = dict(via_storage[index])
                message_id = fields.pop("message_id", new_message_id())
                seed.storage.add_message(message_object(
                    message_id=message_id, thread_id=thread.id, created_at=now_ms(), role=fields.pop("role", "assistant"),
                    text=content, **fields))
                ids.append(message_id)
            else:
                ids.append((await seed.client.create_message(thread.id, content, metadata=metadata)).id)
        return thread.id, ids
    finally:
        await seed.client.aclose()


def assert_terminal_clean(app, fragments: tuple[str, ...] = ()) -> None:
    output = terminal_output(app)
    assert raw_controls_in(output) == []
    for fragment in fragments:
        assert fragment not in output
    assert "\x1b" not in screen_text(app)


def assert_on_browser(h) -> None:
    assert h.app.is_running
    assert isinstance(h.app.screen, BrowserScreen)


def collapsed(text: str) -> str:
    """Region text with wrapping and padding folded to single spaces (phrases survive a wrap)."""
    return " ".join(text.split())


@pytest.mark.parametrize("name", list(CASES))
async def test_hostile_content_is_shown_inert_in_list_detail_and_raw_view(make_harness, name):
    case = CASES[name]
    thread_id, ids = await seed_thread(make_harness, [NEIGHBOUR, case.content])
    h = make_harness(open_thread=thread_id)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        assert_on_browser(h)
        assert h.store.selected_id == ids[1]  # newest first: the hostile message is selected
        assert h.store.selected.text == case.content  # the data itself is untouched

        browser = h.browser
        list_text = region_text(h.app, browser.query_one(MessageList))
        detail_text = region_text(h.app, browser.query_one(MessageDetail))
        assert case.shown[:20] in list_text  # the row is cut to the pane's width
        assert case.shown in detail_text
        assert_terminal_clean(h.app, case.raw_fragments)

        await pilot.press("r")
        await h.settle(pilot)
        detail = browser.query_one(MessageDetail)
        assert detail.raw
        raw_text = region_text(h.app, detail)
        assert f'"value": "{case.raw_shown}"' in collapsed(raw_text)
        assert ids[1] in raw_text
        assert_terminal_clean(h.app, case.raw_fragments)

        await pilot.press("r", "j")
        await h.settle(pilot)
        assert h.store.selected_id == ids[0]
        assert NEIGHBOUR in region_text(h.app, detail)
        assert_on_browser(h)


async def test_clicking_an_action_link_in_a_message_does_nothing(make_harness):
    thread_id, _ = await seed_thread(make_harness, ["[@click=app.quit]click me[/] and [@click=app.bell]ring[/]"])
    h = make_harness(open_thread=thread_id)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        bells = []
        h.app.bell = lambda: bells.append(1)
        lines = screen_text(h.app).splitlines()
        clicked = 0
        for y, line in enumerate(lines):
            for word in ("click me", "ring"):
                x = line.find(word, line.find("[@click="))
                if "[@click=" in line and x >= 0:
                    await pilot.click(offset=(x + 1, y))
                    await h.settle(pilot)
                    clicked += 1
        assert clicked >= 2  # both links were on screen, literally, and were clicked
        assert_on_browser(h)
        assert bells == []


async def test_hostile_metadata_keys_and_values_are_inert(make_harness):
    metadata = {"k\x1b]0;t\x07": "[@click=app.quit]v[/]\u202e\x00", "\u200bzw": "\x1b[2J\x9b"}
    thread_id, ids = await seed_thread(make_harness, ["has hostile metadata"], metadata=metadata)
    h = make_harness(open_thread=thread_id)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        assert h.store.selected.metadata_dict == metadata
        detail_text = region_text(h.app, h.browser.query_one(MessageDetail))
        assert "Metadata (2)" in detail_text
        for shown in ("k␛]0;t␇", "[@click=app.quit]v[/]<U+202E>␀", "<U+200B>zw", "␛[2J<U+009B>"):
            assert shown in detail_text
        assert_terminal_clean(h.app)
        await pilot.press("r")
        await h.settle(pilot)
        raw_text = collapsed(region_text(h.app, h.browser.query_one(MessageDetail)))
        assert r'"k\u001b]0;t\u0007": "[@click=app.quit]v[/]<U+202E>\u0000"' in raw_text
        assert_terminal_clean(h.app)
        # Searching for a hostile value finds it and the notice repeats the term inert-free of markup.
        await pilot.press("r", "slash", *"click=app", "enter")
        await h.settle(pilot)
        assert_on_browser(h)
        assert "Match 1 of 1 for 'click=app'." in h.notices()


HOSTILE_FIELDS = {
    "role": "\x1b]0;role\x07",
    "name": "\x1b[2J",
    "assistant_id": "\u202easst",
    "run_id": "[@click=app.quit]run[/]",
    "status": {"status": "\x1b]52;c;c3RhdHVz\x07"},
    "annotations": [{"type": "file_citation", "text": "\x1b[31m", "file_citation": {"quote": "\x1b]52;c;cXVvdGU=\x07"}}],
    "tool_calls": [{"id": "call\x00", "type": "function",
                    "function": {"name": "\x1b]0;tool\x07", "arguments": "{\"a\": \"\\u001b[31m\"}", "output": "\u202eout"}}],
    "plugin_call": {"x": "\x9b2J"},
}


async def test_hostile_non_content_fields_are_inert(make_harness):
    """Fields only a run (or a hostile server) writes: role, name, ids, status, annotations, tools, plugin."""
    thread_id, ids = await seed_thread(make_harness, [NEIGHBOUR, "fields"], via_storage={1: HOSTILE_FIELDS})
    h = make_harness(open_thread=thread_id)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        assert h.store.selected_id == ids[1]
        list_text = region_text(h.app, h.browser.query_one(MessageList))
        assert "· ␛]0;…" in list_text  # an unknown role, cut to 5 columns, inert
        detail_text = region_text(h.app, h.browser.query_one(MessageDetail))
        for shown in ("␛]0;role␇", "␛[2J", "<U+202E>asst", "[@click=app.quit]run[/]", "␛]52;c;c3RhdHVz␇",
                      "Annotations (1)", "␛]52;c;cXVvdGU=␇", "Tool calls (1)", "␛]0;tool␇", "call␀", r"\u001b[31m",
                      "<U+202E>out", "<U+009B>2J"):
            assert shown in detail_text, shown
        assert_terminal_clean(h.app)
        await pilot.press("r")
        await h.settle(pilot)
        assert_terminal_clean(h.app)
        await pilot.press("j")
        await h.settle(pilot)
        assert h.store.selected_id == ids[0]
        assert_on_browser(h)


async def test_hostile_message_id_is_inert_in_the_list(make_harness):
    hostile_id = "message_\x1b]52;c;aGFja2Vk\x07"
    thread_id, ids = await seed_thread(make_harness, ["id from a hostile server"],
                                       via_storage={0: {"message_id": hostile_id}})
    h = make_harness(open_thread=thread_id)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        assert h.store.selected_id == hostile_id
        assert "message_␛]52;c;aGFja2Vk␇" in region_text(h.app, h.browser.query_one(MessageDetail))  # header: inert
        assert "␛]52;c;a" in region_text(h.app, h.browser.query_one(MessageList))
        assert_terminal_clean(h.app)


# -- huge texts ---------------------------------------------------------------------------------

MIB = 1024 * 1024


def one_mib_text() -> str:
    line = "\x1b]0;big\x07 " + "x" * 1014 + "\n"
    text = line * (MIB // len(line))
    return text + "y" * (MIB - len(text))


async def test_the_api_refuses_a_one_mib_message(make_harness):
    seed = make_harness()
    async with seed.client:
        thread = await seed.client.create_thread()
        with pytest.raises(InvalidParameterError) as caught:
            await seed.client.create_message(thread.id, one_mib_text())
    assert caught.value.status == 413
    assert "request body is larger than 1048576 bytes" in str(caught.value)


async def test_huge_messages_stay_inert_and_the_app_stays_responsive(make_harness):
    big = one_mib_text()
    assert len(big) == MIB
    many_lines = "\n".join(f"line {i} \x1b[2J\u202e" for i in range(20_000))
    thread_id, ids = await seed_thread(make_harness, ["before", big, many_lines, "after"], via_storage={1: {}})
    h = make_harness(open_thread=thread_id)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        assert h.store.selected_id == ids[3]
        detail = h.browser.query_one(MessageDetail)

        await pilot.press("j")  # the 20,000-line message
        await h.settle(pilot)
        assert h.store.selected_id == ids[2]
        shown = region_text(h.app, detail)
        assert f"(long message: {len(many_lines):,} characters, shown as plain text)" in collapsed(shown)
        assert "line 0 ␛[2J<U+202E>" in shown and "line 1 ␛[2J<U+202E>" in shown
        assert_terminal_clean(h.app)

        await pilot.press("j")  # the 1 MiB message
        await h.settle(pilot)
        assert h.store.selected_id == ids[1]
        assert h.store.selected.text == big
        shown = collapsed(region_text(h.app, detail))
        assert "(long message: 1,048,576 characters, shown as plain text)" in shown
        assert "␛]0;big␇" in shown
        assert_terminal_clean(h.app)

        await pilot.press("r")
        await h.settle(pilot)
        assert detail.raw
        assert r"\u001b]0;big\u0007" in region_text(h.app, detail)
        assert_terminal_clean(h.app)

        await pilot.press("k")  # raw mode stays while moving between the big ones
        await h.settle(pilot)
        assert h.store.selected_id == ids[2] and detail.raw
        assert r"line 0 \u001b[2J<U+202E>\nline 1" in collapsed(region_text(h.app, detail))
        await pilot.press("r", "k")
        await h.settle(pilot)
        assert h.store.selected_id == ids[3] and not detail.raw
        assert "after" in region_text(h.app, detail)
        assert_terminal_clean(h.app)
        assert_on_browser(h)


# -- copy menu -----------------------------------------------------------------------------------

OSC52 = re.compile("\x1b\\]52;c;([A-Za-z0-9+/=]*)\x07")


def recording_terminal(written: list[str]) -> type[HeadlessDriver]:
    """A headless driver class that keeps every sequence the app writes to the terminal (OSC 52, pointer shape)."""

    class RecordingTerminal(HeadlessDriver):
        def write(self, data: str) -> None:
            written.append(data)

    return RecordingTerminal


async def test_copy_menu_copies_hostile_text_as_data_and_only_base64_reaches_the_terminal(
        make_harness, no_system_clipboard):
    content = "\x1b]52;c;aGFja2Vk\x07 [@click=app.quit]q[/] \u202e\x00 \x1b[2J"
    thread_id, ids = await seed_thread(make_harness, [content], metadata={"k\x1b]0;t\x07": "\u202ev"})
    h = make_harness(open_thread=thread_id)
    written: list[str] = []
    h.app.driver_class = recording_terminal(written)
    async with h.app.run_test(size=SIZE, headless=False) as pilot:  # headless=False: run on `driver_class`
        await h.settle(pilot)
        written.clear()
        message = h.store.selected
        copied = {}
        for digit in "123456":
            await pilot.press("y")
            await h.settle(pilot)
            assert isinstance(h.app.screen, CopyMenu)
            assert_terminal_clean(h.app)  # the menu itself shows no message text
            await pilot.press(digit)
            await h.settle(pilot)
            assert_on_browser(h)
            copied[digit] = h.app.clipboard

        assert copied["1"] == ids[0]
        assert copied["2"] == thread_id
        # The text without what would act when pasted (newcomer #3: it was copied byte-exact); JSON keeps it all.
        assert copied["3"] == "]52;c;aGFja2Vk [@click=app.quit]q[/]  [2J"
        assert json.loads(copied["4"]) == message.raw
        assert "\x1b" not in copied["4"] and "\\u001b]52;c;aGFja2Vk\\u0007" in copied["4"]
        assert '"Authorization: Bearer $DASHSCOPE_API_KEY"' in copied["5"] and ids[0] in copied["5"]
        assert "api_key=os.getenv('DASHSCOPE_API_KEY')" in copied["6"] and repr(ids[0]) in copied["6"]
        for digit in "56":  # snippets are for pasting into a shell or an editor: no control characters
            assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", copied[digit])

        # Each copy went to the terminal as one OSC 52 with a base64 payload, nothing raw.
        sequences = [OSC52.fullmatch(chunk) for chunk in written if chunk.startswith("\x1b]52")]
        assert len(sequences) == 6 and all(sequences)
        assert [base64.b64decode(m.group(1)).decode() for m in sequences] == [copied[d] for d in "123456"]
        others = "".join(chunk for chunk in written if not chunk.startswith("\x1b]52"))  # e.g. OSC 22 pointer shape
        assert not any(raw in others for raw in ("\x1b]52;c;aGFja2Vk", "\u202e", "\x00", "\x1b[2J"))
        assert h.notices().count("Sent message text to the terminal clipboard (OSC 52) (left out 4 control characters "
                                 "and 1 bidi formatting character: they would act when pasted).") == 1


# -- export and the command line (sync tests: the CLI runs its own event loop) ----------------------


def seed(make_harness, contents, **kwargs):
    return asyncio.run(seed_thread(make_harness, contents, **kwargs))


ALL_CONTENTS = [case.content for case in CASES.values()]


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_exports_keep_hostile_content_byte_exact(make_harness, run, tmp_path, fmt):
    metadata = {"k\x1b]0;t\x07": "[@click=app.quit]v[/]\u202e\x00"}
    big = one_mib_text()
    thread_id, ids = seed(make_harness, [*ALL_CONTENTS, big], metadata=metadata,
                                       via_storage={len(ALL_CONTENTS): {"metadata": metadata}})
    out = tmp_path / f"export.{fmt}"
    result = run("export", thread_id, "--format", fmt, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote {len(ids)} messages to {out}" in result.stderr
    text = out.read_text(encoding="utf-8")
    items = json.loads(text) if fmt == "json" else [json.loads(line) for line in text.splitlines()]
    assert [item["id"] for item in items] == ids
    assert [item["content"][0]["text"]["value"] for item in items] == [*ALL_CONTENTS, big]
    assert all(item["metadata"] == metadata for item in items)
    # Control characters are JSON escapes in the file, never raw bytes (bidi and C1 are data and stay).
    assert not re.search("[\x00-\x08\x0b-\x1f]", text)


def test_markdown_export_is_inert_and_keeps_markup_literal(make_harness, run, tmp_path):
    metadata = {"k\x1b]0;t\x07": "\u202ev\x00"}
    thread_id, ids = seed(make_harness, ALL_CONTENTS, metadata=metadata)
    out = tmp_path / "export.md"
    result = run("export", thread_id, "--format", "md", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert raw_controls_in(text) == []
    assert "\x1b" not in text and not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)
    for case in CASES.values():
        assert case.shown in text
    assert text.count("- **k␛]0;t␇**: <U+202E>v␀") == len(ids)
    assert all(f"`{message_id}`" in text for message_id in ids)


def test_markdown_export_to_stdout_is_inert(make_harness, run):
    thread_id, _ = seed(make_harness, ["\x1b]52;c;aGFja2Vk\x07\u202e"])
    result = run("export", thread_id, "--format", "md")
    assert result.exit_code == 0
    assert "␛]52;c;aGFja2Vk␇<U+202E>" in result.stdout
    assert raw_controls_in(result.stdout) == [] and "\x1b" not in result.stdout


def test_cli_list_and_get_show_hostile_content_inert(make_harness, run):
    metadata = {"k\x1b]0;t\x07": "\u202ev"}
    thread_id, ids = seed(make_harness, ALL_CONTENTS, metadata=metadata)
    listed = run("messages", "list", thread_id, "--limit", "100")
    assert listed.exit_code == 0
    assert raw_controls_in(listed.stdout) == [] and "\x1b" not in listed.stdout
    for case in CASES.values():
        assert case.shown in listed.stdout
    for message_id, case in zip(ids, CASES.values(), strict=True):
        got = run("messages", "get", thread_id, message_id)
        assert got.exit_code == 0
        assert "\x1b" not in got.stdout and raw_controls_in(got.stdout) == []
        assert case.shown in got.stdout
        assert "metadata:   k␛]0;t␇ = <U+202E>v" in got.stdout
    as_json = run("messages", "list", thread_id, "--limit", "100", "--order", "asc", "--json")
    assert "\x1b" not in as_json.stdout and "\x00" not in as_json.stdout  # escaped by JSON
    assert [m["content"][0]["text"]["value"] for m in json.loads(as_json.stdout)["data"]] == ALL_CONTENTS


def test_hostile_thread_metadata_round_trips_and_never_prints_raw_escapes(make_harness, run):
    metadata = {"title\x1b]0;pwned\x07": "\x1b[2J[@click=app.quit]x[/]"}
    harness = make_harness()

    async def create():
        async with harness.client:
            return (await harness.client.create_thread(metadata=metadata)).id

    thread_id = asyncio.run(create())
    got = run("threads", "get", thread_id, "--json")
    assert got.exit_code == 0
    assert "\x1b" not in got.stdout
    assert json.loads(got.stdout)["metadata"] == metadata
    shown = run("threads", "get", thread_id)  # the view for people: every escape made visible
    assert shown.exit_code == 0 and "\x1b" not in shown.stdout and "\x07" not in shown.stdout
    assert "metadata:   title␛]0;pwned␇ = ␛[2J[@click=app.quit]x[/]" in shown.stdout


# -- error text from a hostile server ------------------------------------------------------------

HOSTILE_ERROR = {"code": "NotFound\x1b]0;pwned\x07", "message": "gone \x1b]52;c;aGFja2Vk\x07 \x1b[2J \u202e",
                 "request_id": "req\x1b[2J"}


def hostile_error_transport() -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(404, json=HOSTILE_ERROR))


async def test_hostile_error_text_from_the_server_is_inert_in_the_notification():
    from tui.api.client import DashScopeClient
    from tui.app import ThreadscopeApp
    from tui.config import resolve_settings

    client = DashScopeClient(api_key="k", base_url="http://hostile.test/api/v1", transport=hostile_error_transport())
    settings = resolve_settings()
    app = ThreadscopeApp(settings, client, open_thread="thread_00000000-0000-4000-8000-000000000000")
    h = Harness(app, client, settings)
    async with client, app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await wait_for_toast(app, pilot, "was not found.")
        assert app.is_running and isinstance(app.screen, BrowserScreen)
        assert any("Thread thread_00000000-0000-4000-8000-000000000000 was not found." in n for n in h.notices())
        shown = toast_text(app)
        assert "Thread thread_00000000-0000-4000-8000-000000000000 was not found." in shown  # the toast is on screen
        assert "gone ␛]52;c;aGFja2Vk␇" in shown
        assert raw_controls_in(terminal_output(app)) == []


def test_hostile_error_text_from_the_server_is_inert_on_stderr(run, monkeypatch):
    import tui.backend
    from tui.api.client import DashScopeClient

    def build_client(settings):
        return DashScopeClient(api_key="k", base_url=settings.effective_base_url, transport=hostile_error_transport())

    monkeypatch.setattr(tui.backend, "build_client", build_client)
    result = run("--base-url", "http://127.0.0.1:9/api/v1", "messages", "list", "thread_x")
    assert result.exit_code == 1
    assert "HTTP 404 NotFound" in result.stderr
    assert "\x1b" not in result.stderr and raw_controls_in(result.stderr) == []


def test_curl_snippet_for_a_hostile_id_holds_no_control_characters():
    from tui.api.models import Message
    from tui.screens.copy_menu import curl_command, sdk_snippet

    hostile_id = "message_x\x1b[201~\ntouch /tmp/pwned\n"
    message = Message.from_wire(message_object(message_id=hostile_id, thread_id="thread_t", created_at=0,
                                               role="user", text="t"))
    base = "http://127.0.0.1:8765/api/v1"
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", sdk_snippet(message, base, None))  # repr() escapes: fine
    assert not re.search("[\x00-\x08\x0a-\x1f\x7f-\x9f]", curl_command(message, base, None).replace(" \\\n", " "))
