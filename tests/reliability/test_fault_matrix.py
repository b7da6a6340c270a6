"""Every fault × every operation the UI performs, over real HTTP (uvicorn on loopback).

For each: the user sees what failed with the server's code (and request_id when there is
one), the UI stays usable (the same operation succeeds once the fault is gone), retries
happen only for safe operations, and an edit or a composed text is never lost.
"""

import httpx
import pytest
from textual.widgets import Static

from tests.conftest import SENTINEL_KEY, no_sleep
from tui.api import DashScopeClient, OutcomeUnknownError, ThreadscopeError, Timeouts
from tui.emulator.demo import AGENT_LOOP, EMPTY, ORDER_BOT
from tui.emulator.faults import parse_faults
from tui.screens.browser import BrowserScreen
from tui.screens.compose import ComposeScreen
from tui.screens.metadata_editor import MetadataEditor

SIZE = (120, 40)

# fault spec (applied to the operation) → what the user must read
FAULTS = {
    "400": "HTTP 400 InvalidParameter",
    "401": "HTTP 401 InvalidApiKey",
    "403": "HTTP 403 AccessDenied",
    "404": "HTTP 404 NotFound",
    "429": "HTTP 429 Throttling",
    "500": "HTTP 500 InternalError",
    "502": "HTTP 502 BadGateway",
    "503": "HTTP 503 ServiceUnavailable",
    "delay=5s": "timed out (ReadTimeout)",
    "reset": "connection broken",
    "malformed": "HTTP 200, ",
    "html": "HTTP 502 HTTP502: (not a DashScope error body: '<html><head><title>502 Bad Gateway",
    "empty": "HTTP 200, ",
}
API_ERRORS = {"400", "401", "403", "404", "429", "500", "502", "503"}
RETRIED = {"429", "500", "502", "503", "reset", "html"}  # a safe operation tries 3 times; a read timeout is not retried (3 × 30 s is no help)


@pytest.fixture
def server(live_server):
    return live_server(demo_data=True, faults="")


def arm(server, spec):
    server.app.rules = parse_faults(spec) if spec else []
    server.app.seen.clear()


def check_message(text, fault):
    assert FAULTS[fault] in text, text
    if fault in API_ERRORS:
        assert "request_id" in text, text
    if fault in ("401", "403"):
        assert "Hint:" in text and "workspace" in text, text


def check_tries(server, operation, fault, safe):
    tries = server.app.seen[operation]
    assert tries == (3 if safe and fault in RETRIED else 1), (operation, fault, tries)


@pytest.mark.parametrize("fault", FAULTS)
async def test_open_thread(make_harness, server, fault):
    arm(server, f"list:{fault}")
    h = make_harness(open_thread=ORDER_BOT, base_url=server.base_url, read_timeout=0.5)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        assert isinstance(h.app.screen, BrowserScreen)
        check_message(h.notices()[-1], fault)
        assert h.store.page == [] and h.store.error
        check_tries(server, "list", fault, safe=True)
        arm(server, "")
        await pilot.press("R")
        await h.settle(pilot)
        assert len(h.store.page) == 9 and not h.store.error


@pytest.mark.parametrize("fault", FAULTS)
async def test_next_page(make_harness, server, fault):
    h = make_harness(open_thread=AGENT_LOOP, base_url=server.base_url, read_timeout=0.5)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        arm(server, f"list:{fault}")
        await pilot.press("n")  # page 2 was fetched ahead before the fault: it shows at once
        await h.settle(pilot)
        assert h.store.page_number == 1 and not h.notices()
        second = [m.id for m in h.store.page]
        server.app.seen.clear()
        await pilot.press("n")  # page 3 could not be fetched ahead: now the fault shows
        await h.settle(pilot)
        check_message(h.notices()[-1], fault)
        assert [m.id for m in h.store.page] == second and h.store.page_number == 1  # nothing half-applied
        check_tries(server, "list", fault, safe=True)
        arm(server, "")
        await pilot.press("n")
        await h.settle(pilot)
        assert h.store.page_number == 2 and h.store.page[0].id not in second


async def open_editor_with_edit(h, pilot):
    await h.settle(pilot)
    message = h.store.selected
    await pilot.press("e")
    await h.settle(pilot)
    assert isinstance(h.app.screen, MetadataEditor)
    await pilot.press("ctrl+n", *"k", "tab", *"v")
    return message


async def save(h, pilot):
    await pilot.press("ctrl+s")
    await h.settle(pilot)
    await pilot.press("enter")
    await h.settle(pilot)


@pytest.mark.parametrize("fault", FAULTS)
async def test_retrieve_before_save(make_harness, server, fault):
    h = make_harness(open_thread=ORDER_BOT, base_url=server.base_url, read_timeout=0.5)
    async with h.app.run_test(size=SIZE) as pilot:
        message = await open_editor_with_edit(h, pilot)
        editor = h.app.screen
        arm(server, f"get:{fault}")
        await save(h, pilot)
        assert h.app.screen is editor
        error = str(editor.query_one("#editor-error", Static).render())
        assert "Could not re-read the message before saving; nothing was sent." in error
        check_message(error, fault)
        check_tries(server, "get", fault, safe=True)
        assert server.app.seen["update"] == 0
        arm(server, "")
        await save(h, pilot)
        assert (await h.client.retrieve_message(ORDER_BOT, message.id)).metadata_dict == {"k": "v"}


@pytest.mark.parametrize("fault", [*FAULTS, "lost"])
async def test_modify_metadata(make_harness, server, fault):
    h = make_harness(open_thread=ORDER_BOT, base_url=server.base_url, read_timeout=0.5)
    async with h.app.run_test(size=SIZE) as pilot:
        message = await open_editor_with_edit(h, pilot)
        editor = h.app.screen
        arm(server, f"update:{fault}")
        await save(h, pilot)
        assert h.app.screen is editor
        error = str(editor.query_one("#editor-error", Static).render())
        assert "The server did not save the metadata." in error and "Your edit is kept here" in error
        if fault != "lost":
            check_message(error, fault)
            check_tries(server, "update", fault, safe=True)
            assert (await h.client.retrieve_message(ORDER_BOT, message.id)).metadata_dict == {}
        arm(server, "")
        await save(h, pilot)  # the same edit, still in the editor, saves (or is found already saved)
        assert isinstance(h.app.screen, BrowserScreen)
        assert (await h.client.retrieve_message(ORDER_BOT, message.id)).metadata_dict == {"k": "v"}


@pytest.mark.parametrize("fault", [*FAULTS, "lost"])
async def test_compose(make_harness, server, fault):
    h = make_harness(open_thread=EMPTY, base_url=server.base_url, read_timeout=0.5)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await pilot.press("c")
        await h.settle(pilot)
        compose = h.app.screen
        assert isinstance(compose, ComposeScreen)
        await pilot.press(*"exactly once")
        arm(server, f"create:{fault}")
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        assert h.app.screen is compose
        assert compose.query_one("#compose-text").text == "exactly once"
        error = str(compose.query_one("#compose-error", Static).render())
        if fault != "lost":
            check_message(error, fault)
        assert server.app.seen["create"] == 1  # a create is never retried
        arm(server, "")
        await pilot.press("ctrl+s")
        await h.settle(pilot)
        assert isinstance(h.app.screen, BrowserScreen)
        texts = [m.text async for m in h.client.iter_messages(EMPTY)]
        assert texts == ["exactly once"]  # one message, even when the first attempt did land


# -- the client's rows: every conversation call × every fault, over real HTTP -------------------

# fault → what the error says on the compatible-mode routes (the OpenAI-style envelope)
CONV_FAULTS = {
    **{fault: text for fault, text in FAULTS.items() if not fault.isdigit()},
    "400": "HTTP 400 invalid_parameter_error",
    "401": "HTTP 401 invalid_api_key",
    "403": "HTTP 403 access_denied",
    "404": "HTTP 404 not_found",
    "429": "HTTP 429 rate_limit_exceeded",
    "500": "HTTP 500 internal_error",
    "502": "HTTP 502 bad_gateway",
    "503": "HTTP 503 service_unavailable",
}
UNKNOWN_OUTCOME = {"500", "502", "503", "delay=5s", "reset", "html", "lost", "drop"}  # a create may have landed
CONV_CALLS = {
    "create_conversation": lambda c, conv, item: c.create_conversation(items=[{"role": "user", "content": "new"}]),
    "get_conversation": lambda c, conv, item: c.retrieve_conversation(conv),
    "update_conversation": lambda c, conv, item: c.update_conversation(conv, metadata={"k": "v"}),
    "delete_conversation": lambda c, conv, item: c.delete_conversation(conv),
    "create_items": lambda c, conv, item: c.create_items(conv, [{"role": "user", "content": "once"}]),
    "list_items": lambda c, conv, item: c.list_items(conv),
    "get_item": lambda c, conv, item: c.retrieve_item(conv, item),
    "delete_item": lambda c, conv, item: c.delete_item(conv, item),
}
CREATES = {"create_conversation", "create_items"}


@pytest.fixture
def conv_server(live_server):
    return live_server(faults="")


def conv_cases():
    for operation in CONV_CALLS:
        for fault in [*CONV_FAULTS, *(("lost", "drop") if operation in CREATES else ())]:
            yield pytest.param(operation, fault, id=f"{operation}-{fault}")


@pytest.mark.parametrize(("operation", "fault"), conv_cases())
async def test_conversation_call(conv_server, operation, fault):
    async with DashScopeClient(api_key=SENTINEL_KEY, base_url=conv_server.base_url, sleep=no_sleep,
                               timeouts=Timeouts(connect=2, read=0.5)) as client:
        conv = await client.create_conversation(items=[{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}])
        item = (await client.list_items(conv.id, limit=1)).data[0].id
        call = CONV_CALLS[operation]
        arm(conv_server, f"{operation}:{fault}")
        with pytest.raises(ThreadscopeError) as info:
            await call(client, conv.id, item)
        text = info.value.describe()
        assert SENTINEL_KEY not in f"{text} {info.value!r}"
        if fault in CONV_FAULTS:
            assert CONV_FAULTS[fault] in text, text
        if fault.isdigit() and fault != "html":
            assert "request_id" in text, text
        create = operation in CREATES
        assert isinstance(info.value, OutcomeUnknownError) == (create and fault in UNKNOWN_OUTCOME), type(info.value)
        if create and fault in UNKNOWN_OUTCOME:
            assert "may have landed on the server, so it was not sent again" in text
        check_tries(conv_server, operation, fault, safe=not create)
        arm(conv_server, "")
        await call(client, conv.id, item)  # the same call works once the fault is gone
        if operation == "create_items":  # never doubled: once if the lost answer landed, once more now
            texts = [i.text async for i in client.iter_items(conv.id)]
            assert texts == ["a", "b", *(["once"] if fault in ("lost", "drop") else []), "once"]


# -- a hostile server (client-side guards), seen from the TUI ------------------------------------

HOSTILE_THREAD = "thread_00000000-0000-4000-8000-000000000000"
GOOD_PAGE = {"object": "list", "first_id": "message_1", "last_id": "message_1", "has_more": False,
             "data": [{"id": "message_1", "object": "thread.message", "created_at": 1, "thread_id": HOSTILE_THREAD,
                       "role": "user", "content": [{"type": "text", "text": {"value": "back to normal", "annotations": []}}],
                       "metadata": {}}]}
# what the server does → what the user must read
HOSTILE_ANSWERS = {
    "3xx": (lambda: httpx.Response(302, json={"id": "x"}, headers={"Location": "http://elsewhere.test/login"}),
            "HTTP 302, the server redirected to http://elsewhere.test/login"),
    "size-cap": (lambda: httpx.Response(200, headers={"Content-Length": str(10 * 2**30)}, content=b"{}"),
                 "the response is larger than 1,000,000 bytes"),
    "nesting": (lambda: httpx.Response(200, content=b'{"data":' + b"[" * 5000 + b"]" * 5000 + b"}"),
                "the JSON is nested too deeply"),
    "empty-object": (lambda: httpx.Response(200, json={}), "the response is not a valid MessagePage"),
    "error-as-200": (lambda: httpx.Response(200, json={"code": "InvalidApiKey", "message": "Invalid API-key provided.",
                                                       "request_id": "r-200"}),
                     "HTTP 200 InvalidApiKey: Invalid API-key provided. (request_id r-200)"),
}


def hostile_harness(transport, base_url="http://hostile.test/api/v1", **client_options):
    from tests.conftest import Harness
    from tui.app import ThreadscopeApp
    from tui.config import resolve_settings

    settings = resolve_settings()
    client = DashScopeClient(api_key="k", base_url=base_url, transport=transport,
                             max_response_bytes=1_000_000, **client_options)
    return Harness(ThreadscopeApp(settings, client, open_thread=HOSTILE_THREAD), client, settings)


@pytest.mark.parametrize("answer", HOSTILE_ANSWERS)
async def test_hostile_answer_when_opening_a_thread(answer):
    respond, words = HOSTILE_ANSWERS[answer]
    hostile = [True]
    h = hostile_harness(httpx.MockTransport(lambda request: respond() if hostile[0] else httpx.Response(200, json=GOOD_PAGE)))
    async with h.client, h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        assert isinstance(h.app.screen, BrowserScreen)
        notice = h.notices()[-1]
        assert notice.startswith(f"list messages of {HOSTILE_THREAD} failed: ") and words in notice, notice
        assert h.store.page == [] and h.store.error
        hostile[0] = False
        await pilot.press("R")
        await h.settle(pilot)
        assert [m.text for m in h.store.page] == ["back to normal"] and not h.store.error


async def test_a_trickling_answer_ends_at_the_deadline_in_the_tui():
    from tests.api.test_hostile_server import trickle
    from tests.conftest import LiveServer

    server = LiveServer(trickle, None)
    try:
        h = hostile_harness(None, server.base_url, timeouts=Timeouts(connect=2, read=30, total=0.5))
        async with h.client, h.app.run_test(size=SIZE) as pilot:
            await h.settle(pilot)
            assert isinstance(h.app.screen, BrowserScreen)
            assert "timed out (no complete answer within 0.5 s)" in h.notices()[-1]
    finally:
        server.stop()


# -- SECURITY.md's fault matrix points at tests that exist ---------------------------------------


def test_every_test_the_fault_matrix_names_exists():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    text = (root / "SECURITY.md").read_text(encoding="utf-8")
    matrix = text.split("## Fault matrix", 1)[1]
    named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", matrix)
    assert len(named) >= 30
    for path, name in named:
        source = (root / path).read_text(encoding="utf-8")
        assert re.search(rf"^(async def|def|class) {name}\b|^{name} = ", source, re.MULTILINE), f"{path}::{name}"
