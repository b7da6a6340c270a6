"""Every scenario of tests/snapshots/screenshots.py as a snapshot: the README's images are what these check.

Regenerate after a deliberate visual change with
    pytest tests/snapshots --snapshot-update && python -m tests.snapshots.screenshots
and look at the SVGs before committing.
"""

from pathlib import Path

import pytest

from tests.snapshots.screenshots import build_app, drive, freeze_environment, scenarios


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    """UTC and a frozen clock for this test only (restored afterwards)."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("THREADSCOPE_NOW", "2024-03-28T10:00:00+00:00")
    time.tzset()
    freeze_environment()
    yield
    from tui.emulator.app import seed_request_ids
    from tui.emulator.conversation_store import seed_conversation_ids

    seed_request_ids(None)
    seed_conversation_ids(None)
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("scenario", scenarios(), ids=lambda s: s.name)
def test_snapshot(scenario, snap_compare):
    app = build_app(scenario)

    async def run_before(pilot):
        await drive(scenario, pilot)

    assert snap_compare(app, run_before=run_before, terminal_size=scenario.size)


SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_snapshots"
SCREENSHOTS = Path(__file__).parents[2] / "screenshots"


@pytest.mark.parametrize("scenario", scenarios(), ids=lambda s: s.name)
def test_committed_screenshot_is_the_accepted_snapshot(scenario):
    """screenshots/ (what the README shows) must be what the snapshot suite accepted."""
    accepted = SNAPSHOTS / f"test_snapshot[{scenario.name}].svg"
    committed = SCREENSHOTS / f"{scenario.name}.svg"
    assert committed.exists(), f"run `python -m tests.snapshots.screenshots` to create {committed}"
    assert committed.read_text(encoding="utf-8") == accepted.read_text(encoding="utf-8"), (
        f"{committed} is stale: run `python -m tests.snapshots.screenshots` after `pytest tests/snapshots --snapshot-update`")
