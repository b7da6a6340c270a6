"""A write from the command line that lands on the embedded emulator says so once on stderr;
stdout stays what scripts read (newcomer #9). Reads say nothing."""

import json

from tests.cli.test_profile_key_unset import write_config
from tui.emulator.demo import ORDER_BOT

NOTE = "(embedded emulator — set DASHSCOPE_API_KEY to use DashScope)"


def test_a_create_prints_only_the_id_on_stdout_and_the_note_once_on_stderr(run):
    result = run("threads", "create", "--metadata", "team=support")
    assert result.exit_code == 0
    thread_id = result.stdout.strip()
    assert thread_id.startswith("thread_") and "\n" not in thread_id
    assert result.stderr.splitlines() == [NOTE]
    shown = json.loads(run("threads", "get", thread_id, "--json").stdout)  # it is there, on the emulator
    assert shown["metadata"] == {"team": "support"}


def test_every_kind_of_write_says_it_and_reads_do_not(run):
    thread_id = run("threads", "create").stdout.strip()
    for args in (("messages", "create", thread_id, "--content", "hi"),
                 ("threads", "update", thread_id, "--metadata", "a=1"),
                 ("conversations", "create"),
                 ("threads", "delete", thread_id)):
        assert run(*args).stderr.splitlines() == [NOTE], args
    for args in (("threads", "get", ORDER_BOT), ("messages", "list", ORDER_BOT, "--json")):
        result = run(*args)
        assert result.exit_code == 0 and result.stderr == "", args


def test_a_failed_write_says_it_once(run):
    result = run("messages", "create", "thread_00000000-0000-4000-8000-00000000dead", "--content", "hi")
    assert result.exit_code == 1
    assert result.stderr.count("embedded emulator") == 1, result.stderr


def test_asked_for_with_demo_it_is_not_repeated(run):
    result = run("--demo", "threads", "create")
    assert result.exit_code == 0 and result.stderr == ""


def test_a_profile_names_its_own_variable_and_is_not_said_twice(run, monkeypatch):
    write_config('default_profile = "work"\n[profiles.work]\napi_key_env = "WORK_DASHSCOPE_KEY"\n')
    monkeypatch.delenv("WORK_DASHSCOPE_KEY", raising=False)
    result = run("threads", "create")
    assert result.stderr.splitlines() == ["warning: profile work: WORK_DASHSCOPE_KEY is not set — using the embedded demo"]
    failed = run("threads", "get", "thread_00000000-0000-4000-8000-00000000dead")
    assert "(backend: embedded emulator — set WORK_DASHSCOPE_KEY to use DashScope)" in failed.stderr


def test_migrate_says_it_and_a_dry_run_does_not(run):
    dry = run("migrate", ORDER_BOT, "--dry-run")
    assert dry.exit_code == 0 and "embedded emulator" not in dry.stderr
    done = run("migrate", ORDER_BOT)
    assert done.exit_code == 0, done.stderr
    assert done.stderr.splitlines()[-1:] == [NOTE]

