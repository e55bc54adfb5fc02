"""The due-work sweep: one pass over the database that finds and does what is due.

A pass has four steps, each in its own transactions:

1. Sync: give a timer to each case that needs one and has none, and mark
   timers whose case changed state or deadline as due now.
2. Advance: take due timers in batches (`FOR UPDATE SKIP LOCKED` on
   PostgreSQL, so two instances take disjoint batches), decide reminders,
   escalations and rating follow-ups, and store them as notifications.
3. Digests: after the digest time on a working day, store the digests not
   stored yet.
4. Send: claim released notifications and hand them to the outbox.

SQLite has no row locks, so there the sweep is safe for one instance only.
In a dry run every transaction is rolled back and nothing is sent.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.outbox import Outbox
from models import Case, CaseTimer, Compound, NotificationStatus, Street
from scheduler.config import TimerConfig
from scheduler.digest_jobs import digest_drafts, digest_window_open
from scheduler.drafts import Draft
from scheduler.notify import claim, send_claimed, store_drafts
from scheduler.timers import TIMED_STATUSES, advance

log = logging.getLogger("scheduler")

T = TypeVar("T")

# A safety bound on batches per pass, so one pass cannot run forever.
MAX_BATCHES = 1000

# Advisory lock id of the sync step (any fixed 64-bit number, unique in the database).
SYNC_LOCK_KEY = 0x5CED_0001
# Between full syncs only recently updated cases are looked at; a full sync
# now and then catches a change made without touching updated_at.
FULL_SYNC_EVERY = timedelta(minutes=15)
# Overlap of incremental syncs, for transactions that committed late.
SYNC_MARGIN = timedelta(minutes=1)


@dataclass(slots=True)
class SweepReport:
    """Counts of one pass, or in a dry run, of the work it would have done."""

    timers_created: int = 0
    timers_rescheduled: int = 0
    full_sync: bool = False
    timers_advanced: int = 0
    escalations: int = 0
    closed_unrated: int = 0
    notifications_stored: int = 0
    # Notifications that reached at least one recipient.
    notifications_sent: int = 0
    # Notifications that reached no recipient and wait for another attempt.
    notifications_retrying: int = 0
    # Notifications that reached no recipient and are not tried again (failed or undeliverable).
    notifications_failed: int = 0
    # The decided notifications, kept in a dry run only: a catch-up pass over
    # many cases would otherwise hold every text in memory.
    drafts: list[Draft] = field(default_factory=list)
    seconds: float = 0.0
    # Seconds spent in each step (sync, advance, digests, send), for benchmarks.
    steps: dict[str, float] = field(default_factory=dict)


class Sweeper:
    """Runs due-work passes for one service instance."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        outbox: Outbox,
        config: TimerConfig,
        *,
        instance: str,
        dry_run: bool = False,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.outbox = outbox
        self.config = config
        self.instance = instance
        self.dry_run = dry_run
        # Sweep-clock times of the last sync and the last full sync.
        self._synced_at: datetime | None = None
        self._full_synced_at: datetime | None = None
        # The local date on which every digest of the day was found stored,
        # with the newest compound and street ids of that moment.
        self._digests_done: tuple[date, int, int] | None = None

    async def run_once(self, now: datetime, *, send: bool = True) -> SweepReport:
        """Run one pass at the moment `now` and return what it did.

        With `send` False the pass decides and stores notifications but
        leaves sending to a later pass.
        """
        started = time.perf_counter()
        report = SweepReport()
        if self.dry_run:
            # One transaction, rolled back at the end, so each step reads what
            # the previous one would have written and nothing is kept.
            async with self.sessionmaker() as session:
                await self._sync(session, now, report)
                await self._advance_batch(session, now, report)
                await self._digests(session, now, report)
                await session.rollback()
        else:
            mark = time.perf_counter()
            async with self.sessionmaker() as session:
                await self._sync(session, now, report)
                await session.commit()
            mark = _lap(report, "sync", mark)
            await self._advance_due(now, report)
            mark = _lap(report, "advance", mark)
            async with self.sessionmaker() as session:
                await self._digests(session, now, report)
                await session.commit()
            mark = _lap(report, "digests", mark)
            if send:
                await self._send(now, report)
                _lap(report, "send", mark)
        report.seconds = time.perf_counter() - started
        busy = (
            report.timers_created
            or report.timers_advanced
            or report.escalations
            or report.notifications_sent
            or report.notifications_retrying
            or report.notifications_failed
        )
        # An idle sweep every 30 seconds would fill the log with nothing.
        log.log(
            logging.INFO if busy else logging.DEBUG,
            "sweep done: instance=%s dry_run=%s created=%s advanced=%s escalated=%s stored=%s sent=%s"
            " retrying=%s failed=%s ms=%.1f",
            self.instance,
            self.dry_run,
            report.timers_created,
            report.timers_advanced,
            report.escalations,
            report.notifications_stored,
            report.notifications_sent,
            report.notifications_retrying,
            report.notifications_failed,
            report.seconds * 1000,
        )
        return report

    async def _sync(self, session: AsyncSession, now: datetime, report: SweepReport) -> None:
        if _dialect(session) == "postgresql":
            # Two instances syncing at once would lock the same timers in
            # different orders; one syncs while the other skips the step.
            got = await session.scalar(select(func.pg_try_advisory_xact_lock(SYNC_LOCK_KEY)))
            if not got:
                return
        full = (
            self._synced_at is None
            or self._full_synced_at is None
            or now < self._synced_at
            or now - self._full_synced_at >= FULL_SYNC_EVERY
        )
        # Every case change goes through code that sets updated_at, so only
        # cases changed since the last sync can need a new timer or a reschedule.
        since = None if full or self._synced_at is None else self._synced_at - SYNC_MARGIN

        missing = (
            select(Case.id, Case.resolve_due_at)
            .outerjoin(CaseTimer, CaseTimer.case_id == Case.id)
            .where(CaseTimer.case_id.is_(None), Case.status.in_(list(TIMED_STATUSES)))
        )
        changed = (
            select(CaseTimer.case_id)
            .join(Case, Case.id == CaseTimer.case_id)
            .where(
                CaseTimer.status_seen.is_distinct_from(Case.status)
                | CaseTimer.resolve_due_seen.is_distinct_from(Case.resolve_due_at)
            )
        )
        if since is not None:
            missing = missing.where(Case.updated_at >= since)
            changed = changed.where(Case.updated_at >= since)

        rows = [
            {
                "case_id": case_id,
                "due_at": now,
                "status_seen": "",
                "resolve_due_seen": due,
                "updated_at": now,
            }
            for case_id, due in await session.execute(missing)
        ]
        insert = postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert
        for chunk in _chunks(rows, 5000):
            await session.execute(insert(CaseTimer).values(chunk).on_conflict_do_nothing())
        report.timers_created = len(rows)

        ids = list(await session.scalars(changed))
        for chunk in _chunks(ids, 5000):
            await session.execute(
                update(CaseTimer)
                .where(CaseTimer.case_id.in_(chunk))
                .values(due_at=now)
                .execution_options(synchronize_session=False)
            )
        report.timers_rescheduled = len(ids)
        report.full_sync = full
        if not self.dry_run:
            self._synced_at = now
            if full:
                self._full_synced_at = now

    async def _advance_due(self, now: datetime, report: SweepReport) -> None:
        for _ in range(MAX_BATCHES):
            async with self.sessionmaker() as session:
                advanced = await self._advance_batch(session, now, report)
                await session.commit()
            if advanced < self.config.batch_size:
                return
        log.warning("sweep stopped after %s batches; the rest waits for the next pass", MAX_BATCHES)

    async def _advance_batch(
        self, session: AsyncSession, now: datetime, report: SweepReport
    ) -> int:
        """Advance one batch of due timers in `session`; return how many were taken."""
        timers = list(
            await session.scalars(
                select(CaseTimer)
                .where(CaseTimer.due_at <= now)
                .order_by(CaseTimer.due_at)
                .limit(self.config.batch_size)
                .with_for_update(skip_locked=True)
            )
        )
        if not timers:
            return 0
        cases = {
            c.id: c
            for c in await session.scalars(
                select(Case).where(Case.id.in_([t.case_id for t in timers]))
            )
        }
        drafts: list[Draft] = []
        for timer in timers:
            case = cases.get(timer.case_id)
            if case is None:
                timer.due_at = None
                continue
            outcome = await advance(session, case, timer, now, self.config)
            drafts.extend(outcome.drafts)
            report.escalations += outcome.escalated_to is not None
            report.closed_unrated += outcome.closed_unrated
        report.notifications_stored += await store_drafts(
            session, drafts, now=now, config=self.config
        )
        report.timers_advanced += len(timers)
        if self.dry_run:
            report.drafts.extend(drafts)
        return len(timers)

    async def _digests(self, session: AsyncSession, now: datetime, report: SweepReport) -> None:
        today = now.astimezone(self.config.zone).date()
        # A compound or street added since then is owed today's digest too,
        # as it would be after a restart, so the newest ids are part of the mark.
        newest_compound = await session.scalar(select(func.max(Compound.id)))
        newest_street = await session.scalar(select(func.max(Street.id)))
        mark = (today, newest_compound or 0, newest_street or 0)
        if self._digests_done == mark:
            return
        drafts = await digest_drafts(session, now, self.config, render_charts=not self.dry_run)
        if not drafts and not self.dry_run and digest_window_open(now, self.config):
            # Every digest of the day exists; later passes skip the step until
            # the date or the set of compounds and streets changes.
            self._digests_done = mark
        report.notifications_stored += await store_drafts(
            session, drafts, now=now, config=self.config
        )
        if self.dry_run:
            report.drafts.extend(drafts)

    async def _send(self, now: datetime, report: SweepReport) -> None:
        for _ in range(MAX_BATCHES):
            claimed = await claim(
                self.sessionmaker, now=now, instance=self.instance, limit=self.config.batch_size
            )
            if not claimed:
                return
            counts = await send_claimed(
                self.sessionmaker, self.outbox, claimed, now=now, config=self.config
            )
            report.notifications_sent += counts[NotificationStatus.SENT]
            report.notifications_retrying += counts[NotificationStatus.PENDING]
            report.notifications_failed += (
                counts[NotificationStatus.FAILED] + counts[NotificationStatus.UNDELIVERABLE]
            )


def _lap(report: SweepReport, step: str, mark: float) -> float:
    now = time.perf_counter()
    report.steps[step] = now - mark
    return now


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _chunks(rows: list[T], size: int) -> list[list[T]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]
