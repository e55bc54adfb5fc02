"""Replies to Telegram that a broken proxy or flood control held back are sent later, once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from handlers.messages import ChatTarget, Reply
from handlers.outbox import Outbox
from handlers.outbox_store import STALE_CLAIM
from models import Delivery, utcnow
from tests.telegram.conftest import TelegramHarness, start_harness
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


def chart_file(tmp_path: Path) -> Path:
    path = tmp_path / "weekly.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    return path


async def stored(telegram: TelegramHarness) -> list[Delivery]:
    async with telegram.services.sessionmaker() as session:
        return list(await session.scalars(select(Delivery).order_by(Delivery.id)))


def delivered(telegram: TelegramHarness) -> list[str]:
    """Return what reached the group, in order: texts, and "photo" for each picture."""
    return [
        c.params["text"] if c.method == "sendMessage" else "photo"
        for c in telegram.api.calls
        if c.method in ("sendMessage", "sendPhoto") and c.params.get("_delivered")
    ]


async def test_failed_picture_retried_without_its_text(telegram, tmp_path):
    await telegram.bind(SUPERGROUP)
    for _ in range(5):
        telegram.api.fail_next("sendPhoto", 502, "Bad Gateway")

    chart = Reply(GROUP, "本周工单统计", image_path=str(chart_file(tmp_path)))

    [result] = await telegram.services.outbox.deliver([chart])

    assert result.retryable
    [row] = await stored(telegram)
    assert (row.status, row.text_sent) == ("pending", True)
    assert await telegram.services.outbox.retry_due(utcnow() + timedelta(hours=1)) == 1
    assert delivered(telegram) == ["本周工单统计", "photo"]
    [row] = await stored(telegram)
    assert row.status == "sent"


async def test_failed_text_retried_before_its_picture(telegram, tmp_path):
    await telegram.bind(SUPERGROUP)
    telegram.api.behind_broken_proxy = True

    await telegram.services.outbox.deliver([Reply(GROUP, "本周工单统计", image_path=str(chart_file(tmp_path)))])

    [row] = await stored(telegram)
    assert (row.status, row.text_sent) == ("pending", False)
    assert telegram.api.calls_of("sendPhoto") == []
    telegram.api.behind_broken_proxy = False
    assert await telegram.services.outbox.retry_due(utcnow() + timedelta(hours=1)) == 1
    assert delivered(telegram) == ["本周工单统计", "photo"]


class Clock:
    """The outbox's clock, moved on by the test as slow sends would move it."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


async def slow_batch(db_url: str, telegram: TelegramHarness, clock: Clock) -> tuple[Outbox, TelegramHarness]:
    """Return an outbox on `clock` sending through the adapter, and a second process on the same database."""
    await telegram.bind(SUPERGROUP)
    outbox = Outbox(telegram.services.sessionmaker, [telegram.adapter.outbound], clock=clock)
    other = await start_harness(db_url, api=telegram.api)
    return outbox, other


async def stop(harness: TelegramHarness) -> None:
    # The fixture that started the fake Bot API closes it.
    await harness.adapter.stop()
    await harness.client.close()
    await harness.services.close()


def after_call(
    monkeypatch, target: object, name: str, action: Callable[[int], object]  # noqa: ANN001
) -> None:
    """Run `action(n)` after the n-th call of target.name returns."""
    original = getattr(target, name)
    calls = 0

    async def wrapped(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        nonlocal calls
        result = await original(*args, **kwargs)
        calls += 1
        await action(calls)
        return result

    monkeypatch.setattr(target, name, wrapped)


async def test_row_waiting_behind_slow_send_stays_claimed(db_url, telegram, monkeypatch):
    clock = Clock()
    outbox, other = await slow_batch(db_url, telegram, clock)
    taken: list[int] = []

    async def first_send_slow(calls: int) -> None:
        if calls == 1:
            # The platform took longer over the first row than a claim lasts,
            # and another process's retry pass runs as the second row goes out.
            clock.now += STALE_CLAIM + timedelta(minutes=1)
        if calls == 2:
            taken.append(await other.services.outbox.retry_due(clock.now))

    after_call(monkeypatch, telegram.adapter.outbound, "send_parts", first_send_slow)
    try:
        await outbox.deliver([Reply(GROUP, "工单 0001 已受理"), Reply(GROUP, "工单 0002 已受理")])
    finally:
        await stop(other)

    assert taken == [0]
    assert delivered(telegram) == ["工单 0001 已受理", "工单 0002 已受理"]


async def test_reclaimed_waiting_row_sent_once(db_url, telegram, monkeypatch):
    clock = Clock()
    outbox, other = await slow_batch(db_url, telegram, clock)
    taken: list[int] = []

    async def pass_between_rows(calls: int) -> None:
        if calls == 1:
            # The first row was settled; the second row's claim is older than
            # STALE_CLAIM when another process's retry pass runs.
            clock.now += STALE_CLAIM + timedelta(minutes=1)
            taken.append(await other.services.outbox.retry_due(clock.now))

    after_call(monkeypatch, outbox, "_settle", pass_between_rows)
    try:
        results = await outbox.deliver([Reply(GROUP, "工单 0001 已受理"), Reply(GROUP, "工单 0002 已受理")])
    finally:
        await stop(other)

    assert taken == [1]
    assert delivered(telegram) == ["工单 0001 已受理", "工单 0002 已受理"]
    assert len(results) == 1
    assert [(r.status, r.claimed_by) for r in await stored(telegram)] == [("sent", None), ("sent", None)]
