"""Officers pause a case's clock, read its deadlines, ask for a digest and record department calls."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from handlers.calendar import WorkCalendar
from handlers.commands.timers import pause_length
from handlers.limits import LimitUnit, extend_for_pause
from handlers.messages import ChatTarget
from models import Case, CaseEvent, CaseTimer, DepartmentCall
from tests.helpers import message
from tests.scheduler.conftest import SHANGHAI, Desk, local


async def say(desk: Desk, text: str, *, sender: str, at) -> str:
    """Send a group message and return the bot's answer in the group."""
    before = len(desk.console.sent)
    await desk.services.pipeline.handle(message(text, sender=sender, at=at), now=at)
    answers = [t for target, t in desk.console.sent[before:] if isinstance(target, ChatTarget)]
    assert answers, f"no answer to {text!r}"
    return answers[0]


async def test_paused_clock_holds_reminders_and_moves_deadline(desk: Desk):
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))
    await say(desk, f"受理 {case.number}", sender="pm", at=local(2026, 3, 2, 10))

    answer = await say(
        desk, f"挂起 {case.number} 等待灯具配件到货", sender="pm", at=local(2026, 3, 3, 10)
    )
    assert "已挂起" in answer
    assert "等待灯具配件到货" in answer

    # While paused nothing is reminded or escalated, long past the old deadline.
    report = await desk.sweeper().run_once(local(2026, 3, 12, 10))
    assert report.escalations == 0
    assert not [t for t in desk.sent_to("pm") if t.startswith("【催办】")]

    answer = await say(desk, f"恢复计时 {case.number}", sender="pm", at=local(2026, 3, 13, 10))
    assert "已恢复计时（共挂起10天）" in answer
    assert "办结期限顺延8个工作日，至3月23日（周一）24:00" in answer

    async with desk.services.sessionmaker() as session:
        row = await session.get_one(Case, case.id)
        timer = await session.get_one(CaseTimer, case.id)
        kinds = list(
            await session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id))
        )
    # Paused from Tuesday 3 to Friday 13 March, which used the 8 working days
    # from 4 to 13 March. The resolve deadline moves from the end of Wednesday
    # 11 March to the end of Monday 23 March, past the weekend of 21 and 22 March.
    assert row.resolve_due_at == local(2026, 3, 24)
    assert timer.paused_at is None
    assert timer.paused_seconds == 10 * 24 * 3600
    assert "clock_paused" in kinds
    assert "clock_resumed" in kinds

    after = await desk.sweeper().run_once(local(2026, 3, 13, 10, 1))
    assert after.escalations == 0


async def pause_and_resume(
    desk: Desk, case: Case, paused: datetime, resumed: datetime, *, sender: str = "pm"
) -> str:
    """Pause a case's clock and resume it as a member of its party, and return the resume reply."""
    answer = await say(desk, f"挂起 {case.number} 等待配件到货", sender=sender, at=paused)
    assert "已挂起" in answer
    return await say(desk, f"恢复计时 {case.number}", sender=sender, at=resumed)


async def deadlines_of(desk: Desk, case: Case) -> tuple[Case, CaseTimer]:
    async with desk.services.sessionmaker() as session:
        return await session.get_one(Case, case.id), await session.get_one(CaseTimer, case.id)


def ends_working_day(moment: datetime) -> bool:
    """Return whether a deadline ends at 24:00 local of a working day."""
    local_moment = moment.astimezone(SHANGHAI)
    last_day = local_moment.date() - timedelta(days=1)
    return local_moment.time() == time(0) and WorkCalendar(zone=SHANGHAI).is_workday(last_day)


async def test_resume_across_weekend_adds_one_day(desk: Desk):
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))
    await say(desk, f"受理 {case.number}", sender="pm", at=local(2026, 3, 2, 10))

    # Friday 15:00 to Monday 10:00: Monday is the one working day the pause used.
    answer = await pause_and_resume(desk, case, local(2026, 3, 6, 15), local(2026, 3, 9, 10))
    row, timer = await deadlines_of(desk, case)

    assert row.resolve_due_at == local(2026, 3, 13)
    assert ends_working_day(row.resolve_due_at)
    assert row.response_due_at == local(2026, 3, 5)
    assert "办结期限顺延1个工作日，至3月12日（周四）24:00" in answer
    assert timer.paused_seconds == (2 * 24 + 19) * 3600


async def test_resume_across_national_day(desk: Desk):
    # Opened on Monday 28 September 2026: the 7 working days are 29 and 30
    # September, then 8, 9, 10 (a make-up Saturday), 12 and 13 October.
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 9, 28, 10))
    assert case.resolve_due_at == local(2026, 10, 14)

    # The holiday runs from 1 to 7 October, so only Thursday 8 October counts.
    answer = await pause_and_resume(desk, case, local(2026, 9, 30, 15), local(2026, 10, 8, 10))
    row, _ = await deadlines_of(desk, case)

    assert row.resolve_due_at == local(2026, 10, 15)
    assert ends_working_day(row.resolve_due_at)
    assert "办结期限顺延1个工作日，至10月14日（周三）24:00" in answer


async def test_resume_same_day_keeps_deadline(desk: Desk):
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))

    answer = await pause_and_resume(desk, case, local(2026, 3, 3, 10), local(2026, 3, 3, 16))
    row, timer = await deadlines_of(desk, case)

    assert row.resolve_due_at == local(2026, 3, 12)
    assert row.response_due_at == local(2026, 3, 4)
    assert "挂起期间没有占用工作日，办结期限仍为3月11日（周三）24:00" in answer
    assert timer.paused_seconds == 6 * 3600


async def test_resume_urgent_shifts_calendar_time(desk: Desk):
    case = await desk.report("3栋楼道里有燃气味道", at=local(2026, 3, 6, 15))
    assert case.urgent
    assert case.resolve_due_at == local(2026, 3, 7, 15)

    # Urgent limits run through the weekend, so they move by the exact 2 days 18 hours 30 minutes.
    answer = await pause_and_resume(
        desk, case, local(2026, 3, 6, 16), local(2026, 3, 9, 10, 30), sender="secretary"
    )
    row, _ = await deadlines_of(desk, case)

    assert row.resolve_due_at == local(2026, 3, 10, 9, 30)
    assert row.response_due_at == local(2026, 3, 9, 11, 30)
    assert "办结期限顺延至3月10日（周二）09:30" in answer


async def test_resume_moves_rung_deadline(desk: Desk):
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))
    # Unacknowledged past Tuesday: on Wednesday the committee gets 2 working days, to the end of Friday.
    climbed = await desk.sweeper().run_once(local(2026, 3, 4, 9))
    assert climbed.escalations == 1
    _, timer = await deadlines_of(desk, case)
    assert timer.rung_due_at == local(2026, 3, 7)

    # Wednesday 10:00 to Monday 15:00 used 3 working days: 5, 6 and 9 March.
    await pause_and_resume(desk, case, local(2026, 3, 4, 10), local(2026, 3, 9, 15))
    _, timer = await deadlines_of(desk, case)
    assert timer.rung_due_at == local(2026, 3, 12)

    wednesday = await desk.sweeper().run_once(local(2026, 3, 11, 9))
    thursday = await desk.sweeper().run_once(local(2026, 3, 12, 9))
    assert wednesday.escalations == 0
    assert thursday.escalations == 1


@pytest.mark.parametrize(
    ("due", "paused", "resumed", "moved_to"),
    [
        # Within one working day the pause used no working day.
        (local(2026, 3, 12), local(2026, 3, 3, 10), local(2026, 3, 3, 16), local(2026, 3, 12)),
        # Tuesday night to Wednesday morning uses Wednesday.
        (local(2026, 3, 12), local(2026, 3, 3, 23), local(2026, 3, 4, 8), local(2026, 3, 13)),
        # Friday to Saturday uses no working day, Saturday to Monday uses Monday.
        (local(2026, 3, 12), local(2026, 3, 6, 15), local(2026, 3, 7, 10), local(2026, 3, 12)),
        (local(2026, 3, 12), local(2026, 3, 7, 10), local(2026, 3, 9, 10), local(2026, 3, 13)),
        # A deadline on Friday moves to Monday, past the weekend.
        (local(2026, 3, 7), local(2026, 3, 3, 10), local(2026, 3, 4, 10), local(2026, 3, 10)),
        # Sunday 20 September 2026 is a make-up working day, so Saturday to Monday uses two.
        (local(2026, 9, 25), local(2026, 9, 19, 10), local(2026, 9, 21, 10), local(2026, 9, 30)),
        # Resumed within National Day (1 to 7 October), the pause used no working day.
        (local(2026, 10, 14), local(2026, 9, 30, 15), local(2026, 10, 3, 10), local(2026, 10, 14)),
        # A deadline on the last working day before National Day moves past the holiday.
        (local(2026, 10, 1), local(2026, 9, 29, 10), local(2026, 9, 30, 10), local(2026, 10, 9)),
    ],
)
def test_pause_moves_working_day_deadline(
    due: datetime, paused: datetime, resumed: datetime, moved_to: datetime
) -> None:
    calendar = WorkCalendar(zone=SHANGHAI)

    assert extend_for_pause(due, LimitUnit.WORKING_DAYS, paused, resumed, calendar) == moved_to


def test_pause_moves_other_deadlines_exactly() -> None:
    calendar = WorkCalendar(zone=SHANGHAI)
    paused = local(2026, 3, 6, 15)
    resumed = local(2026, 3, 9, 10)

    hours = extend_for_pause(local(2026, 3, 7, 15), LimitUnit.HOURS, paused, resumed, calendar)
    days = extend_for_pause(local(2026, 3, 12), LimitUnit.DAYS, paused, resumed, calendar)
    # A working-day rule with a deadline that does not end at 24:00 was set by some other limit.
    odd = extend_for_pause(local(2026, 3, 11, 18), LimitUnit.WORKING_DAYS, paused, resumed, calendar)

    assert hours == local(2026, 3, 10, 10)
    assert days == local(2026, 3, 14, 19)
    assert odd == local(2026, 3, 14, 13)


async def test_pause_needs_reason_and_staff(desk: Desk):
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))

    no_reason = await say(desk, f"挂起 {case.number}", sender="pm", at=local(2026, 3, 2, 10))
    by_resident = await say(
        desk, f"挂起 {case.number} 不想修", sender="resident-9", at=local(2026, 3, 2, 10)
    )

    assert "请写明挂起原因" in no_reason
    assert "抱歉" in by_resident
    async with desk.services.sessionmaker() as session:
        timer = await session.get(CaseTimer, case.id)
    assert timer is None or timer.paused_at is None


async def test_deadlines_command_shows_limits(desk: Desk):
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))

    answer = await say(desk, f"时限 {case.number}", sender="liaison", at=local(2026, 3, 4, 9))

    assert "1个工作日内响应，7个工作日内办结" in answer
    assert "响应：期限3月3日（周二）24:00，已超时" in answer
    assert "办结：期限3月11日（周三）24:00，未到期" in answer


async def test_digest_command_answers_officer(desk: Desk):
    await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))
    await desk.report("2栋门口垃圾好几天没人清", at=local(2026, 3, 2, 11), sender="resident-2")

    answer = await say(desk, "简报", sender="secretary", at=local(2026, 3, 2, 15))
    refused = await say(desk, "简报", sender="resident-1", at=local(2026, 3, 2, 15))

    assert answer.startswith("【简报】阳光花园")
    assert "近24小时新增工单 2 件" in answer
    assert "抱歉" in refused


async def test_digest_command_rejects_unknown_period(desk: Desk):
    await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))

    monthly = await say(desk, "简报 月", sender="secretary", at=local(2026, 3, 2, 15))
    weekly = await say(desk, "简报 周报", sender="secretary", at=local(2026, 3, 2, 15))
    daily = await say(desk, "简报 日报", sender="secretary", at=local(2026, 3, 2, 15))

    assert monthly.startswith("简报不能按“月”查看。")
    assert "发送“简报”看近24小时，发送“简报 周”看近7天" in monthly
    assert "统计 本月" in monthly
    assert weekly.startswith("【每周简报】阳光花园")
    assert daily.startswith("【简报】阳光花园")


async def test_street_records_whistle_and_report(desk: Desk):
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))

    called = await say(desk, f"吹哨 {case.number} 住建", sender="street", at=local(2026, 3, 18, 10))
    unknown = await say(
        desk, f"吹哨 {case.number} 天文台", sender="street", at=local(2026, 3, 18, 10)
    )
    reported = await say(
        desk, f"报到 {case.number} 住建 已派人查看", sender="street", at=local(2026, 3, 19, 15)
    )

    assert "已向住建吹哨" in called
    assert "不是可吹哨的职能部门" in unknown
    assert "住建已就工单" in reported
    async with desk.services.sessionmaker() as session:
        calls = list(await session.scalars(select(DepartmentCall)))
    assert [(c.department, c.reported_at) for c in calls] == [("住建", local(2026, 3, 19, 15))]


@pytest.mark.parametrize(
    ("length", "text"),
    [
        (timedelta(days=10), "10天"),
        (timedelta(days=2, hours=3, minutes=40), "2天3小时"),
        (timedelta(hours=1, minutes=20), "1小时20分钟"),
        (timedelta(hours=4), "4小时"),
        (timedelta(seconds=20), "1分钟"),
    ],
)
def test_pause_length_is_read_in_days_hours_minutes(length: timedelta, text: str) -> None:
    assert pause_length(length) == text
