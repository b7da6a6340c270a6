"""Run the real app on the embedded emulator (the same path as `threadscope` with no key)."""

from __future__ import annotations

import pytest

from tui.app import make_app
from tui.backend import build_client
from tui.config import resolve_settings


class Harness:
    """The app, its client and a helper to wait until every worker is done."""

    def __init__(self, app, client, settings):
        self.app = app
        self.client = client
        self.settings = settings

    async def settle(self, pilot):
        await pilot.pause()
        await self.app.workers.wait_for_complete()
        await pilot.pause()

    @property
    def browser(self):
        from tui.screens.browser import BrowserScreen

        screen = self.app.screen
        assert isinstance(screen, BrowserScreen), type(screen)
        return screen

    @property
    def store(self):
        return self.browser.store


@pytest.fixture
def make_harness(monkeypatch):
    """`make_harness(page_size=20, keymap=None, open_thread=None)` → Harness (not yet running)."""
    clients = []

    def build(page_size=20, keymap=None, open_thread=None, read_only=False):
        settings = resolve_settings()
        settings.page_size = page_size
        settings.keymap = keymap or {}
        settings.read_only = read_only
        client = build_client(settings)
        clients.append(client)
        return Harness(make_app(settings, client, open_thread=open_thread), client, settings)

    yield build


@pytest.fixture
def no_system_clipboard(monkeypatch):
    """As on a headless box or over SSH: pyperclip cannot reach a clipboard."""
    import pyperclip

    def refuse(text):
        raise pyperclip.PyperclipException("no clipboard mechanism")

    monkeypatch.setattr(pyperclip, "copy", refuse)
