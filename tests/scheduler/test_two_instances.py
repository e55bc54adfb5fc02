"""Two service instances on one PostgreSQL database send every notification once."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import func, select

from handlers.messages import UserTarget
from models import Case, CaseEvent, Notification, NotificationStatus
from tests.helpers import message
from tests.scheduler.conftest import Desk, local, scheduler_services

REPORTS = [
    "5栋楼道灯坏了好几天了",
    "2栋门口垃圾好几天没人清",
    "小区停水了，什么时候来水",
    "地下车库有燃气味道，很浓，快来人",
    "维修基金怎么用的要公开",
]


async def test_two_instances_send_each_once(desk: Desk, db_url: str):
    if not db_url.startswith("postgresql"):
        pytest.skip("row locks that keep two instances apart exist only on PostgreSQL")
    for index in range(20):
        text = f"{REPORTS[index % len(REPORTS)]}（{index + 1}号楼）"
        await desk.services.pipeline.handle(
            message(text, sender=f"r{index}", at=local(2026, 3, 2, 9, 30)),
            now=local(2026, 3, 2, 9, 30),
        )
    other, other_console = await scheduler_services(db_url)
    try:
        first = desk.sweeper(instance="a")
        second = desk.sweeper(instance="b", services=other)
        before = len(desk.console.sent)
        # Both instances sweep at the same moments, through reminders,
        # escalations and a Monday digest.
        for moment in [
            local(2026, 3, 2, 10, 31),
            local(2026, 3, 3, 9),
            local(2026, 3, 4, 9),
            local(2026, 3, 9, 9),
        ]:
            await asyncio.gather(first.run_once(moment), second.run_once(moment))
    finally:
        await other.close()

    private = [
        (target.user_id, text)
        for target, text in desk.console.sent[before:] + other_console.sent
        if isinstance(target, UserTarget)
    ]
    assert private, "the sweeps sent nothing"
    duplicates = [item for item, count in Counter(private).items() if count > 1]
    assert duplicates == []

    async with desk.services.sessionmaker() as session:
        notifications = list(await session.scalars(select(Notification)))
        escalations = await session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.kind == "escalated")
        )
        levels = list(await session.scalars(select(Case.escalation_level)))
    assert all(n.status == NotificationStatus.SENT for n in notifications if n.targets)
    # Which instance sends what depends on who claims first; either may send all of a pass.
    assert {n.sent_by for n in notifications if n.targets} <= {"a", "b"}
    kinds = Counter(n.kind for n in notifications)
    assert kinds["reminder"] > 0
    assert kinds["escalation"] > 0
    assert kinds["digest"] > 0
    # One escalation event per rung climbed, however many instances swept.
    assert escalations == sum(levels)
