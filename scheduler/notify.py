"""Storing decided notifications once, and sending each one once.

A notification is stored with a unique key (INSERT ... ON CONFLICT DO
NOTHING), so a second decision by a rerun or by another instance is a no-op.
Sending claims rows first (status pending -> sending, skipping rows another
instance has locked on PostgreSQL) and commits the claim before calling the
adapters, so no lock is held across the network and no row is sent twice.
A notification that reached no recipient goes back to pending for a later attempt
while one can help (see scheduler.send_outcome), and is otherwise marked
failed or undeliverable, never sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.messages import ChatTarget, PartyTarget, Reply, UserTarget
from handlers.outbox import DeliveryResult, Outbox, QueuedReplies
from handlers.outbox_store import FAILED, attempts_of_notification
from models import Delivery, Notification, NotificationStatus
from scheduler.config import TimerConfig
from scheduler.drafts import Draft
from scheduler.send_outcome import MAX_ATTEMPTS, SendOutcome, judge

log = logging.getLogger("scheduler.notify")

# A claim older than this belongs to an instance that died mid-send.
STALE_CLAIM = timedelta(minutes=10)
# Sends in flight at once; each holds a database connection while it records its delivery.
SEND_CONCURRENCY = 4
# Kinds addressed to the branch itself, which a failure report would only reach again.
OFFICER_KINDS = frozenset({"triage"})


async def store_drafts(
    session: AsyncSession, drafts: Sequence[Draft], *, now: datetime, config: TimerConfig
) -> int:
    """Store drafts that were not stored before; return how many are new."""
    if not drafts:
        return 0
    rows = [_row(draft, now=now, config=config) for draft in drafts]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = await session.execute(
        insert(Notification)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(Notification.id)
    )
    return len(result.all())


def _row(draft: Draft, *, now: datetime, config: TimerConfig) -> dict[str, Any]:
    release = config.quiet.release_at(
        max(draft.due_at, now), urgent=draft.urgent, calendar=config.calendar
    )
    status = NotificationStatus.PENDING if draft.targets else NotificationStatus.NO_RECIPIENT
    problem = None
    if not draft.targets:
        problem = f"not sent: {draft.no_recipient_reason or 'no recipients'}"
        log.warning("notification %s %s; stored as %s", draft.key, problem, status.value)
    return {
        "key": draft.key,
        "kind": draft.kind,
        "case_id": draft.case_id,
        "compound_id": draft.compound_id,
        "street_id": draft.street_id,
        "urgent": draft.urgent,
        "targets": draft.targets,
        "text": draft.text,
        "image_path": draft.image_path,
        "status": status,
        "last_error": problem,
        "due_at": draft.due_at,
        "release_at": release,
        "created_at": now,
    }


async def claim(
    sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime, instance: str, limit: int
) -> list[Notification]:
    """Take up to `limit` released notifications for this instance and commit the claim."""
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Notification)
            .where(
                Notification.status == NotificationStatus.SENDING,
                Notification.claimed_at < now - STALE_CLAIM,
            )
            .values(status=NotificationStatus.PENDING, claimed_at=None)
        )
        ids = list(
            await session.scalars(
                select(Notification.id)
                .where(
                    Notification.status == NotificationStatus.PENDING,
                    Notification.release_at <= now,
                )
                .order_by(Notification.release_at, Notification.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if not ids:
            return []
        claimed = await session.scalars(
            update(Notification)
            .where(Notification.id.in_(ids), Notification.status == NotificationStatus.PENDING)
            .values(status=NotificationStatus.SENDING, claimed_at=now, sent_by=instance)
            .returning(Notification)
        )
        return sorted(claimed, key=lambda n: (n.release_at, n.id))


async def send_claimed(
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    notifications: Sequence[Notification],
    *,
    now: datetime,
    config: TimerConfig,
    concurrency: int = SEND_CONCURRENCY,
) -> Counter[NotificationStatus]:
    """Hand claimed notifications to the outbox and mark each for what came of it.

    Returns:
        How many notifications took each status: SENT, PENDING (to be tried
        again), FAILED or UNDELIVERABLE. A send that raised is not counted.
    """
    gate = asyncio.Semaphore(concurrency)

    async def send(notification: Notification) -> NotificationStatus | None:
        async with gate:
            try:
                return await _send_one(sessionmaker, outbox, notification, now=now, config=config)
            except Exception:
                # The row stays claimed, so it is sent again once its claim goes stale.
                log.exception(
                    "sending notification %s of case %s failed",
                    notification.id,
                    notification.case_id,
                )
                return None

    # Each send is shielded: a pass cancelled at shutdown lets a send that
    # already started finish and be marked, instead of sending it twice later.
    results = await asyncio.gather(*(asyncio.shield(send(n)) for n in notifications))
    return Counter(status for status in results if status is not None)


async def _send_one(
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    notification: Notification,
    *,
    now: datetime,
    config: TimerConfig,
) -> NotificationStatus:
    replies = [
        Reply(
            target=_target(t),
            text=notification.text,
            case_id=notification.case_id,
            audience=notification.kind,
            image_path=notification.image_path,
        )
        for t in notification.targets
    ]
    attempt = notification.attempts + 1
    # The outbox records every failed delivery on its case. The branch gets one
    # failure report below, when the notification is not tried again. The
    # notification is retried as a whole, so the outbox does not retry its
    # deliveries. Each try writes new delivery rows, linked to the notification,
    # and a row continues where the earlier try to the same account stopped:
    # after the parts of a split text that arrived, or skipped when it arrived.
    results = await outbox.deliver(replies, report_failures=False, retry=False, notification_id=notification.id)
    outcome = judge(results, attempt=attempt, now=now)
    values: dict[str, Any] = {"status": outcome.status, "attempts": attempt, "last_error": outcome.error}
    if outcome.status is NotificationStatus.SENT:
        values["sent_at"] = now
    elif outcome.retry_at is not None:
        values["release_at"] = config.quiet.release_at(
            outcome.retry_at, urgent=notification.urgent, calendar=config.calendar
        )
        values["claimed_at"] = None
    reports: list[QueuedReplies] = []
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Notification).where(Notification.id == notification.id).values(**values)
        )
        # The reports commit with the final status, so a crash after the
        # commit still sends them, and the status keeps them from repeating.
        if outcome.final and notification.case_id is not None and notification.kind not in OFFICER_KINDS:
            for platform in outcome.failed_platforms:
                failed = await _failed_deliveries(session, notification.id, platform)
                reports.append(
                    await outbox.queue_failure_report(session, notification.case_id, platform, deliveries=failed)
                )
    _log_outcome(notification, outcome, attempt, results, values.get("release_at"))

    for queued in reports:
        await outbox.send_queued(queued)
    return outcome.status


async def _failed_deliveries(session: AsyncSession, notification_id: int, platform: str) -> list[Delivery]:
    """Return the deliveries of a notification on one platform whose accounts no attempt reached.

    The latest row to an account records every attempt (see
    outbox_store.attempts_of_notification), so its status shows whether the
    account got the notification in the end.
    """
    latest = await attempts_of_notification(session, notification_id)
    failed = [row for row in latest.values() if row.platform == platform and row.status == FAILED]
    return sorted(failed, key=lambda row: row.id)


def _log_outcome(
    notification: Notification,
    outcome: SendOutcome,
    attempt: int,
    results: Sequence[DeliveryResult],
    retry_at: datetime | None,
) -> None:
    ids = f"id={notification.id} kind={notification.kind} case={notification.case_id}"
    delivered = sum(r.delivered for r in results)
    failed = len(results) - delivered
    status = outcome.status
    if status is NotificationStatus.SENT and not failed:
        log.info("notification sent: %s delivered=%s", ids, delivered)
    elif status is NotificationStatus.SENT:
        log.warning(
            "notification partly delivered: %s delivered=%s failed=%s error=%s", ids, delivered, failed, outcome.error
        )
    elif status is NotificationStatus.PENDING:
        log.warning(
            "notification not delivered; retry %s of %s at %s: %s error=%s",
            attempt + 1,
            MAX_ATTEMPTS,
            retry_at.isoformat() if retry_at else "?",
            ids,
            outcome.error,
        )
    elif status is NotificationStatus.FAILED:
        log.warning("notification failed after %s attempts: %s error=%s", attempt, ids, outcome.error)
    else:
        log.warning("notification undeliverable: %s error=%s", ids, outcome.error)


def _target(raw: dict[str, Any]) -> ChatTarget | UserTarget | PartyTarget:
    kind = raw.get("kind")
    if kind == "party":
        return PartyTarget(party_id=int(raw["party_id"]), name=str(raw.get("name", "")))
    if kind == "chat":
        return ChatTarget(platform=str(raw["platform"]), chat_id=str(raw["chat_id"]))
    if kind == "user":
        return UserTarget(platform=str(raw["platform"]), user_id=str(raw["user_id"]))
    msg = f"unknown notification target kind {kind!r}"
    raise ValueError(msg)
