"""Fixtures shared by every suite: isolated user dirs, the real emulator, a real client on it."""

from __future__ import annotations

import httpx
import pytest

from tui.api import DashScopeClient

TEST_BASE_URL = "http://emulator.test/api/v1"
SENTINEL_KEY = "sk-sentinel0123456789abcdef"  # grep-able: must never appear in any output


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory, monkeypatch):
    """No test reads or writes the developer's real config, data, key or base URL."""
    root = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("THREADSCOPE_CONFIG_DIR", str(root / "config"))
    monkeypatch.setenv("THREADSCOPE_DATA_DIR", str(root / "data"))
    for name in ("DASHSCOPE_API_KEY", "DASHSCOPE_HTTP_BASE_URL", "DASHSCOPE_WORKSPACE", "THREADSCOPE_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    return root


@pytest.fixture
def emulator_app(tmp_path):
    """A fresh emulator over a real SQLite file, no demo data."""
    from tui.emulator import create_app

    return create_app(tmp_path / "emulator.sqlite3")


@pytest.fixture
async def client(emulator_app):
    """The real client, over ASGITransport, on the real emulator."""
    async with DashScopeClient(
        api_key="test-key", base_url=TEST_BASE_URL, transport=httpx.ASGITransport(app=emulator_app)
    ) as c:
        yield c


async def no_sleep(seconds: float) -> None:
    """Stand-in for asyncio.sleep in retry tests: backoff is recorded, not waited."""
