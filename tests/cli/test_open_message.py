"""`threadscope open THREAD --message ID`: the TUI starts on that thread, at that message."""

import pytest
from click.testing import CliRunner

from tui.app import ThreadscopeApp
from tui.cli import main
from tui.emulator.demo import AGENT_LOOP


@pytest.fixture
def started(monkeypatch):
    """What the app was asked to open, instead of running it."""
    seen = {}

    async def record(self, *args, **kwargs):
        seen.update(thread=self.start_thread, message=self.start_message)

    monkeypatch.setattr(ThreadscopeApp, "run_async", record)
    return seen


def test_message_is_handed_to_the_app(started):
    result = CliRunner().invoke(main, ["open", AGENT_LOOP, "--message", "message_abc"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert started == {"thread": AGENT_LOOP, "message": "message_abc"}


def test_a_blank_message_is_a_usage_error(started):
    result = CliRunner().invoke(main, ["open", AGENT_LOOP, "--message", " "], catch_exceptions=False)
    assert result.exit_code == 2 and "--message needs a message or item id" in result.stderr
    assert started == {}
