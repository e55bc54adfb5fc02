"""A scheduled notification retried after a failed later part continues with that part on Telegram."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from handlers.outbox_store import STALE_CLAIM
from models import Delivery, NotificationStatus
from scheduler.send_outcome import RETRY_DELAYS
from tests.scheduler.notifications import (
    MORNING,
    notification_deliveries,
    send_due,
    store_notification,
    stored_notification,
)
from tests.telegram.conftest import TelegramHarness
from tests.telegram.test_outbox_retry import delivered
from tests.telegram.test_split_retry import FIRST, LONG_REPLY, SECOND
from tests.telegram.updates import SUPERGROUP

TARGETS = [{"kind": "chat", "platform": "telegram", "chat_id": str(SUPERGROUP)}]


async def test_retry_sends_only_missing_part(telegram: TelegramHarness, tmp_path: Path):
    await telegram.bind(SUPERGROUP)
    await store_notification(telegram.services, LONG_REPLY, TARGETS, tmp_path)
    # Every try of the second part within the client's retries fails.
    for number in range(2, 7):
        telegram.api.fail_call("sendMessage", number, 500, "Internal Server Error")

    first = await send_due(telegram.services, MORNING, tmp_path)

    assert first == {NotificationStatus.PENDING: 1}
    assert delivered(telegram) == [FIRST]

    second = await send_due(telegram.services, MORNING + RETRY_DELAYS[0], tmp_path)

    assert second == {NotificationStatus.SENT: 1}
    assert delivered(telegram) == [FIRST, SECOND]
    notification = await stored_notification(telegram.services)
    assert (notification.status, notification.attempts) == (NotificationStatus.SENT, 2)
    earlier, later = await notification_deliveries(telegram.services)
    assert (earlier.status, earlier.parts_sent) == ("failed", 1)
    assert later.status == "sent"
    assert earlier.notification_id == later.notification_id == notification.id


async def test_stale_claim_resumes_dead_attempt(telegram: TelegramHarness, tmp_path: Path):
    await telegram.bind(SUPERGROUP)
    await store_notification(telegram.services, LONG_REPLY, TARGETS, tmp_path)
    # The first pass claims the notification and its process dies after the
    # first part arrived: the row it wrote records that part.
    notification = await stored_notification(telegram.services)
    async with telegram.services.sessionmaker() as session, session.begin():
        row = await session.get_one(type(notification), notification.id)
        row.status, row.claimed_at = NotificationStatus.SENDING, MORNING
        session.add(
            Delivery(
                platform="telegram",
                target_kind="chat",
                target_id=str(SUPERGROUP),
                text=LONG_REPLY,
                status="sending",
                created_at=MORNING,
                claimed_at=MORNING,
                claimed_by="dead-host:1:abc123",
                parts_sent=1,
                notification_id=notification.id,
            )
        )

    result = await send_due(telegram.services, MORNING + STALE_CLAIM + timedelta(minutes=1), tmp_path)

    assert result == {NotificationStatus.SENT: 1}
    assert delivered(telegram) == [SECOND]
    assert (await stored_notification(telegram.services)).attempts == 1


async def test_stale_claim_skips_account_reached(telegram: TelegramHarness, tmp_path: Path):
    await telegram.bind(SUPERGROUP)
    await store_notification(telegram.services, LONG_REPLY, TARGETS, tmp_path)
    notification = await stored_notification(telegram.services)
    async with telegram.services.sessionmaker() as session, session.begin():
        row = await session.get_one(type(notification), notification.id)
        row.status, row.claimed_at = NotificationStatus.SENDING, MORNING
        # The dead process delivered the whole text but did not mark the notification.
        session.add(
            Delivery(
                platform="telegram",
                target_kind="chat",
                target_id=str(SUPERGROUP),
                text=LONG_REPLY,
                status="sent",
                created_at=MORNING,
                sent_at=MORNING,
                notification_id=notification.id,
            )
        )

    result = await send_due(telegram.services, MORNING + STALE_CLAIM + timedelta(minutes=1), tmp_path)

    assert result == {NotificationStatus.SENT: 1}
    assert delivered(telegram) == []
    assert len(await notification_deliveries(telegram.services)) == 1
