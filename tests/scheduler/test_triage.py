"""Cases awaiting triage: the officer is reminded to classify, and the ladder waits for a party."""

from __future__ import annotations

from sqlalchemy import select

from models import Case, CaseEvent, CaseStatus, CaseTimer
from tests.helpers import message
from tests.scheduler.conftest import Desk, local

REMINDER = "【待分类提醒】"
CHASER = "【待分类督办】"


def texts(desk: Desk, account: str, prefix: str) -> list[str]:
    return [t for t in desk.sent_to(account) if t.startswith(prefix)]


async def test_triage_case_reminds_officer_then_secretary(desk: Desk):
    case = await desk.report("5栋卫生间漏水，楼下都滴水了", at=local(2026, 3, 2, 9, 30))
    assert case.status == CaseStatus.TRIAGE
    assert case.route == "property"

    await desk.sweeper().run_once(local(2026, 3, 2, 11))
    assert texts(desk, "liaison", REMINDER) == []

    # Two hours without a category: the liaison officer is reminded, alone.
    await desk.sweeper().run_once(local(2026, 3, 2, 11, 31))
    officer = texts(desk, "liaison", REMINDER)
    assert len(officer) == 1
    assert f"分类 {case.number}" in officer[0]
    assert texts(desk, "secretary", REMINDER) == []

    # Two more hours: the branch secretary hears too.
    await desk.sweeper().run_once(local(2026, 3, 2, 13, 31))
    assert len(texts(desk, "secretary", CHASER)) == 1
    assert len(texts(desk, "liaison", CHASER)) == 1
    assert len(texts(desk, "liaison", REMINDER)) == 1


async def test_triage_case_never_climbs_ladder(desk: Desk):
    case = await desk.report("5栋卫生间漏水，楼下都滴水了", at=local(2026, 3, 2, 9, 30))

    # The guessed party's acknowledge limit ran out at the end of Tuesday.
    for moment in [local(2026, 3, 2, 12), local(2026, 3, 3, 8), local(2026, 3, 4, 9), local(2026, 3, 9, 9)]:
        report = await desk.sweeper().run_once(moment)
        assert report.escalations == 0, f"escalated at {moment}"

    # The property firm never received the case, so it gets neither reminders
    # nor the notice that it stays responsible, and the committee gets nothing.
    assert [t for t in desk.sent_to("pm") if f"工单 {case.number}" in t] == []
    assert [t for t in desk.sent_to("director") if "督办" in t] == []
    async with desk.services.sessionmaker() as session:
        row = await session.get_one(Case, case.id)
        escalated = list(
            await session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "escalated")
            )
        )
        timer = await session.get_one(CaseTimer, case.id)
    assert row.escalation_level == 0
    assert escalated == []
    assert timer.due_at is not None


async def test_triage_chaser_repeats_each_working_day(desk: Desk):
    await desk.report("5栋卫生间漏水，楼下都滴水了", at=local(2026, 3, 2, 9, 30))

    # Monday 13:30, then 13:30 on Tuesday, Wednesday, Thursday and Friday;
    # the weekend adds none, and each point is sent once.
    moments = [local(2026, 3, day, hour) for day in range(2, 10) for hour in (9, 14, 15)]
    for moment in moments:
        await desk.sweeper().run_once(moment)

    assert len(texts(desk, "secretary", CHASER)) == 6


async def test_missed_triage_points_send_latest_only(desk: Desk):
    await desk.report("5栋卫生间漏水，楼下都滴水了", at=local(2026, 3, 2, 9, 30))

    # The service was down from the report until after both points.
    await desk.sweeper().run_once(local(2026, 3, 2, 14))

    assert texts(desk, "liaison", REMINDER) == []
    assert len(texts(desk, "liaison", CHASER)) == 1


async def test_classified_case_starts_ladder_afresh(desk: Desk):
    case = await desk.report("5栋卫生间漏水，楼下都滴水了", at=local(2026, 3, 2, 9, 30))
    await desk.sweeper().run_once(local(2026, 3, 4, 9))

    moment = local(2026, 3, 4, 10)
    await desk.services.pipeline.handle(
        message(f"分类 {case.number} 设施报修", sender="liaison", at=moment), now=moment
    )
    async with desk.services.sessionmaker() as session:
        assert (await session.get_one(Case, case.id)).status == CaseStatus.NEW

    # Classified on Wednesday, the firm has until the end of Thursday to acknowledge.
    after = await desk.sweeper().run_once(local(2026, 3, 4, 15))
    thursday = await desk.sweeper().run_once(local(2026, 3, 5, 9))
    friday = await desk.sweeper().run_once(local(2026, 3, 6, 9))

    assert after.escalations == 0
    assert thursday.escalations == 0
    assert friday.escalations == 1
    assert any("升级至业委会督办" in t for t in desk.sent_to("director"))
    # Wednesday's sweep sent only the latest chaser (Tuesday 13:30); none follows the classification.
    assert len(texts(desk, "secretary", CHASER)) == 1


async def test_escalation_by_hand_rejected_in_triage(desk: Desk):
    case = await desk.report("5栋卫生间漏水，楼下都滴水了", at=local(2026, 3, 2, 9, 30))
    before = len(desk.console.sent)

    moment = local(2026, 3, 2, 10)
    await desk.services.pipeline.handle(
        message(f"升级 {case.number} 物业没人管", sender="liaison", at=moment), now=moment
    )

    answers = [text for _, text in desk.console.sent[before:]]
    assert any("待分类" in text and f"分类 {case.number} 类别" in text for text in answers), answers
    assert [t for t in desk.sent_to("director") if "督办" in t] == []
    async with desk.services.sessionmaker() as session:
        assert (await session.get_one(Case, case.id)).escalation_level == 0
