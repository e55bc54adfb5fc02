"""Timers live in the database: a restart sends a missed reminder once, and a dry run changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from models import CaseTimer, Notification, NotificationStatus
from tests.scheduler.conftest import Desk, local, scheduler_services


def reminders(desk: Desk) -> list[str]:
    return [t for t in desk.sent_to("pm") if t.startswith("【催办】")]


async def test_restart_sends_missed_reminder_once(desk: Desk, db_url: str):
    await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))
    # The service sees the case once, then is down while both the 50% and
    # the 90% point of the acknowledge limit pass (04:45 and 20:09 on Tuesday).
    await desk.sweeper().run_once(local(2026, 3, 2, 9, 31))

    restarted, console = await scheduler_services(db_url)
    try:
        desk.console = console
        sweeper = desk.sweeper(instance="after-restart", services=restarted)
        first = await sweeper.run_once(local(2026, 3, 3, 21, 0))
        for minute in range(1, 4):
            await sweeper.run_once(local(2026, 3, 3, 21, minute))
    finally:
        await restarted.close()

    assert first.timers_advanced == 1
    sent = reminders(desk)
    assert len(sent) == 1
    assert "3月3日（周二）24:00前受理" in sent[0]
    async with desk.services.sessionmaker() as session:
        keys = list(
            await session.scalars(select(Notification.key).where(Notification.kind == "reminder"))
        )
    # Only the latest point is reminded; the missed 50% point is not sent late.
    assert len(keys) == 1
    assert ":acknowledge:" in keys[0]
    assert keys[0].endswith(":90")


async def test_reminder_points_each_sent_once(desk: Desk):
    await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))

    for moment in [
        local(2026, 3, 2, 12),
        local(2026, 3, 3, 8),
        local(2026, 3, 3, 9),
        local(2026, 3, 3, 20),
        local(2026, 3, 3, 21),
    ]:
        await desk.sweeper().run_once(moment)

    sent = reminders(desk)
    assert len(sent) == 2
    async with desk.services.sessionmaker() as session:
        statuses = list(
            await session.scalars(
                select(Notification.status).where(Notification.kind == "reminder")
            )
        )
    assert statuses == [NotificationStatus.SENT, NotificationStatus.SENT]


async def test_dry_run_changes_nothing(desk: Desk):
    await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))

    report = await desk.sweeper(dry_run=True).run_once(local(2026, 3, 4, 9))

    assert report.escalations == 1
    assert any(d.kind == "escalation" for d in report.drafts)
    assert report.notifications_sent == 0
    assert desk.sent_to("director") == []
    async with desk.services.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Notification)) == 0
        assert await session.scalar(select(func.count()).select_from(CaseTimer)) == 0
