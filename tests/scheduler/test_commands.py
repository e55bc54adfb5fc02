"""Officers pause a case's clock, read its deadlines, ask for a digest and record department calls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers.commands.timers import pause_length
from handlers.messages import ChatTarget
from models import Case, CaseEvent, CaseTimer, DepartmentCall
from tests.helpers import message
from tests.scheduler.conftest import Desk, local


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

    async with desk.services.sessionmaker() as session:
        row = await session.get_one(Case, case.id)
        timer = await session.get_one(CaseTimer, case.id)
        kinds = list(
            await session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id))
        )
    # Ten days paused: the resolve deadline (end of 11 March) moves to the end of 21 March.
    assert row.resolve_due_at == local(2026, 3, 22)
    assert timer.paused_at is None
    assert timer.paused_seconds == 10 * 24 * 3600
    assert "clock_paused" in kinds
    assert "clock_resumed" in kinds

    after = await desk.sweeper().run_once(local(2026, 3, 13, 10, 1))
    assert after.escalations == 0


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

    assert "1个工作日内受理，7个工作日内办结" in answer
    assert "受理：期限3月3日（周二）24:00，已超时" in answer
    assert "办结：期限3月11日（周三）24:00，未到期" in answer


async def test_digest_command_answers_officer(desk: Desk):
    await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))
    await desk.report("2栋门口垃圾好几天没人清", at=local(2026, 3, 2, 11), sender="resident-2")

    answer = await say(desk, "简报", sender="secretary", at=local(2026, 3, 2, 15))
    refused = await say(desk, "简报", sender="resident-1", at=local(2026, 3, 2, 15))

    assert answer.startswith("【简报】阳光花园")
    assert "近24小时新增工单 2 件" in answer
    assert "抱歉" in refused


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
