"""Replies to Telegram that a broken proxy or flood control held back are sent later, once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.messages import ChatTarget, Reply
from models import Delivery, utcnow
from tests.telegram.updates import SUPERGROUP

GROUP = ChatTarget("telegram", str(SUPERGROUP))


async def test_proxy_502_is_retried_later(telegram):
    await telegram.bind(SUPERGROUP)
    telegram.api.behind_broken_proxy = True

    [result] = await telegram.services.outbox.deliver([Reply(GROUP, "工单 0001 已受理")])

    assert result.retryable
    async with telegram.services.sessionmaker() as session:
        row = await session.scalar(select(Delivery))
    assert row.status == "pending"
    assert "not delivered after 5 tries" in (row.last_error or "")
    telegram.api.behind_broken_proxy = False
    assert await telegram.services.outbox.retry_due(utcnow() + timedelta(hours=1)) == 1
    assert telegram.api.sent_to(SUPERGROUP) == ["工单 0001 已受理"]


async def test_long_flood_control_waits_in_the_queue(telegram):
    await telegram.bind(SUPERGROUP)
    telegram.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 3600", retry_after=3600)

    await telegram.services.outbox.deliver([Reply(GROUP, "工单 0001 已受理")])

    async with telegram.services.sessionmaker() as session:
        row = await session.scalar(select(Delivery))
    assert row.status == "pending"
    assert row.next_attempt_at >= row.created_at + timedelta(seconds=3600)
    assert await telegram.services.outbox.retry_due(row.created_at + timedelta(minutes=5)) == 0
    assert await telegram.services.outbox.retry_due(row.next_attempt_at) == 1
    assert telegram.api.sent_to(SUPERGROUP) == ["工单 0001 已受理"]
