"""When the 【发送失败】 notice about a message goes out, and which of its replies it names.

The replies to one message are stored by one Outbox.enqueue call with one
created_at, so (case, platform, created_at) names the message on a
platform. The branch gets one notice per message and platform that names
every reply that failed for good, not one per recipient. The notice waits
while another reply of the message waits for its first attempt or is being
sent, because that reply may fail too and join the same notice. It does not
wait for replies in retry: a message to a person is retried for up to 24
hours, and the officer must hear sooner that, say, the resident group
missed an urgent update. The notice lists those replies as still
retrying instead. When one of them later fails for good, a follow-up
notice names just that reply (replies that give up in one pass share one),
and when it arrives, nothing more is sent. FAILURE_NOTICE_WAIT bounds the
wait for first attempts and sends, and the outbox's periodic pass sends a
notice whose wait has run out.

Each reply that failed for good carries a notice_due_at until a notice
names it. The transaction that writes a notice clears it, so no failure is
named twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import outbox_store as store
from models import Case, Delivery

# The maximum time a reply that failed for good waits for the attempts of the
# other replies of its message before its notice goes out anyway. The first
# attempts of one message's replies run one after another right after it is
# stored and usually end within seconds, and one slowed by WeCom's own
# retries takes about three minutes. The wait is shorter than
# store.STALE_CLAIM, so an attempt that hangs does not hold the notice until
# another process takes the reply over.
FAILURE_NOTICE_WAIT = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class MessageKey:
    """One message of a case on one platform: the replies one Outbox.enqueue call stored there."""

    case_id: int
    platform: str
    created_at: datetime

    @classmethod
    def of(cls, delivery: Delivery) -> MessageKey:
        if delivery.case_id is None:
            msg = f"delivery {delivery.id} has no case, so no failure notice is sent for it"
            raise ValueError(msg)
        return cls(delivery.case_id, delivery.platform, delivery.created_at)


@dataclass(slots=True)
class FailureReport:
    """The contents of one 【发送失败】 notice about a message.

    Attributes:
        failed: The replies that failed for good and that no earlier notice named.
        retrying: The replies still being tried that no earlier notice listed.
        follow_up: An earlier notice about the message listed `failed` as
            still retrying.
    """

    failed: list[Delivery]
    retrying: list[Delivery] = field(default_factory=list)
    follow_up: bool = False


def reported(delivery: Delivery) -> bool:
    """Return whether a final failure of this delivery is reported to the branch."""
    return delivery.case_id is not None and delivery.report_failure and delivery.audience != "officer"


async def lock_case(session: AsyncSession, case_id: int) -> None:
    """Lock a case's row until the transaction ends, so the settles of one message's replies take turns.

    SQLite has no row locks, but it lets one write transaction run at a
    time, so a caller there writes before it reads what the lock guards.
    """
    await session.execute(select(Case.id).where(Case.id == case_id).with_for_update())


async def take_report(
    session: AsyncSession, key: MessageKey, now: datetime, *, overdue: bool = False
) -> FailureReport | None:
    """Claim the failed replies of a message that a notice should name now; None when no notice is due.

    Call it in the transaction that settles a reply of the message, after
    that reply's UPDATE, or with `overdue` from the periodic pass for a
    message with a notice_due_at before `now`. The claim clears notice_due_at
    of the replies it returns, so a notice written in the same transaction
    names each of them once. The caller's earlier UPDATE (or the claim's, on
    SQLite) and the case lock make concurrent calls take turns, so only one
    of them claims a failure.
    """
    await lock_case(session, key.case_id)
    if not overdue and not _notice_due(await _replies(session, key), now):
        return None
    claimed = set(
        await session.scalars(
            update(Delivery)
            .where(
                _of_message(key),
                Delivery.status == store.FAILED,
                Delivery.notice_due_at.is_not(None),
            )
            .values(notice_due_at=None)
            .returning(Delivery.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not claimed:
        return None
    # Read again after the claim, because on SQLite a read before the
    # transaction's first write may return rows another process changed since.
    replies = await _replies(session, key)
    failed = [r for r in replies if r.id in claimed]
    named_before = any(r.status == store.FAILED and r.id not in claimed for r in replies)
    if named_before:
        # The earlier notice listed every reply that was unsettled then.
        return FailureReport(failed, follow_up=True)
    return FailureReport(failed, [r for r in replies if _unsettled(r)])


async def overdue_messages(session: AsyncSession, now: datetime, *, limit: int) -> list[MessageKey]:
    """Return up to `limit` messages with a failed reply whose notice waited FAILURE_NOTICE_WAIT."""
    rows = await session.execute(
        select(Delivery.case_id, Delivery.platform, Delivery.created_at)
        .where(Delivery.notice_due_at <= now, Delivery.case_id.is_not(None))
        .distinct()
        .limit(limit)
    )
    return [MessageKey(case_id, platform, created_at) for case_id, platform, created_at in rows]


def _notice_due(replies: list[Delivery], now: datetime) -> bool:
    """Tell whether the failed replies no notice named yet should be named now.

    That is when no other reply is in an attempt or waiting for its first
    one, or when the first of those failures has waited FAILURE_NOTICE_WAIT.
    """
    waiting = [r.notice_due_at for r in replies if r.status == store.FAILED and r.notice_due_at is not None]
    if not waiting:
        return False
    if min(waiting) <= now:
        return True
    return not any(r.status == store.SENDING or (r.status == store.PENDING and r.attempts == 0) for r in replies)


def _unsettled(delivery: Delivery) -> bool:
    return delivery.status in (store.PENDING, store.SENDING)


def _of_message(key: MessageKey) -> ColumnElement[bool]:
    return (
        (Delivery.case_id == key.case_id)
        & (Delivery.platform == key.platform)
        & (Delivery.created_at == key.created_at)
        & Delivery.report_failure.is_(True)
        & (Delivery.audience != "officer")
    )


async def _replies(session: AsyncSession, key: MessageKey) -> list[Delivery]:
    """Return the replies of a message whose failures are reported to the branch, in the order they were written."""
    return list(
        await session.scalars(
            select(Delivery).where(_of_message(key)).order_by(Delivery.id).execution_options(populate_existing=True)
        )
    )
