"""The API key never reaches migrate's output, errors or record."""

from __future__ import annotations

from click.testing import CliRunner

from tests.conftest import SENTINEL_KEY
from tui.cli import main
from tui.config import resolve_settings

from .seed import TOOL_CALL, seed_thread


def test_the_key_is_in_no_output_no_error_and_not_in_the_record(live_server, monkeypatch):
    server = live_server(api_key=SENTINEL_KEY)
    thread_id = seed_thread(server.storage, [{"role": "user", "texts": ["hi"], "metadata": {"k": "v"}},
                                             {"role": "assistant", "texts": [""], "tool_calls": [TOOL_CALL]}])
    runner = CliRunner()
    monkeypatch.setenv("DASHSCOPE_API_KEY", SENTINEL_KEY)
    done = runner.invoke(main, ["migrate", thread_id, "--base-url", server.base_url], catch_exceptions=False)
    assert done.exit_code == 0, done.stderr
    monkeypatch.setenv("DASHSCOPE_API_KEY", SENTINEL_KEY + "-wrong")
    refused = runner.invoke(main, ["migrate", thread_id, "--again", "--base-url", server.base_url], catch_exceptions=False)
    assert refused.exit_code == 1 and "401" in refused.stdout
    for result in (done, refused):
        assert SENTINEL_KEY not in result.stdout + result.stderr
        assert SENTINEL_KEY[3:12] not in result.stdout + result.stderr
    for path in resolve_settings().data_dir.glob("migrations.sqlite3*"):
        assert SENTINEL_KEY.encode() not in path.read_bytes()
