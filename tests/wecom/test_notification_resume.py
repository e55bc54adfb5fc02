"""A scheduled notification retried after a failed later part continues with that part on WeCom."""

from __future__ import annotations

from pathlib import Path

from models import NotificationStatus
from scheduler.send_outcome import RETRY_DELAYS
from tests.scheduler.notifications import (
    MORNING,
    notification_deliveries,
    send_due,
    store_notification,
    stored_notification,
)
from tests.wecom.conftest import WeChatBot
from tests.wecom.test_split_retry import (
    FIRST,
    LONG_MARKDOWN,
    LONG_TEXT,
    MARKDOWN_FIRST,
    MARKDOWN_SECOND,
    SECOND,
    markdowns,
    texts,
)


async def test_member_reminder_resumed_at_failed_part(wechat: WeChatBot, tmp_path: Path):
    targets = [{"kind": "user", "platform": "wecom", "user_id": "officer-li"}]
    await store_notification(wechat.services, LONG_TEXT, targets, tmp_path)
    wechat.fake.fail("message/send", -1, errmsg="system busy", text={"content": SECOND})

    first = await send_due(wechat.services, MORNING, tmp_path)

    assert first == {NotificationStatus.PENDING: 1}
    assert texts(wechat, "message/send") == [FIRST]

    second = await send_due(wechat.services, MORNING + RETRY_DELAYS[0], tmp_path)

    assert second == {NotificationStatus.SENT: 1}
    assert texts(wechat, "message/send") == [FIRST, SECOND]
    notification = await stored_notification(wechat.services)
    assert (notification.attempts, notification.sent_at) == (2, MORNING + RETRY_DELAYS[0])
    assert [(d.status, d.parts_sent) for d in await notification_deliveries(wechat.services)] == [
        ("failed", 1),
        ("sent", 1),
    ]


async def test_robot_digest_failing_twice_keeps_bookkeeping(wechat: WeChatBot, tmp_path: Path):
    targets = [{"kind": "chat", "platform": "wecom_webhook", "chat_id": "物业工作群"}]
    await store_notification(wechat.services, LONG_MARKDOWN, targets, tmp_path)
    wechat.fake.fail("webhook/send", -1, times=2, errmsg="system busy", markdown={"content": MARKDOWN_SECOND})

    await send_due(wechat.services, MORNING, tmp_path)
    retried = await send_due(wechat.services, MORNING + RETRY_DELAYS[0], tmp_path)

    assert retried == {NotificationStatus.PENDING: 1}
    notification = await stored_notification(wechat.services)
    assert notification.attempts == 2
    assert notification.release_at == MORNING + RETRY_DELAYS[0] + RETRY_DELAYS[1]
    assert "errcode -1" in (notification.last_error or "")

    last = await send_due(wechat.services, notification.release_at, tmp_path)

    assert last == {NotificationStatus.SENT: 1}
    assert markdowns(wechat) == [MARKDOWN_FIRST, MARKDOWN_SECOND]
    assert (await stored_notification(wechat.services)).attempts == 3
