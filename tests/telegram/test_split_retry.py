"""A long reply that Telegram takes as several messages is retried from the first part that did not arrive."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from handlers import outbox_store
from handlers.messages import ChatTarget, Reply
from handlers.outbox_store import STALE_CLAIM
from models import Delivery, utcnow
from tests.telegram.test_outbox_retry import Clock, after_call, delivered, slow_batch, stop, stored
from tests.telegram.updates import SUPERGROUP

GROUP = ChatTarget("telegram", str(SUPERGROUP))
# More than Telegram's 4096 characters, so the reply goes out as these two
# messages: the split breaks after the newline.
FIRST = "第一段：" + "电梯维修进展说明。" * 453 + "\n"
SECOND = "第二段：维修人员明天上午到场，请业主提前清空电梯厅。"
LONG_REPLY = FIRST + SECOND


@pytest.mark.parametrize(
    ("status", "description", "tries", "parameters"),
    [
        (500, "Internal Server Error", 5, {}),
        (429, "Too Many Requests: retry after 3600", 1, {"retry_after": 3600}),
    ],
    ids=["server-error", "flood-control"],
)
async def test_failed_second_part_resent_alone(telegram, status, description, tries, parameters):
    await telegram.bind(SUPERGROUP)
    for number in range(2, 2 + tries):
        telegram.api.fail_call("sendMessage", number, status, description, **parameters)

    [result] = await telegram.services.outbox.deliver([Reply(GROUP, LONG_REPLY, reply_to=f"{SUPERGROUP}:311")])

    assert result.retryable
    [row] = await stored(telegram)
    assert row.status == "pending"
    assert row.parts_sent == 1
    assert delivered(telegram) == [FIRST]

    assert await telegram.services.outbox.retry_due(utcnow() + timedelta(hours=2)) == 1

    assert delivered(telegram) == [FIRST, SECOND]
    [row] = await stored(telegram)
    assert row.status == "sent"
    resent = telegram.api.calls_of("sendMessage")[-1]
    # The quote belongs to the first part, which the chat already shows.
    assert "reply_parameters" not in resent.params


async def test_interrupted_send_resumes_after_recorded_part(telegram):
    await telegram.bind(SUPERGROUP)
    long_ago = utcnow() - STALE_CLAIM - timedelta(minutes=1)
    async with telegram.services.sessionmaker() as session, session.begin():
        # A process that died after the first part arrived left this row.
        session.add(
            Delivery(
                platform="telegram",
                target_kind="chat",
                target_id=str(SUPERGROUP),
                text=LONG_REPLY,
                status="sending",
                created_at=long_ago,
                give_up_at=utcnow() + timedelta(hours=1),
                claimed_at=long_ago,
                claimed_by="dead-host:1:abc123",
                parts_sent=1,
            )
        )

    assert await telegram.services.outbox.retry_due() == 1

    assert delivered(telegram) == [SECOND]
    [row] = await stored(telegram)
    assert row.status == "sent"


async def test_takeover_between_parts_stops_sending(telegram, monkeypatch):
    await telegram.bind(SUPERGROUP)
    original = outbox_store.mark_parts_sent

    async def mark_after_takeover(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        # Another process took the row over while the first part was on its way.
        async with telegram.services.sessionmaker() as session, session.begin():
            await session.execute(update(Delivery).values(claimed_by="other-host:2:def456"))
        return await original(*args, **kwargs)

    monkeypatch.setattr(outbox_store, "mark_parts_sent", mark_after_takeover)

    results = await telegram.services.outbox.deliver([Reply(GROUP, LONG_REPLY)])

    assert results == []
    assert delivered(telegram) == [FIRST]
    [row] = await stored(telegram)
    assert (row.status, row.claimed_by, row.parts_sent) == ("sending", "other-host:2:def456", 0)


async def test_recorded_part_renews_claim(db_url, telegram, monkeypatch):
    clock = Clock()
    outbox, other = await slow_batch(db_url, telegram, clock)
    claimed_by_other: list[int] = []

    async def first_part_slow(calls: int) -> None:
        if calls == 1:
            # The first part took longer than a claim lasts, as under flood control.
            clock.now += STALE_CLAIM + timedelta(minutes=1)

    async def pass_between_parts(calls: int) -> None:
        if calls == 1:
            claimed_by_other.append(await other.services.outbox.retry_due(clock.now))

    after_call(monkeypatch, telegram.adapter.outbound, "_send_chunk", first_part_slow)
    after_call(monkeypatch, outbox_store, "mark_parts_sent", pass_between_parts)
    try:
        await outbox.deliver([Reply(GROUP, LONG_REPLY)])
    finally:
        await stop(other)

    assert claimed_by_other == [0]
    assert delivered(telegram) == [FIRST, SECOND]
