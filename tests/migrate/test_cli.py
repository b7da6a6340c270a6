"""`threadscope migrate` on the command line: usage errors, read-only profiles, the dry run."""

from __future__ import annotations

import asyncio
import json

import pytest

from tui.config import resolve_settings
from tui.migrate import RECORD_NAME

from .seed import TOOL_CALL, seed_thread


@pytest.fixture
def embedded_storage():
    """The embedded emulator's database, as `threadscope` with no key uses it."""
    from tui.emulator import create_app

    settings = resolve_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(settings.emulator_db, demo_data=True)
    yield app.storage
    app.storage.close()


def test_ids_that_are_not_thread_or_conversation_ids_are_usage_errors(run):
    result = run("migrate", "message_1")
    assert result.exit_code == 2
    assert "'message_1' is not a thread id" in result.stderr
    result = run("migrate", "thread_1", "--into", "thread_2")
    assert result.exit_code == 2
    assert "--into 'thread_2' is not a conversation id" in result.stderr


def test_a_read_only_profile_refuses_to_migrate_but_may_plan(run, isolated_user_dirs, embedded_storage):
    config = isolated_user_dirs / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text('default_profile = "prod"\n[profiles.prod]\nread_only = true\n')
    thread_id = seed_thread(embedded_storage, [{"role": "user", "texts": ["hi"]}])
    refused = run("migrate", thread_id)
    assert refused.exit_code == 2
    assert "profile 'prod' is read-only" in refused.stderr and "--dry-run only reads" in refused.stderr
    assert run("migrate", thread_id, "--dry-run").exit_code == 0


def test_the_dry_run_prints_the_plan_and_writes_nothing(run, embedded_storage):
    thread_id = seed_thread(embedded_storage, [
        {"role": "user", "texts": ["where is my order?"], "metadata": {"channel": "web"}},
        {"role": "assistant", "texts": [""], "tool_calls": [TOOL_CALL]},
        *({"role": "assistant", "texts": [f"answer {i}", "第二部分"]} for i in range(25)),
    ], {"team": "support"})
    result = run("migrate", thread_id, "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"{thread_id} → into a new conversation · 26 items in 2 batches · 1 skipped · dry run, nothing sent"
    assert lines[1] == f"  conversation metadata: team=support, migrated_from={thread_id}"
    assert lines[2].startswith("  skip 1 message (tool calls): message_")
    assert lines[3].startswith("  report 1 message: metadata (1 pair) kept in the record — message_")
    assert len(lines) == 4

    plan = json.loads(run("migrate", thread_id, "--dry-run", "--json", "--non-text", "as-text").stdout)
    assert (plan["items"], plan["batches"], plan["skipped"]) == (27, 2, [])
    assert plan["metadata"] == {"team": "support", "migrated_from": thread_id}
    assert {"tool calls written as text"} <= {note for entry in plan["reported"] for note in entry["notes"]}

    record = resolve_settings().data_dir / RECORD_NAME
    import sqlite3

    assert sqlite3.connect(record).execute("SELECT COUNT(*) FROM migrations").fetchone() == (0,)


def test_the_dry_run_names_the_batch_an_unfinished_run_resumes_at_and_counts_notes_per_kind(run, embedded_storage):
    from tui.migrate import MigrationRecord
    from tui.migrate.mapping import MappedMessage

    thread_id = seed_thread(embedded_storage, [
        *({"role": "assistant", "texts": [f"answer {i}"], "tool_calls": [TOOL_CALL]} for i in range(50)),
        {"role": "user", "texts": ["thanks"], "metadata": {"channel": "web"}},
    ])
    settings = resolve_settings()
    record = MigrationRecord(settings.data_dir / RECORD_NAME, settings.backend_id)
    migration = record.begin(thread_id, None, "skip")
    record.set_target(migration.id, "conv_unfinished", None)
    for seq in (1, 2):  # two batches confirmed, as when a run was stopped during the third
        batch = record.plan(migration.id, seq, [MappedMessage(f"m{seq}", {"type": "message"})], [], None)
        record.confirm(batch, [f"item{seq}"])
    record.close()

    lines = run("migrate", thread_id, "--dry-run").stdout.splitlines()
    assert lines[0] == (f"{thread_id} → resumes conv_unfinished (batch 3 of 3) · 51 items in 3 batches"
                        " · dry run, nothing sent")
    assert lines[2].startswith("  report 50 messages: 1 tool call not carried — message_")
    assert lines[2].endswith(" and 47 more")
    assert lines[3].startswith("  report 1 message: metadata (1 pair) kept in the record — message_")
    assert lines[4:] == ["  --json lists every message"]
    plan = json.loads(run("migrate", thread_id, "--dry-run", "--json").stdout)
    assert len(plan["reported"]) == 51 and plan["existing"] == {"conversation_id": "conv_unfinished", "state": "copying"}

    record = MigrationRecord(settings.data_dir / RECORD_NAME, settings.backend_id)
    record.finish(migration.id, "done", {"thread_id": thread_id, "conversation_id": "conv_unfinished"})
    record.close()
    done = run("migrate", thread_id, "--dry-run").stdout.splitlines()
    assert done[0].startswith(f"{thread_id} → migrated before into conv_unfinished (done: a run prints that;"
                              " --again makes a new copy) · 51 items")
    again = run("migrate", thread_id, "--dry-run", "--again").stdout.splitlines()
    assert again[0].startswith(f"{thread_id} → into a new conversation · 51 items")
    assert again[-1] == "  the record holds an earlier copy in conv_unfinished (done); --again makes a new one"


def test_a_migration_prints_one_line_per_thread_and_a_rerun_does_not_copy_again(run, embedded_storage):
    thread_id = seed_thread(embedded_storage, [
        {"role": "user", "texts": ["where is my order?"], "metadata": {"channel": "web"}},
        {"role": "assistant", "texts": [""], "tool_calls": [TOOL_CALL]},
        *({"role": "assistant", "texts": [f"answer {i}"]} for i in range(25)),
    ], {"team": "support"})
    first = run("migrate", thread_id)
    assert first.exit_code == 0, first.stderr
    (line,) = first.stdout.splitlines()
    head, conversation_id = line.split(" · ")[0].split(" → ")
    assert head == thread_id and conversation_id.startswith("conv_")
    assert line == f"{thread_id} → {conversation_id} · 26 items · 1 skipped (tool calls) · verified"
    assert "the metadata of 1 message(s)" in first.stderr

    again = run("migrate", thread_id, "--json")
    assert again.exit_code == 0
    result = json.loads(again.stdout)
    assert result == {"thread_id": thread_id, "conversation_id": conversation_id, "items": 26,
                      "skipped": [{"message_id": result["skipped"][0]["message_id"], "reason": "tool calls"}],
                      "verified": True, "record": str(resolve_settings().data_dir / RECORD_NAME)}
    assert "was migrated before" in again.stderr and "--again makes a new copy" in again.stderr

    fresh = json.loads(run("migrate", thread_id, "--json", "--again").stdout)
    assert fresh["conversation_id"] != conversation_id and fresh["verified"]
    assert asyncio.run(conversation_metadata(conversation_id)) == {"team": "support", "migrated_from": thread_id}


async def conversation_metadata(conversation_id):
    from tui.backend import build_client

    client = build_client(resolve_settings())
    try:
        return (await client.retrieve_conversation(conversation_id)).metadata
    finally:
        await client.aclose()


def test_the_progress_bar_counts_threads_and_items_on_one_line():
    import io

    from tui.migrate import Progress
    from tui.migrate_cli import ProgressBar

    stream = io.StringIO()
    bar = ProgressBar(stream, threads=2)
    bar.update(Progress("thread_a", read=40, written=20))
    bar.update(Progress("thread_b", read=20, written=20, done=True))
    assert stream.getvalue().split("\r\x1b[K")[-1] == "[##################······] 1/2 threads · 40/60 items"
    bar.clear()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_into_appends_to_the_given_conversation_and_leaves_its_metadata(run, embedded_storage):
    first = seed_thread(embedded_storage, [{"role": "user", "texts": [f"a{i}"]} for i in range(3)], {"k": "v"})
    second = seed_thread(embedded_storage, [{"role": "assistant", "texts": [f"b{i}"]} for i in range(3)])
    target = json.loads(run("migrate", first, "--json").stdout)["conversation_id"]
    result = run("migrate", second, "--into", target, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["conversation_id"] == target
    assert asyncio.run(conversation_metadata(target)) == {"k": "v", "migrated_from": first}
    missing = run("migrate", second, "--into", "conv_00000000-0000-4000-8000-000000000000")
    assert missing.exit_code == 1
    assert "retrieve conversation conv_00000000-0000-4000-8000-000000000000 failed: HTTP 404" in missing.stdout
    assert run("migrate", second, "--into", "conv_00000000-0000-4000-8000-000000000000").exit_code == 1  # not recorded


def test_a_second_run_on_the_same_record_is_refused_while_the_first_holds_it(run, embedded_storage):
    from tui.migrate import MigrationRecord

    thread_id = seed_thread(embedded_storage, [{"role": "user", "texts": ["hi"]}])
    settings = resolve_settings()
    holder = MigrationRecord(settings.data_dir / RECORD_NAME, settings.backend_id)
    holder.claim()
    try:
        busy = run("migrate", thread_id)
        assert busy.exit_code == 1
        assert "another threadscope migrate is writing with this record" in busy.stderr
        assert run("migrate", thread_id, "--dry-run").exit_code == 0  # planning only reads
    finally:
        holder.close()
    assert run("migrate", thread_id).exit_code == 0


def test_the_record_is_readable_by_its_owner_only(run, embedded_storage):
    import os
    import stat

    thread_id = seed_thread(embedded_storage, [{"role": "user", "texts": ["hi"], "metadata": {"email": "a@b.c"}}])
    assert run("migrate", thread_id).exit_code == 0
    record = resolve_settings().data_dir / RECORD_NAME
    assert stat.S_IMODE(os.stat(record).st_mode) == 0o600
