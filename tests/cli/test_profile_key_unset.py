"""A profile whose key variable is unset runs on the embedded demo (CONTRACT §2) — and says so,
on stderr and in the TUI, and the status shows no workspace that is not in use (newcomer #4)."""

import json
import os

from tests.conftest import SENTINEL_KEY
from tui.config import resolve_settings
from tui.emulator.demo import ORDER_BOT

README_CONFIG = ('default_profile = "work"\n[profiles.work]\nregion = "intl"\nworkspace = "ws-1234"\n'
                 'api_key_env = "WORK_DASHSCOPE_KEY"   # the variable that holds this profile\'s key\nread_only = true\n')
WARNING = "profile work: WORK_DASHSCOPE_KEY is not set — using the embedded demo"


def write_config(text: str) -> None:
    directory = os.environ["THREADSCOPE_CONFIG_DIR"]
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "config.toml"), "w") as f:
        f.write(text)


def test_the_readme_profile_without_its_variable_warns_and_runs_on_the_demo(monkeypatch):
    write_config(README_CONFIG)
    monkeypatch.delenv("WORK_DASHSCOPE_KEY", raising=False)
    settings = resolve_settings()
    assert settings.embedded and settings.shown_workspace is None
    assert WARNING in settings.warnings


def test_an_empty_variable_is_not_a_key_either(monkeypatch):
    write_config(README_CONFIG)
    monkeypatch.setenv("WORK_DASHSCOPE_KEY", "")
    assert WARNING in resolve_settings().warnings


def test_with_the_variable_set_or_the_demo_asked_for_nothing_is_said(monkeypatch):
    write_config(README_CONFIG)
    monkeypatch.setenv("WORK_DASHSCOPE_KEY", SENTINEL_KEY)
    settings = resolve_settings()
    assert not settings.embedded and settings.shown_workspace == "ws-1234"
    assert not settings.warnings
    monkeypatch.delenv("WORK_DASHSCOPE_KEY")
    assert not resolve_settings(demo=True).warnings  # --demo: the demo was asked for


def test_a_profile_with_a_base_url_is_not_the_demo(monkeypatch):
    write_config('default_profile = "local"\n[profiles.local]\nbase_url = "http://127.0.0.1:8765/api/v1"\n')
    assert not resolve_settings().warnings


def test_a_profile_that_names_no_key_workspace_or_region_is_fine_on_the_demo():
    write_config('default_profile = "audit"\n[profiles.audit]\nread_only = true\n')
    assert not resolve_settings().warnings
    write_config('default_profile = "audit"\n[profiles.audit]\nworkspace = "ws-9"\n')
    assert resolve_settings().warnings == ["profile audit: DASHSCOPE_API_KEY is not set — using the embedded demo"]


def test_the_command_line_prints_the_demo_on_stdout_and_the_warning_on_stderr(run, monkeypatch):
    write_config(README_CONFIG)
    monkeypatch.delenv("WORK_DASHSCOPE_KEY", raising=False)
    result = run("messages", "list", ORDER_BOT, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["data"][0]["thread_id"] == ORDER_BOT  # stdout stays clean for jq
    assert result.stderr.splitlines() == [f"warning: {WARNING}"]
