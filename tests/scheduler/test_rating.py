"""Satisfaction follow-up: remind the reporter after a day, close unrated after three."""

from __future__ import annotations

import io
import logging
from dataclasses import replace

from sqlalchemy import delete, select

from bot.adapters.console import ConsoleOutbound
from handlers.directory import bind_chat, chat_for
from handlers.messages import UserTarget
from handlers.workflow import acknowledge, resolve, split
from models import Case, CaseEvent, CaseReporter, CaseStatus, Compound, Identity, Notification, NotificationStatus
from tests.helpers import message
from tests.scheduler.conftest import Desk, local

OTHER = "other"


async def resolve_case(desk: Desk, case_id: int) -> None:
    async with desk.services.sessionmaker() as session, session.begin():
        case = await session.get_one(Case, case_id)
        acknowledge(session, case, actor=None, now=local(2026, 3, 2, 10, 30))
        resolve(session, case, actor=None, now=local(2026, 3, 3, 15, 30), note="已更换灯泡")


def rating_texts(desk: Desk) -> list[str]:
    return [t for t in desk.sent_to("resident-1") if "评价" in t]


async def test_unrated_case_closes_after_reminder(desk: Desk):
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))
    await desk.sweeper().run_once(local(2026, 3, 2, 9, 31))
    await resolve_case(desk, case.id)

    # The resolve command asked for the rating; the sweep stays quiet for a day.
    await desk.sweeper().run_once(local(2026, 3, 3, 15, 31))
    await desk.sweeper().run_once(local(2026, 3, 4, 15))
    assert rating_texts(desk) == []

    await desk.sweeper().run_once(local(2026, 3, 4, 16))
    await desk.sweeper().run_once(local(2026, 3, 4, 17))
    reminded = rating_texts(desk)
    assert len(reminded) == 1
    assert "还未收到您的评价" in reminded[0]
    assert f"评价 {case.number} 满意" in reminded[0]

    report = await desk.sweeper().run_once(local(2026, 3, 6, 16))
    assert report.closed_unrated == 1
    await desk.sweeper().run_once(local(2026, 3, 9, 16))
    assert len(rating_texts(desk)) == 1

    async with desk.services.sessionmaker() as session:
        closed = await session.get_one(Case, case.id)
        kinds = list(
            await session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id))
        )
    assert closed.status == CaseStatus.CLOSED
    # Unrated is never counted as satisfied: no rating is recorded.
    assert closed.rating is None
    assert kinds.count("closed") == 1
    assert "rated" not in kinds


async def test_rating_reminder_held_at_night(desk: Desk):
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))
    async with desk.services.sessionmaker() as session, session.begin():
        row = await session.get_one(Case, case.id)
        acknowledge(session, row, actor=None, now=local(2026, 3, 2, 10))
        resolve(session, row, actor=None, now=local(2026, 3, 2, 23, 30), note="已更换灯泡")

    # The reminder falls due at 23:30 on Tuesday and waits for the morning.
    await desk.sweeper().run_once(local(2026, 3, 3, 23, 31))
    assert rating_texts(desk) == []

    await desk.sweeper().run_once(local(2026, 3, 4, 7, 1))
    assert len(rating_texts(desk)) == 1


async def test_reminder_after_opener_split_off(desk: Desk):
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))
    seconded = local(2026, 3, 2, 9, 35)
    await desk.services.pipeline.handle(message("我也是", sender="resident-2", at=seconded), now=seconded)
    async with desk.services.sessionmaker() as session, session.begin():
        source = await session.get_one(Case, case.id)
        await split(session, source, 1, actor=None, now=local(2026, 3, 2, 9, 40))
    await resolve_case(desk, case.id)

    await desk.sweeper().run_once(local(2026, 3, 4, 16))

    assert rating_texts(desk) == []
    reminded = [t for t in desk.sent_to("resident-2") if "还未收到您的评价" in t]
    assert len(reminded) == 1
    assert f"评价 {case.number} 满意" in reminded[0]


async def split_off_elsewhere(desk: Desk) -> tuple[ConsoleOutbound, int]:
    """Open a case in the test group, join it from another platform's group, and split that reporter off.

    Returns the other platform's console and the id of the split-off case,
    whose chat is still the test group.
    """
    other = ConsoleOutbound(io.StringIO(), platform=OTHER)
    desk.services.outbox.register(other)
    async with desk.services.sessionmaker() as session, session.begin():
        chat = await chat_for(session, OTHER, "other-group", title="阳光花园二群")
        await bind_chat(session, chat, await session.get_one(Compound, desk.compound.id), local(2026, 3, 1))
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))
    seconded = local(2026, 3, 2, 9, 35)
    joining = replace(message("5栋楼道灯坏了", sender="x1", chat_id="other-group", at=seconded), platform=OTHER)
    joined = await desk.services.pipeline.handle(joining, now=seconded)
    assert joined.case_ids == [case.id]
    async with desk.services.sessionmaker() as session, session.begin():
        source = await session.get_one(Case, case.id)
        new_case = await split(session, source, 2, actor=None, now=local(2026, 3, 2, 9, 40))
    await resolve_case(desk, new_case.id)
    return other, new_case.id


def reminders_on(console: ConsoleOutbound, user_id: str) -> list[str]:
    account = UserTarget(console.platform, user_id)
    return [t for target, t in console.sent if target == account and "还未收到您的评价" in t]


async def test_split_reporter_reminded_elsewhere(desk: Desk):
    other, case_id = await split_off_elsewhere(desk)

    await desk.sweeper().run_once(local(2026, 3, 4, 16))

    reminded = reminders_on(other, "x1")
    assert len(reminded) == 1
    async with desk.services.sessionmaker() as session:
        number = (await session.get_one(Case, case_id)).number
    assert f"评价 {number} 满意" in reminded[0]
    assert rating_texts(desk) == []


async def test_reminder_falls_back_to_live_account(desk: Desk):
    other, case_id = await split_off_elsewhere(desk)
    # The account the report came from is gone, but the person has another one.
    async with desk.services.sessionmaker() as session, session.begin():
        member_id = await session.scalar(select(CaseReporter.member_id).where(CaseReporter.case_id == case_id))
        await session.execute(delete(Identity).where(Identity.member_id == member_id))
        session.add(Identity(member_id=member_id, platform=OTHER, platform_user_id="x1-new"))

    await desk.sweeper().run_once(local(2026, 3, 4, 16))

    assert reminders_on(other, "x1") == []
    assert len(reminders_on(other, "x1-new")) == 1


async def test_reminder_without_account_recorded(desk: Desk, caplog):
    other, case_id = await split_off_elsewhere(desk)
    async with desk.services.sessionmaker() as session, session.begin():
        member_id = await session.scalar(select(CaseReporter.member_id).where(CaseReporter.case_id == case_id))
        await session.execute(delete(Identity).where(Identity.member_id == member_id))

    with caplog.at_level(logging.WARNING, logger="scheduler"):
        await desk.sweeper().run_once(local(2026, 3, 4, 16))
        await desk.sweeper().run_once(local(2026, 3, 4, 17))

    async with desk.services.sessionmaker() as session:
        (reminder,) = await session.scalars(
            select(Notification).where(Notification.case_id == case_id, Notification.kind == "rating_reminder")
        )
    assert reminder.status == NotificationStatus.NO_RECIPIENT
    assert "no account" in (reminder.last_error or "")
    assert reminders_on(other, "x1") == []
    assert f"case {case_id} has no reporter account" in caplog.text

    report = await desk.sweeper().run_once(local(2026, 3, 6, 16))
    assert report.closed_unrated == 1
