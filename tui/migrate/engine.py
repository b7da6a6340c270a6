"""Copy threads into conversations: one batch in flight per conversation, resumable, verified.

Each thread runs as a reader (pages of the thread → mapped, planned batches in the record)
and a writer (batches → create calls) joined by a short queue, so reading the next page
overlaps writing the current batch. A batch whose outcome is unknown is reconciled against
the conversation's newest items before it is ever sent again; then every item is read back
and compared with what was planned from the source.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tui.api.errors import (
    APIError,
    InvalidParameterError,
    NotFoundError,
    ProtocolError,
    RateLimitError,
    ServerError,
    TransportError,
)
from tui.api.validation import ValidationError
from tui.migrate.mapping import BATCH_SIZE, MappedMessage, conversation_metadata, differences, map_message, signature
from tui.migrate.record import Batch, Migration, MigrationRecord
from tui.migrate.results import ConversationGone, MigrationFailed, TailConflict, ThreadResult

PAGE_SIZE = 100
QUEUED_BATCHES = 4  # how far the reader may run ahead of the writer
UNKNOWN_OUTCOME = (ServerError, TransportError, ProtocolError, RateLimitError)
DEFAULT_RETRY_AFTER = 1.0


class RateGate:
    """A 429's Retry-After holds back every job's next request, not just the one refused."""

    def __init__(self, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._sleep = sleep
        self._clock = clock
        self.until = 0.0

    def hold(self, seconds: float | None) -> None:
        self.until = max(self.until, self._clock() + (seconds if seconds is not None else DEFAULT_RETRY_AFTER))

    async def wait(self) -> None:
        while (left := self.until - self._clock()) > 0:
            await self._sleep(left)


@dataclass
class Options:
    """How to migrate (the command's options)."""

    into: str | None = None
    jobs: int = 4
    non_text: str = "skip"
    again: bool = False
    max_tries: int = 6  # attempts per batch before the thread is left to a re-run
    backoff: float = 0.5


@dataclass
class Progress:
    """Where one thread stands, sent to `on_progress` as it moves."""

    thread_id: str
    read: int = 0
    written: int = 0
    done: bool = False


def _rate_limit(exc: BaseException) -> RateLimitError | None:
    """The 429 behind an error: itself, or the cause of a create whose outcome the client calls unknown."""
    if isinstance(exc, RateLimitError):
        return exc
    cause = getattr(exc, "cause", None)
    return cause if isinstance(cause, RateLimitError) else None


def _page_data(page: Any, operation: str) -> list[Any]:
    data = _field(page, "data")
    if not isinstance(data, list):
        raise ProtocolError(operation, 200, str(page)[:200], reason="the list response has no data array")
    return data


def _next_cursor(page: Any, data: list[Any], cursor: str | None, operation: str) -> str | None:
    """The cursor of the page after this one, None at the end; a cursor that does not move would loop forever."""
    if not _field(page, "has_more") or not data:
        return None
    following = _field(page, "last_id") or _field(data[-1], "id")
    if not isinstance(following, str) or not following or following == cursor:
        raise ProtocolError(operation, 200, str(following)[:200], reason="the list cursor did not advance")
    return following


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def _items_of(answer: Any) -> list[Any]:
    data = _field(answer, "data")
    return list(data if data is not None else answer)


class Migrator:
    """Migrates threads with one shared client and one record."""

    def __init__(self, client: Any, record: MigrationRecord, options: Options | None = None, *,
                 on_progress: Callable[[Progress], None] | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, gate: RateGate | None = None) -> None:
        self.client = client
        self.record = record
        self.options = options or Options()
        self.on_progress = on_progress or (lambda progress: None)
        self._sleep = sleep
        self.gate = gate or RateGate(sleep)
        self._target_lock = asyncio.Lock()  # --into: threads land in the one conversation one after another

    async def run(self, thread_ids: list[str]) -> list[ThreadResult]:
        """Every thread, `jobs` at once; the results in the order given."""
        return [result async for result in self.results(thread_ids)]

    async def results(self, thread_ids: list[str]) -> AsyncIterator[ThreadResult]:
        """Every thread, `jobs` at once; each result as soon as it and those before it are done."""
        slots = asyncio.Semaphore(max(1, self.options.jobs))

        async def one(thread_id: str) -> ThreadResult:
            async with slots:
                return await self.migrate_thread(thread_id)

        tasks = [asyncio.ensure_future(one(thread_id)) for thread_id in dict.fromkeys(thread_ids)]
        try:
            for task in tasks:
                yield await task
        finally:
            for task in tasks:
                task.cancel()

    async def migrate_thread(self, thread_id: str) -> ThreadResult:
        """One thread: resume or start, copy, verify. Failures come back in the result, never raised."""
        into = self.options.into
        latest = self.record.latest(thread_id, into)
        if latest and latest.state in ("done", "failed") and latest.result and not self.options.again:
            return ThreadResult.from_json(latest.result, already=True, migration_id=latest.id)
        migration = latest if latest and latest.state in ("creating", "copying") else None
        try:
            thread = await self._call(self.client.retrieve_thread, thread_id)
            if into and migration is None:
                await self._call(self.client.retrieve_conversation, into)  # a wrong --into id starts nothing
        except (APIError, TransportError, ProtocolError, ValidationError) as exc:
            return ThreadResult(thread_id, None, record=str(self.record.path), error=str(exc))
        migration = migration or self.record.begin(thread_id, into, self.options.non_text)
        if into:
            async with self._target_lock:
                return await self._migrate(migration, thread)
        return await self._migrate(migration, thread)

    async def _migrate(self, migration: Migration, thread: Any) -> ThreadResult:
        progress = Progress(migration.thread_id)
        try:
            await self._copy(migration, thread, progress)
            result = await self._verify(migration)
        except MigrationFailed as exc:
            result = self._result(migration, error=str(exc))
            self.record.finish(migration.id, "failed", result.to_json())
        except (APIError, TransportError, ProtocolError, ValidationError) as exc:
            # Left as it is in the record: running the same command again resumes here.
            result = self._result(migration, error=f"{exc} — run the same command again to resume")
        else:
            self.record.finish(migration.id, "done" if result.verified else "failed", result.to_json())
        progress.done = True
        self.on_progress(progress)
        return result

    def _result(self, migration: Migration, **fields: Any) -> ThreadResult:
        items = sum(len(batch.items) for batch in self.record.batches(migration.id))
        skipped = [{"message_id": mid, "reason": reason} for mid, reason in self.record.skipped(migration.id)]
        return ThreadResult(migration.thread_id, migration.conversation_id, items, skipped,
                            record=str(self.record.path), migration_id=migration.id, **fields)

    # -- calls -----------------------------------------------------------------------------

    async def _call(self, fn: Callable[..., Awaitable[Any]], *args: Any, retry: bool = True, **kwargs: Any) -> Any:
        """One API call behind the shared 429 gate; safe calls wait out a 429 and try again."""
        tries = 0
        while True:
            tries += 1
            await self.gate.wait()
            try:
                return await fn(*args, **kwargs)
            except (RateLimitError, TransportError) as exc:
                refusal = _rate_limit(exc)
                if refusal is None:
                    raise
                self.gate.hold(refusal.retry_after)
                if not retry or tries >= self.options.max_tries:
                    raise

    async def _conversation_call(self, conversation_id: str, fn: Callable[..., Awaitable[Any]], *args: Any,
                                 **kwargs: Any) -> Any:
        try:
            return await self._call(fn, conversation_id, *args, **kwargs)
        except NotFoundError:
            raise ConversationGone(conversation_id) from None

    async def _pause(self, tries: int) -> None:
        await self._sleep(random.uniform(0, min(8.0, self.options.backoff * 2 ** tries)))

    # -- the target ------------------------------------------------------------------------

    async def _target(self, migration: Migration, thread: Any) -> tuple[str, str | None]:
        """The conversation to write into: the recorded one, the --into one, or a new one."""
        if migration.conversation_id:
            return migration.conversation_id, migration.start_item
        if migration.into_id:
            conversation_id = migration.into_id
            newest = _items_of(await self._conversation_call(conversation_id, self.client.list_items, limit=1, order="desc"))
            start_item = _field(newest[0], "id") if newest else None
        else:
            metadata = conversation_metadata(thread.id, _field(thread, "metadata"))
            # Tried again only after a 429 (the server refused it); any other failure is left to a re-run,
            # so at worst an attempt whose answer was lost leaves an empty conversation behind.
            conversation = await self._call(self.client.create_conversation, metadata=metadata)
            conversation_id, start_item = conversation.id, None
        self.record.set_target(migration.id, conversation_id, start_item)
        return conversation_id, start_item

    # -- copying ---------------------------------------------------------------------------

    async def _copy(self, migration: Migration, thread: Any, progress: Progress) -> None:
        """Read the thread while the target gets ready; deliver the recorded batches, then the new ones."""
        recorded = self.record.batches(migration.id)
        progress.read = sum(len(batch.items) for batch in recorded)
        queue: asyncio.Queue[Batch | BaseException | None] = asyncio.Queue(QUEUED_BATCHES)
        reader = asyncio.create_task(self._read(migration, len(recorded), queue, progress))
        try:
            migration.conversation_id, migration.start_item = await self._target(migration, thread)
            after = migration.start_item
            for batch in recorded:
                after = await self._deliver(migration, batch, after)
                progress.written += len(batch.items)
            self.on_progress(progress)
            while (batch := await queue.get()) is not None:
                if isinstance(batch, BaseException):
                    raise batch
                after = await self._deliver(migration, batch, after)
                progress.written += len(batch.items)
                self.on_progress(progress)
        finally:
            if not reader.done():
                reader.cancel()

    async def _read(self, migration: Migration, seq: int, queue: asyncio.Queue, progress: Progress) -> None:
        """Pages of the thread, oldest first from where the record left off, planned as batches."""
        try:
            cursor = self.record.migration(migration.id).read_cursor
            group: list[MappedMessage] = []
            skipped: list[MappedMessage] = []
            last_read = cursor
            seen: set[str] = set()
            while True:
                page = await self._call(self.client.list_messages_raw, migration.thread_id, limit=PAGE_SIZE,
                                        order="asc", after=cursor)
                data = _page_data(page, f"list messages of {migration.thread_id}")
                for raw in data:
                    mapped = map_message(raw, migration.non_text)
                    if mapped.message_id in seen:  # a list that repeats itself must not become items twice
                        raise ProtocolError(f"list messages of {migration.thread_id}", 200, mapped.message_id,
                                            reason="the thread listed the same message twice")
                    seen.add(mapped.message_id)
                    last_read = mapped.message_id or last_read  # an id-less message cannot be a cursor
                    (group if mapped.item is not None else skipped).append(mapped)
                    if len(group) == BATCH_SIZE:
                        batch = self.record.plan(migration.id, seq, group, skipped, cursor=last_read)
                        seq, group, skipped = seq + 1, [], []
                        progress.read += BATCH_SIZE
                        await queue.put(batch)
                cursor = _next_cursor(page, data, cursor, f"list messages of {migration.thread_id}")
                if cursor is None:
                    break
            if group or skipped:
                batch = self.record.plan(migration.id, seq if group else None, group, skipped, cursor=last_read)
                progress.read += len(group)
                if batch is not None:
                    await queue.put(batch)
            await queue.put(None)
        except Exception as exc:  # handed to the writer, which raises it
            await queue.put(exc)

    async def _deliver(self, migration: Migration, batch: Batch, after: str | None) -> str | None:
        """Get one batch into the conversation exactly once; the id of its last item."""
        conversation_id = migration.conversation_id
        assert conversation_id is not None
        tries = 0
        while batch.state != "confirmed":
            if batch.state == "sent":
                found = await self._reconcile(conversation_id, batch)
                if found is not None:
                    self.record.confirm(batch, found)
                    break
            tries += 1
            self.record.mark_sent(batch, after)
            try:
                created = await self._conversation_call(conversation_id, self.client.create_items, batch.items, retry=False)
            except (InvalidParameterError, ValidationError) as exc:
                raise MigrationFailed(f"batch {batch.seq + 1} was refused: {exc}") from None
            except UNKNOWN_OUTCOME:
                if tries >= self.options.max_tries:
                    raise
                await self._pause(tries)
                continue
            ids = [_field(item, "id") for item in _items_of(created)]
            if len(ids) == len(batch.items) and all(ids):
                self.record.confirm(batch, ids)
            elif tries >= self.options.max_tries:
                raise ProtocolError(f"add batch {batch.seq + 1} to {conversation_id}", 200, str(ids)[:200],
                                    reason=f"the answer lists {len(ids)} items for the {len(batch.items)} sent")
        return batch.item_ids[-1] if batch.item_ids else after

    async def _reconcile(self, conversation_id: str, batch: Batch) -> list[str] | None:
        """Was a batch whose answer never came written? Its item ids if so, None if not.

        The items newer than the one the batch follows must be either nothing (not written)
        or exactly the batch, role and text (written); anything else is someone else's doing.
        """
        want = len(batch.items)
        page = await self._conversation_call(conversation_id, self.client.list_items, limit=want + 1, order="desc")
        newest = _items_of(page)
        ids = [_field(item, "id") for item in newest]
        if batch.after_item is None:
            newer = newest if len(newest) <= want else None
        else:
            newer = newest[: ids.index(batch.after_item)] if batch.after_item in ids else None
        if newer is not None:
            newer.reverse()
            if not newer:
                return None
            if [signature(item) for item in newer] == [signature(item) for item in batch.items]:
                return [_field(item, "id") for item in newer]
        raise TailConflict(
            f"cannot tell whether batch {batch.seq + 1} was written: the newest items of {conversation_id} are "
            f"neither that batch nor what came before it (was something else written there meanwhile?)"
        )

    # -- verifying -------------------------------------------------------------------------

    async def _verify(self, migration: Migration) -> ThreadResult:
        """Read back every item after where this migration began and compare with the plan."""
        conversation_id = migration.conversation_id
        assert conversation_id is not None
        expected = [item for batch in self.record.batches(migration.id) for item in batch.items]
        found: list[Any] = []
        cursor = migration.start_item
        while True:
            # The raw pages: every item is compared, none needs to become a model.
            page = await self._conversation_call(conversation_id, self.client.list_items_raw, limit=PAGE_SIZE,
                                                 order="asc", after=cursor)
            data = _page_data(page, f"list items of {conversation_id}")
            found.extend(data)
            cursor = _next_cursor(page, data, cursor, f"list items of {conversation_id}")
            if cursor is None:
                break
        problems = differences(expected, found, [_field(item, "id") for item in found])
        return self._result(migration, verified=not problems, differences=problems)
