"""The delivery table as a queue: retry policy, claims and their release.

A delivery row is written before its first send attempt, in the same
transaction as the change it reports (a message's outcome, a failed send).
It is written pending, due FIRST_ATTEMPT_WAIT later, and the writer claims
it right after the commit for the first attempt. A writer that dies before
that claim leaves it to the periodic pass. A row whose caller retries the
whole message itself (the scheduler's notifications) is written already
claimed instead. After each attempt a row becomes sent, failed, skipped
(the adapter chose not to send it, see handlers.errors.DeliverySkipped), or
pending with a next_attempt_at. A periodic pass claims due pending rows in one
UPDATE (skipping rows another process has locked on PostgreSQL, and
re-checking the status on both databases), so two processes never send one
row at the same time. A claim older than STALE_CLAIM belongs to a process
that died mid-send and goes back to pending.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Delivery

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
SKIPPED = "skipped"

# Waits before the second, third, ... attempt after a transient failure; the
# last one repeats until the delivery is given up.
RETRY_DELAYS = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(minutes=30),
    timedelta(hours=1),
)
# How long a message to a person is retried. A group-chat reply answers a
# message the group has moved past after a few hours, so it is given up sooner.
GIVE_UP_AFTER = timedelta(hours=24)
CHAT_GIVE_UP_AFTER = timedelta(hours=6)
# Longer than one attempt with the adapters' own retries: WeCom's take about
# three minutes at most.
# NOTE: Telegram honours flood-control waits of up to 300 s per try, so an
# attempt under heavy flood control can outlast this claim and be sent twice.
STALE_CLAIM = timedelta(minutes=10)
# Rows claimed together are sent one after another, or a few at a time, so
# a late row may wait behind slow sends. Its claim is renewed just before its
# attempt once it is older than this, so the attempt starts with all of
# STALE_CLAIM ahead and no other process takes the row meanwhile.
RENEW_CLAIM_AFTER = timedelta(minutes=1)
# How long a row written in a caller's transaction waits for its writer's
# first attempt before a periodic pass may take it. The writer claims it
# within milliseconds of the commit, so only a writer that died first leaves
# it waiting, and its reply then arrives about this much later.
FIRST_ATTEMPT_WAIT = timedelta(minutes=1)
INTERRUPTED = "interrupted before the send finished"
# The text a delivery keeps of a personal reply (full phones, register tags) once
# it is sent or given up.
PERSONAL_PLACEHOLDER = "（内容含个人信息，已发出，未保存）"
UNSENT_PERSONAL_PLACEHOLDER = "（内容含个人信息，未能送达，未保存）"


def instance_name() -> str:
    """Return a name for this process that differs between two processes on one host."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def give_up_at(now: datetime, target_kind: str) -> datetime:
    return now + (CHAT_GIVE_UP_AFTER if target_kind == "chat" else GIVE_UP_AFTER)


def next_attempt_at(
    attempts: int, now: datetime, deadline: datetime | None, retry_after: float | None = None
) -> datetime | None:
    """Return when to try again after `attempts` failed attempts, or None to give up.

    A wait the platform asked for (Telegram's retry_after) is honoured when
    it is longer than the backoff. The last attempt happens at the deadline.
    """
    if deadline is None or now >= deadline:
        return None
    delay = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return min(now + delay, deadline)


async def claim_due(
    sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime, instance: str, limit: int
) -> list[Delivery]:
    """Take up to `limit` due pending deliveries for `instance` and commit the claim."""
    async with sessionmaker() as session, session.begin():
        await _release(session, (Delivery.status == SENDING) & (Delivery.claimed_at < now - STALE_CLAIM), now)
        due = (
            select(Delivery.id)
            .where(Delivery.status == PENDING, Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        # One statement, so SQLite takes its write lock before reading and
        # two processes cannot both read a row as pending.
        claimed = await session.scalars(
            update(Delivery)
            .where(Delivery.id.in_(due.scalar_subquery()), Delivery.status == PENDING)
            .values(status=SENDING, claimed_at=now, claimed_by=instance)
            .returning(Delivery)
        )
        return sorted(claimed, key=lambda d: (d.next_attempt_at, d.id))


async def claim_written(
    sessionmaker: async_sessionmaker[AsyncSession], ids: list[int], *, now: datetime, instance: str
) -> set[int]:
    """Claim the rows `instance` wrote for its first attempt and commit; return the ids it got.

    A row that a periodic pass took first (the writer was slower than
    FIRST_ATTEMPT_WAIT) is left to that pass, so it is sent once.
    """
    if not ids:
        return set()
    async with sessionmaker() as session, session.begin():
        claimed = await session.scalars(
            update(Delivery)
            .where(Delivery.id.in_(ids), Delivery.status == PENDING)
            .values(status=SENDING, claimed_at=now, claimed_by=instance)
            .returning(Delivery.id)
        )
        return set(claimed)


async def renew_claim(
    sessionmaker: async_sessionmaker[AsyncSession], delivery_id: int, *, now: datetime, instance: str
) -> bool:
    """Move the claimed_at of a delivery that `instance` has claimed to `now`, and commit.

    Returns False when the claim went stale and another process released or
    took the row, which that process then sends.
    """
    async with sessionmaker() as session, session.begin():
        renewed = await session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.status == SENDING, Delivery.claimed_by == instance)
            .values(claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        return renewed.rowcount == 1


async def mark_text_sent(sessionmaker: async_sessionmaker[AsyncSession], delivery_id: int, *, instance: str) -> bool:
    """Record that the text of a delivery claimed by `instance` arrived, and commit; False when it lost the claim."""
    async with sessionmaker() as session, session.begin():
        marked = await session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.status == SENDING, Delivery.claimed_by == instance)
            .values(text_sent=True)
            .execution_options(synchronize_session=False)
        )
        return marked.rowcount == 1


async def mark_parts_sent(
    sessionmaker: async_sessionmaker[AsyncSession], delivery_id: int, parts: int, *, now: datetime, instance: str
) -> bool:
    """Record how many parts of a split text arrived, for a delivery claimed by `instance`, and commit.

    The claim is renewed as of `now` too, because a long text under flood
    control can take longer than STALE_CLAIM while every part goes out.
    Returns False when `instance` lost the claim.
    """
    async with sessionmaker() as session, session.begin():
        marked = await session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.status == SENDING, Delivery.claimed_by == instance)
            .values(parts_sent=parts, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        return marked.rowcount == 1


async def attempts_of_notification(session: AsyncSession, notification_id: int) -> dict[tuple[str, ...], Delivery]:
    """Return the latest earlier delivery of a scheduled notification to each account, by `account_key`.

    A later row starts from the progress of the row before it, so the latest
    row to an account records how far that account got in every attempt.
    """
    rows = await session.scalars(
        select(Delivery).where(Delivery.notification_id == notification_id).order_by(Delivery.id)
    )
    return {account_key(row.platform, row.target_kind, row.target_id, row.thread_id): row for row in rows}


def account_key(platform: str, target_kind: str, target_id: str, thread_id: str | None) -> tuple[str, ...]:
    return (platform, target_kind, target_id, thread_id or "")


async def release_claims(sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime, instance: str) -> int:
    """Put back the deliveries `instance` still has claimed, at shutdown; return how many."""
    async with sessionmaker() as session, session.begin():
        return await _release(session, (Delivery.status == SENDING) & (Delivery.claimed_by == instance), now)


async def _release(session: AsyncSession, claimed: object, now: datetime) -> int:
    """Return interrupted claims to pending, or fail those whose caller retries on its own.

    An interrupted attempt may have reached the platform, so a released
    delivery can arrive twice. That is preferred to losing it.
    """
    retried = await session.execute(
        update(Delivery)
        .where(claimed, Delivery.give_up_at.is_not(None))
        .values(status=PENDING, next_attempt_at=now, claimed_at=None, claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    # The scheduler sends a notification again when its own claim goes
    # stale, as a new delivery that starts where this one stopped, so this
    # copy is only closed.
    closed = await session.execute(
        update(Delivery)
        .where(claimed, Delivery.give_up_at.is_(None))
        .values(
            status=FAILED,
            last_error=INTERRUPTED,
            text=case((Delivery.personal, UNSENT_PERSONAL_PLACEHOLDER), else_=Delivery.text),
            claimed_at=None,
            claimed_by=None,
        )
        .execution_options(synchronize_session=False)
    )
    return retried.rowcount + closed.rowcount
