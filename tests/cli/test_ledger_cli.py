"""The ledger follows the command line: create and export remember both families, delete forgets."""

import stat

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tui.config import resolve_settings
from tui.ledger import ThreadLedger


def ok(result) -> str:
    assert result.exit_code == 0, result.stderr
    return result.stdout


def remembered() -> list[str]:
    settings = resolve_settings()
    return [e.thread_id for e in ThreadLedger(settings.ledger_path, settings.backend_id).entries()]


def test_threads_delete_forgets_the_thread(run):
    thread_id = ok(run("threads", "create")).strip()
    assert thread_id in remembered()
    ok(run("threads", "delete", thread_id))
    assert thread_id not in remembered()


def test_conversations_create_records_and_delete_forgets(run):
    conv_id = ok(run("conversations", "create", "--item", "user:hi")).strip()
    assert conv_id in remembered()
    ok(run("conversations", "delete", conv_id, "--json"))
    assert conv_id not in remembered()


def test_export_of_a_conversation_records_it_with_its_item_count(run):
    conv_id = ok(run("conversations", "create", "--item", "user:a", "--item", "assistant:b")).strip()
    settings = resolve_settings()
    ledger = ThreadLedger(settings.ledger_path, settings.backend_id)
    ledger.forget(conv_id)
    ok(run("export", conv_id))
    entry = ledger.get(conv_id)
    assert entry is not None and entry.kind == "conversation" and entry.messages_seen == 2


def test_a_failed_delete_keeps_the_entry(run):
    thread_id = ok(run("threads", "create")).strip()
    ok(run("threads", "delete", thread_id))
    settings = resolve_settings()
    ThreadLedger(settings.ledger_path, settings.backend_id).record(thread_id)
    assert run("threads", "delete", thread_id).exit_code == 1  # already gone: 404
    assert thread_id in remembered()


def test_the_ledger_and_the_emulator_database_are_private(run):
    ok(run("threads", "create"))
    settings = resolve_settings()
    for path in (settings.ledger_path, settings.emulator_db):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


class LedgerFollowsTheCommandLine(RuleBasedStateMachine):
    """Any sequence of create, export and delete, threads and conversations alike: the ledger holds
    exactly the ids created or exported and not deleted since (a plain set is the model)."""

    def __init__(self) -> None:
        super().__init__()
        from click.testing import CliRunner

        from tui.cli import main

        runner = CliRunner()
        self.run = lambda *args: runner.invoke(main, list(args), catch_exceptions=False)
        self.model = set(remembered())  # examples share the data dir: start from what it holds
        self.made: list[str] = []

    @rule(family=st.sampled_from(["threads", "conversations"]))
    def create(self, family):
        target = ok(self.run(family, "create")).strip()
        self.made.append(target)
        self.model.add(target)

    @precondition(lambda self: self.made)
    @rule(data=st.data())
    def delete(self, data):
        target = data.draw(st.sampled_from(self.made))
        family = "conversations" if target.startswith("conv_") else "threads"
        result = self.run(family, "delete", target)
        if result.exit_code == 0:
            self.model.discard(target)
        else:  # deleted before: 404, the ledger is left as it was
            assert result.exit_code == 1 and "HTTP 404" in result.stderr

    @precondition(lambda self: self.made)
    @rule(data=st.data())
    def export(self, data):
        target = data.draw(st.sampled_from(self.made))
        if self.run("export", target).exit_code == 0:
            self.model.add(target)

    @invariant()
    def ledger_is_the_model(self):
        assert set(remembered()) == self.model


TestLedgerFollowsTheCommandLine = LedgerFollowsTheCommandLine.TestCase
TestLedgerFollowsTheCommandLine.settings = settings(max_examples=15, stateful_step_count=10, deadline=None,
                                                    suppress_health_check=[HealthCheck.too_slow])
