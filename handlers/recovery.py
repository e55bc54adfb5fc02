"""Processing messages that were stored but never processed.

The pipeline commits a raw message before it acts on it, so a process that
dies in between (killed, out of memory, a lost database connection) leaves
the row pending. A pass started at start-up and then every few seconds
processes such rows, oldest first within each chat. Pipeline.process claims
each row, so with several processes every message is still processed once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select, update

from handlers import replies as texts
from handlers.intake import Pipeline
from handlers.messages import ChatTarget, Reply
from handlers.rawstore import message_from_raw
from models import MessageOutcome, RawMessage, utcnow
from models.db import storage_unavailable

log = logging.getLogger("handlers.recovery")

# A message that has stopped the process this many times is marked failed.
MAX_RECOVERY_ATTEMPTS = 3
# Older pending messages are left alone, because a report from weeks ago is
# stale by now. It is the same window as for reports sent before a resident
# named their compound.
MAX_PENDING_AGE = timedelta(days=7)
# Rows one pass reads; the next pass takes the rest.
BATCH_SIZE = 200


@dataclass(slots=True)
class RecoveryCounts:
    """Counts of the messages one pass processed, gave up on and skipped."""

    processed: int = 0
    gave_up: int = 0
    # Rows another process held or finished first, and the rows of their
    # chats that waited behind them.
    skipped: int = 0
    case_ids: list[int] = field(default_factory=list)


async def process_pending(
    pipeline: Pipeline,
    *,
    grace: timedelta,
    skip_platforms: Collection[str] = (),
    should_stop: Callable[[], bool] = lambda: False,
) -> RecoveryCounts:
    """Process the pending raw messages received more than `grace` ago, in their order per chat.

    A message whose claim fails (another process has it) holds back the
    later messages of its chat until the next pass, so no chat's messages
    overtake each other. Pipeline.process sends the replies through its outbox.

    Args:
        grace: How old a pending message must be, so that a message whose
            own processing is about to start is left to it.
        skip_platforms: Platforms whose adapter processes its own pending
            rows, such as the session archive.
        should_stop: Checked between messages; True ends the pass early.

    Raises:
        Exception: The database is unavailable (see storage_unavailable);
            the messages stay pending for the next pass.
    """
    now = pipeline.clock()
    query = (
        select(RawMessage)
        .where(
            RawMessage.outcome == MessageOutcome.PENDING.value,
            RawMessage.received_at <= now - grace,
            RawMessage.received_at >= now - MAX_PENDING_AGE,
        )
        .order_by(RawMessage.sent_at, RawMessage.id)
        .limit(BATCH_SIZE)
    )
    if skip_platforms:
        query = query.where(RawMessage.platform.not_in(list(skip_platforms)))
    async with pipeline.sessionmaker() as session:
        rows = list(await session.scalars(query))

    counts = RecoveryCounts()
    held_back: set[tuple[str, str, str]] = set()
    for raw in rows:
        if should_stop():
            break
        chat = (raw.platform, raw.account, raw.chat_id)
        if chat in held_back or not await _count_attempt(pipeline, raw):
            held_back.add(chat)
            counts.skipped += 1
            continue
        if raw.recovery_attempts >= MAX_RECOVERY_ATTEMPTS:
            await _give_up(pipeline, raw)
            counts.gave_up += 1
            continue
        result = await pipeline.process(raw.id, message_from_raw(raw), now=pipeline.clock())
        if result.duplicate:
            held_back.add(chat)
            counts.skipped += 1
            continue
        counts.processed += 1
        counts.case_ids.extend(result.case_ids)
        log.info(
            "pending message processed: platform=%s id=%s raw=%s outcome=%s cases=%s",
            raw.platform,
            raw.platform_message_id,
            raw.id,
            result.outcome,
            result.case_ids,
        )
    return counts


async def _count_attempt(pipeline: Pipeline, raw: RawMessage) -> bool:
    """Add one to the message's attempts and commit; return False when it is pending no more or busy.

    The count commits before the processing transaction starts, so it
    survives a crash that rolls that transaction back. On PostgreSQL a row
    that another transaction has locked is skipped instead of waited for.
    """
    pending = (RawMessage.id == raw.id, RawMessage.outcome == MessageOutcome.PENDING.value)
    async with pipeline.sessionmaker() as session, session.begin():
        free = await session.scalar(select(RawMessage.id).where(*pending).with_for_update(skip_locked=True))
        if free is None:
            return False
        counted = await session.execute(
            update(RawMessage)
            .where(*pending)
            .values(recovery_attempts=RawMessage.recovery_attempts + 1)
            .returning(RawMessage.recovery_attempts)
        )
        attempts = counted.scalar_one_or_none()
    if attempts is None:
        return False
    # The attempts before this one, which decide whether to try again.
    raw.recovery_attempts = attempts - 1
    return True


async def _give_up(pipeline: Pipeline, raw: RawMessage) -> None:
    here = ChatTarget(raw.platform, raw.chat_id, raw.thread_id)
    apology = Reply(here, texts.apology(), reply_to=raw.platform_message_id)
    values: dict[str, object] = {"outcome": MessageOutcome.FAILED.value, "processed_at": utcnow()}
    text = pipeline.failed_text(raw.text)
    if text is not None:
        values["text"] = text

    async with pipeline.sessionmaker() as session, session.begin():
        marked = await session.execute(
            update(RawMessage)
            .where(RawMessage.id == raw.id, RawMessage.outcome == MessageOutcome.PENDING.value)
            .values(**values)
        )
        if marked.rowcount != 1:
            return
        # Queued with the failed mark, so the apology is sent even after a crash past the commit.
        queued = await pipeline.outbox.enqueue(session, [apology])
    log.error(
        "pending message marked failed after %d attempts that did not finish: platform=%s id=%s raw=%s",
        raw.recovery_attempts,
        raw.platform,
        raw.platform_message_id,
        raw.id,
    )
    await pipeline.outbox.send_queued(queued)


class PendingMessages:
    """Runs process_pending at start and then every `interval` seconds, until stopped."""

    def __init__(self, pipeline: Pipeline, *, interval: float, skip_platforms: Collection[str] = ()) -> None:
        self.pipeline = pipeline
        self.interval = interval
        self.skip_platforms = tuple(skip_platforms)
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="pending-messages")

    async def stop(self) -> None:
        """Let the message in progress finish, then end the loop."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        await task

    async def _run(self) -> None:
        grace = timedelta(seconds=self.interval)
        while not self._stopping.is_set():
            try:
                counts = await process_pending(
                    self.pipeline,
                    grace=grace,
                    skip_platforms=self.skip_platforms,
                    should_stop=self._stopping.is_set,
                )
            except Exception as exc:
                if not storage_unavailable(exc):
                    log.exception("pending-message pass failed; trying again in %.0f s", self.interval)
                else:
                    log.warning(
                        "pending-message pass stopped, the database is unavailable (%s); trying again in %.0f s",
                        type(exc).__name__,
                        self.interval,
                    )
            else:
                if counts.processed or counts.gave_up:
                    log.info(
                        "pending-message pass: processed=%d gave_up=%d skipped=%d",
                        counts.processed,
                        counts.gave_up,
                        counts.skipped,
                    )
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=self.interval)
            except TimeoutError:
                pass
