"""A conversation in the browser: E, c, D and e by their keys, asserting what the server holds afterwards."""

import json

import pytest
from textual.widgets import Select

from tui.emulator.demo import ORDER_BOT
from tui.emulator.demo_conversations import EMPTY_CHAT, METADATA, SUPPORT_CHAT
from tui.screens.browser import BrowserScreen
from tui.screens.choice import ChoiceScreen
from tui.screens.compose import ComposeScreen
from tui.screens.metadata_editor import MetadataEditor

SIZE = (120, 40)


async def items(h, conversation_id):
    return [item async for item in h.client.iter_items(conversation_id, order="asc")]


async def press(h, pilot, *keys):
    await pilot.press(*keys)
    await h.settle(pilot)


async def add_pair_and_save(h, pilot, key, value):
    """In the open metadata editor: a new pair, ctrl+s, then send from the diff."""
    assert isinstance(h.app.screen, MetadataEditor)
    await press(h, pilot, "ctrl+n")
    await press(h, pilot, *key, "tab", *value)
    await press(h, pilot, "ctrl+s")
    assert isinstance(h.app.screen, ChoiceScreen)  # the diff, before anything is sent
    body = str(h.app.screen.query_one("#choice-body").render())
    assert f"+ {key} = {value}" in body
    await press(h, pilot, "enter")


def journal_records(h):
    return [json.loads(line) for line in h.settings.journal_path.read_text().splitlines()]


async def test_E_adds_a_pair_and_the_openai_sdk_reads_the_old_pairs_plus_the_new_one(make_harness, live_server):
    from openai import OpenAI

    server = live_server(demo_data=True)
    h = make_harness(open_thread=SUPPORT_CHAT, base_url=server.base_url)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        assert "items 1–7 · newest first" in h.store.position_label()
        await press(h, pilot, "E")
        await add_pair_and_save(h, pilot, "reviewer", "alice")
        assert isinstance(h.app.screen, BrowserScreen)
        assert h.browser.session.owner.metadata_dict == {**METADATA[SUPPORT_CHAT], "reviewer": "alice"}, h.notices()
    compat = server.base_url.replace("/api/v1", "/compatible-mode/v1")
    with OpenAI(base_url=compat, api_key="test-key", max_retries=0) as sdk:
        assert sdk.conversations.retrieve(SUPPORT_CHAT).metadata == {**METADATA[SUPPORT_CHAT], "reviewer": "alice"}
    edit = [r for r in journal_records(h) if r.get("target") == "conversation"]
    assert edit and edit[0]["before"] == METADATA[SUPPORT_CHAT] and edit[0]["thread_id"] == SUPPORT_CHAT


async def test_E_then_u_puts_the_conversations_metadata_back(make_harness):
    h = make_harness(open_thread=SUPPORT_CHAT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await press(h, pilot, "E")
        await add_pair_and_save(h, pilot, "k", "v")
        assert (await h.client.retrieve_conversation(SUPPORT_CHAT)).metadata_dict["k"] == "v"
        await press(h, pilot, "u")
        assert (await h.client.retrieve_conversation(SUPPORT_CHAT)).metadata_dict == METADATA[SUPPORT_CHAT]


async def test_E_on_a_thread_replaces_the_threads_own_metadata(make_harness):
    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        before = (await h.client.retrieve_thread(ORDER_BOT)).metadata_dict
        await press(h, pilot, "E")
        assert h.app.screen.message.id == ORDER_BOT  # the thread itself, not its highlighted message
        await add_pair_and_save(h, pilot, "owner", "ops")
        assert (await h.client.retrieve_thread(ORDER_BOT)).metadata_dict == {**before, "owner": "ops"}


async def test_E_refuses_to_overwrite_a_change_made_elsewhere_while_editing(make_harness):
    h = make_harness(open_thread=SUPPORT_CHAT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await press(h, pilot, "E")
        await h.client.update_conversation(SUPPORT_CHAT, metadata={"someone": "else"})
        await add_pair_and_save(h, pilot, "mine", "1")
        assert isinstance(h.app.screen, ChoiceScreen)  # the stale guard asks; nothing was sent
        assert "changed on the server" in h.app.screen.title_text
        assert (await h.client.retrieve_conversation(SUPPORT_CHAT)).metadata_dict == {"someone": "else"}


@pytest.mark.parametrize("role", [None, "developer"])
async def test_c_adds_one_item_with_the_chosen_role_and_selects_it(make_harness, role):
    h = make_harness(open_thread=SUPPORT_CHAT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        before = await items(h, SUPPORT_CHAT)
        await press(h, pilot, "c")
        assert isinstance(h.app.screen, ComposeScreen)
        assert h.app.screen.query_one(Select).value == "user"
        if role:
            h.app.screen.query_one(Select).value = role
        await press(h, pilot, *"Is it shipped?", "ctrl+s")
        assert isinstance(h.app.screen, BrowserScreen)
        after = await items(h, SUPPORT_CHAT)
        assert [i.id for i in after[:-1]] == [i.id for i in before]
        assert (after[-1].role, after[-1].text) == (role or "user", "Is it shipped?")
        assert h.store.selected_id == after[-1].id


async def test_c_after_a_lost_answer_finds_the_item_instead_of_adding_it_twice(make_harness):
    h = make_harness(open_thread=EMPTY_CHAT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await press(h, pilot, "c")
        await pilot.press(*"hello")
        h.set_faults("create_items:lostx1")
        await press(h, pilot, "ctrl+s")
        assert isinstance(h.app.screen, ComposeScreen) and h.app.screen.flow.uncertain
        assert len(await items(h, EMPTY_CHAT)) == 1  # it did land
        await press(h, pilot, "ctrl+s")
        assert isinstance(h.app.screen, BrowserScreen)
        assert [i.text for i in await items(h, EMPTY_CHAT)] == ["hello"]
        assert any("The earlier attempt did create it" in n for n in h.notices())


async def test_D_deletes_the_highlighted_item_after_asking_and_keeps_its_json(make_harness):
    h = make_harness(open_thread=SUPPORT_CHAT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await press(h, pilot, "j")
        doomed = h.store.selected
        await press(h, pilot, "D")
        assert isinstance(h.app.screen, ChoiceScreen)
        assert "Its JSON is kept in the journal" in str(h.app.screen.query_one("#choice-body").render())
        await press(h, pilot, "escape")
        assert doomed.id in [i.id for i in await items(h, SUPPORT_CHAT)]  # escape deleted nothing
        await press(h, pilot, "D")
        await press(h, pilot, "d")
        left = await items(h, SUPPORT_CHAT)
        assert doomed.id not in [i.id for i in left] and len(left) == 6
        assert doomed.id not in [i.id for i in h.store.page] and h.store.selected is not None
        kept = [r for r in journal_records(h) if r.get("kind") == "delete"]
        assert kept[0]["message_id"] == doomed.id and kept[0]["deleted"] == doomed.raw


async def test_e_on_an_item_says_items_carry_no_metadata_and_offers_E(make_harness):
    h = make_harness(open_thread=SUPPORT_CHAT)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        await press(h, pilot, "e")
        assert isinstance(h.app.screen, ChoiceScreen) and h.app.screen.title_text == "Items carry no metadata"
        await press(h, pilot, "E")
        assert isinstance(h.app.screen, MetadataEditor) and h.app.screen.message.id == SUPPORT_CHAT


async def test_read_only_blocks_every_conversation_write(make_harness):
    h = make_harness(open_thread=SUPPORT_CHAT, read_only=True)
    async with h.app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        before = [i.raw for i in await items(h, SUPPORT_CHAT)]
        for key in ("E", "c", "D", "u"):
            await press(h, pilot, key)
            assert isinstance(h.app.screen, BrowserScreen), key
        assert [i.raw for i in await items(h, SUPPORT_CHAT)] == before
        assert (await h.client.retrieve_conversation(SUPPORT_CHAT)).metadata_dict == METADATA[SUPPORT_CHAT]
        assert sum(n.startswith("Edits, compose, delete and undo are off") for n in h.notices()) == 4
