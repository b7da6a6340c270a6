"""`threadscope migrate`: threads into conversations from the command line (CONTRACT §6).

One line (or one JSON object) per thread on stdout, in the order given, each as soon as it
is known; what items cannot hold is reported on stderr; a progress bar on stderr when it is
a terminal. Exit 0 when every thread is verified, 1 otherwise, 2 for usage errors.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any, TextIO

import click

from tui.cli import check_writable, current_settings, fail_usage, global_options, print_json, run_api
from tui.config import Settings
from tui.ids import is_conversation
from tui.inert import make_inert


class ProgressBar:
    """`[#####·····] 3/10 threads · 1234/5000 items` on one stderr line, redrawn at most 10 times a second."""

    WIDTH = 24

    def __init__(self, stream: TextIO, threads: int) -> None:
        self.stream = stream
        self.threads = threads
        self.states: dict[str, Any] = {}
        self._drawn = 0.0

    def update(self, progress: Any) -> None:
        self.states[progress.thread_id] = (progress.read, progress.written, progress.done)
        now = time.monotonic()
        if now - self._drawn >= 0.1 or progress.done:
            self._drawn = now
            self.draw()

    def draw(self) -> None:
        done = sum(1 for _, _, finished in self.states.values() if finished)
        read = sum(r for r, _, _ in self.states.values())
        written = sum(w for _, w, _ in self.states.values())
        # Each thread is an equal share; a running one counts by the part of what was read that is written.
        share = sum(1.0 if finished else (w / r if r else 0.0) for r, w, finished in self.states.values())
        filled = round(self.WIDTH * share / max(1, self.threads))
        bar = "#" * filled + "·" * (self.WIDTH - filled)
        self.stream.write(f"\r\x1b[K[{bar}] {done}/{self.threads} threads · {written}/{read} items")
        self.stream.flush()

    def clear(self) -> None:
        self.stream.write("\r\x1b[K")
        self.stream.flush()


def _check_ids(thread_ids: tuple[str, ...], into: str | None) -> None:
    for thread_id in thread_ids:
        if not thread_id.startswith("thread_"):
            fail_usage(f"{thread_id!r} is not a thread id (they look like thread_<uuid>)")
    if into is not None and not is_conversation(into):
        fail_usage(f"--into {into!r} is not a conversation id (they look like conv_<uuid>)")


SHOWN_IDS = 3  # message ids named per kind of note; the record lists every one


def _report_notes(record: Any, result: Any) -> None:
    """What the items could not hold, by kind, naming the messages, on stderr (the record has each one)."""
    if result.migration_id is None or result.already:
        return
    by_note: dict[str, list[str]] = {}
    with_metadata = 0
    for entry in record.messages(result.migration_id):
        with_metadata += bool(entry["metadata"])
        for note in entry["notes"]:
            if not note.startswith("metadata ("):
                by_note.setdefault(note, []).append(entry["message_id"])
    for note, ids in by_note.items():
        named = ", ".join(ids[:SHOWN_IDS]) + (f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else "")
        click.echo(make_inert(f"  {result.thread_id}: {note}: {named}"), err=True)
    if with_metadata or by_note:
        click.echo(f"  {result.thread_id}: the record ({result.record}) keeps every message's item id, notes"
                   + (f" and the metadata of {with_metadata} message(s)" if with_metadata else ""), err=True)


@click.command()
@global_options
@click.argument("thread_ids", nargs=-1, required=True, metavar="THREAD…")
@click.option("--into", metavar="CONV", help="Append to this conversation instead of creating one per thread.")
@click.option("--jobs", default=4, show_default=True, type=click.IntRange(1, 64), help="Threads migrated at once.")
@click.option("--non-text", type=click.Choice(["skip", "as-text"]), default="skip", show_default=True,
              help="Messages with no text (tool calls, plugin calls): skip them, or write them as readable text.")
@click.option("--dry-run", is_flag=True, help="Print the plan; send nothing.")
@click.option("--again", is_flag=True, help="Copy a thread again even if it was migrated before.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per thread.")
def migrate(thread_ids: tuple[str, ...], into: str | None, jobs: int, non_text: str, dry_run: bool, again: bool,
            as_json: bool) -> None:
    """Copy each THREAD into a conversation: resumable, nothing doubled, verified."""
    _check_ids(thread_ids, into)
    settings = current_settings()
    if settings.read_only and not dry_run:
        fail_usage(f"{settings.read_only_reason()}: migrate writes conversations (--dry-run only reads)")
    if not dry_run:
        check_writable(settings)  # passes here; marks the run as a write (an embedded one says so)
    failed = _run(thread_ids, into=into, jobs=jobs, non_text=non_text, dry_run=dry_run, again=again, as_json=as_json)
    if failed:
        sys.exit(1)


@run_api
async def _run(client: Any, settings: Settings, thread_ids: tuple[str, ...], *, into: str | None, jobs: int,
               non_text: str, dry_run: bool, again: bool, as_json: bool) -> bool:
    from tui.migrate import RECORD_NAME, MigrationRecord, Migrator, Options

    record = MigrationRecord(settings.data_dir / RECORD_NAME, settings.backend_id)
    try:
        if dry_run:
            await _dry_run(client, record, thread_ids, into=into, non_text=non_text, again=again, as_json=as_json)
            return False
        record.claim()
        bar = ProgressBar(sys.stderr, len(set(thread_ids))) if sys.stderr.isatty() else None
        migrator = Migrator(client, record, Options(into=into, jobs=jobs, non_text=non_text, again=again),
                            on_progress=bar.update if bar else None)
        failed = False
        async for result in migrator.results(list(thread_ids)):
            if bar:
                bar.clear()
            failed |= not result.ok
            print_json(result.to_json(), compact=True) if as_json else click.echo(make_inert(result.line()))
            _report_notes(record, result)
            if result.already:
                click.echo(f"  {result.thread_id} was migrated before (see {result.record}); --again makes a new copy",
                           err=True)
            if bar:
                bar.draw()
        if bar:
            bar.clear()
        return failed
    except asyncio.CancelledError:  # ctrl+c: run_api says "interrupted" and exits 130
        click.echo("\nthe record keeps every confirmed batch; run the same command again to resume", err=True)
        raise
    finally:
        record.close()


async def _dry_run(client: Any, record: Any, thread_ids: tuple[str, ...], *, into: str | None, non_text: str,
                   again: bool, as_json: bool) -> None:
    from tui.migrate.plan import plan_thread

    for thread_id in dict.fromkeys(thread_ids):
        existing = record.latest(thread_id, into)
        plan = await plan_thread(client, thread_id, into=into, non_text=non_text, existing=existing)
        plan.again = again
        if existing is not None:
            plan.confirmed_batches = sum(batch.state == "confirmed" for batch in record.batches(existing.id))
        if as_json:
            print_json(plan.to_json(), compact=True)
        else:
            for line in plan.lines():
                click.echo(make_inert(line))
