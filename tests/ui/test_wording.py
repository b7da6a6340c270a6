"""One message is 'message 1', not 'messages 1–1'; R says what it refreshed (items 19.6)."""

from tui.screens.browser import BrowserScreen


async def test_one_message_is_singular_and_r_says_it_refreshed(make_harness):
    h = make_harness()
    thread = await h.client.create_thread()
    await h.client.create_message(thread.id, "only one")
    h.app.start_thread = thread.id
    async with h.app.run_test(size=(120, 40)) as pilot:
        await h.settle(pilot)
        assert isinstance(h.app.screen, BrowserScreen)
        label = h.store.position_label()
        assert label.startswith("message 1 · ") and "messages" not in label
        await pilot.press("R")
        await h.settle(pilot)
        assert f"Refreshed: {label}." in h.notices()


async def test_newlines_typed_in_a_message_show_in_the_rendered_detail(make_harness):
    from textual.widgets import Markdown

    h = make_harness()
    thread = await h.client.create_thread()
    await h.client.create_message(thread.id, "first *line*\nsecond line")
    h.app.start_thread = thread.id
    async with h.app.run_test(size=(120, 40)) as pilot:
        await h.settle(pilot)
        markdown = h.app.screen.query_one("#detail-markdown", Markdown)
        await h.settle(pilot)
        shown = "\n".join(str(block.render()) for block in markdown.children)
        assert "first line\nsecond line" in shown, shown


async def test_plain_prose_is_shown_as_typed_without_markdown_blocks(make_harness):
    # Markdown.update replaces its block widgets on every message; prose it would show as typed
    # goes to a Static updated in place, so paging through a chat mounts no widget per key.
    from textual.widgets import Markdown, Static

    h = make_harness()
    thread = await h.client.create_thread()
    for text in ("first line\nsecond line: plain, really!", "also plain  ", "now **bold**"):
        await h.client.create_message(thread.id, text)
    h.app.start_thread = thread.id
    async with h.app.run_test(size=(120, 40)) as pilot:
        await h.settle(pilot)
        detail = h.app.screen.query_one("#detail-text", Static)
        markdown = h.app.screen.query_one("#detail-markdown", Markdown)
        seen = {}
        for _ in range(3):
            blocks = [str(block.render()) for block in markdown.query("MarkdownBlock")]
            shown = str(detail.render()) if detail.display else blocks if markdown.display else None
            seen[h.store.selected.text] = shown
            await pilot.press("j")
            await h.settle(pilot)
        assert seen == {"first line\nsecond line: plain, really!": "first line\nsecond line: plain, really!",
                        "also plain  ": "also plain", "now **bold**": ["now bold"]}
