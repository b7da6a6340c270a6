"""What a key costs the detail pane in layout passes, counted with Textual's public signals.

Every field of a new message is updated in one callback, so Textual lays the screen out once
for all of them (no batch needed: layout waits for the callback to end).
"""

from __future__ import annotations

from tui.widgets.message_detail import MessageDetail

SIZE = (120, 40)


async def layouts_per_key(h, pilot, keys: str) -> list[int]:
    """Layout passes of the browser after each key, once everything the key changed is painted."""
    screen = h.app.screen
    passes = [0]
    screen.screen_layout_refresh_signal.subscribe(screen, lambda _s: passes.__setitem__(0, passes[0] + 1),
                                                  immediate=True)
    counts = []
    for key in keys:
        passes[0] = 0
        await pilot.press(key)
        await h.settle(pilot)
        counts.append(passes[0])
    screen.screen_layout_refresh_signal.unsubscribe(screen)
    return counts


async def thread_of(h, texts: list[str]) -> str:
    thread = await h.client.create_thread()
    for text in texts:
        await h.client.create_message(thread.id, text)
    return thread.id


async def test_the_fields_of_a_message_are_laid_out_in_one_pass_per_key(make_harness):
    h = make_harness(page_size=5)
    async with h.app.run_test(size=SIZE) as pilot:
        thread_id = await thread_of(h, [f"plain words {i:02}" for i in range(12)])
        h.app.open_thread(thread_id)
        await h.settle(pilot)
        assert await layouts_per_key(h, pilot, "jjjjnjjp") == [1] * 8  # header, text, metadata: one pass
        detail = h.browser.query_one(MessageDetail)
        assert detail.message is h.store.selected and detail.message.text == "plain words 11"


async def test_a_field_that_changes_height_costs_the_second_pass_textual_makes(make_harness):
    """Textual lays out again when a widget's size changed in a pass (its virtual size is a layout
    reactive); a Markdown text's new blocks are new widgets, so they always do."""
    h = make_harness(page_size=5)
    async with h.app.run_test(size=SIZE) as pilot:
        thread_id = await thread_of(h, [f"plain words {i}" + "\nand a second line" * (i % 2) for i in range(12)])
        h.app.open_thread(thread_id)
        await h.settle(pilot)
        assert await layouts_per_key(h, pilot, "jjnj") == [2] * 4
        thread_id = await thread_of(h, [f"step {i}: calling `tool_{i}` **again**" for i in range(12)])
        h.app.open_thread(thread_id)
        await h.settle(pilot)
        assert await layouts_per_key(h, pilot, "jjnj") == [2] * 4
