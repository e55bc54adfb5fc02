"""Working-morning digests: the numbers match the cases, in Chinese, to the right people."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from handlers.digests import compute_stats
from handlers.directory import create_compound
from handlers.workflow import acknowledge, cannot_resolve, reopen, resolve
from models import Case, CaseStatus, Notification
from tests.helpers import message
from tests.scheduler.conftest import Desk, local

PERIOD_START = local(2026, 3, 3, 8, 30)
DIGEST_AT = local(2026, 3, 4, 8, 30)


async def seed_week(desk: Desk) -> dict[str, int]:
    """Five reports around Tuesday; return their case ids by a short name."""
    ids = {}
    for name, text, at in [
        ("lamp", "5栋楼道灯坏了好几天了", local(2026, 3, 2, 9, 30)),
        ("water", "小区停水了，什么时候来水", local(2026, 3, 2, 10)),
        ("rubbish", "2栋门口垃圾好几天没人清", local(2026, 3, 3, 10)),
        ("door", "3栋单元门坏了关不上", local(2026, 3, 3, 11)),
        ("fund", "维修基金怎么用的要公开", local(2026, 3, 3, 14)),
    ]:
        ids[name] = (await desk.report(text, at=at, sender=f"resident-{name}")).id
    async with desk.services.sessionmaker() as session, session.begin():
        lamp = await session.get_one(Case, ids["lamp"])
        acknowledge(session, lamp, actor=None, now=local(2026, 3, 3, 10, 30))
        resolve(session, lamp, actor=None, now=local(2026, 3, 3, 15, 30), note="已更换灯泡")
        door = await session.get_one(Case, ids["door"])
        acknowledge(session, door, actor=None, now=local(2026, 3, 3, 12))
        fund = await session.get_one(Case, ids["fund"])
        acknowledge(session, fund, actor=None, now=local(2026, 3, 3, 15))
        cannot_resolve(session, fund, actor=None, now=local(2026, 3, 3, 16), reason="需业主大会表决")
    return ids


async def count(desk: Desk, *conditions) -> int:
    async with desk.services.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Case).where(*conditions)) or 0


async def test_daily_digest_matches_database(desk: Desk):
    ids = await seed_week(desk)
    # The water cut has a 4-hour limit to acknowledge; by Tuesday it has climbed a rung.
    await desk.sweeper().run_once(local(2026, 3, 2, 15))

    report = await desk.sweeper().run_once(DIGEST_AT + timedelta(minutes=1))

    new = await count(desk, Case.opened_at >= PERIOD_START, Case.opened_at < DIGEST_AT)
    resolved = await count(desk, Case.resolved_at >= PERIOD_START, Case.resolved_at < DIGEST_AT)
    ended = await count(
        desk, Case.outcome.is_not(None), Case.closed_at >= PERIOD_START, Case.closed_at < DIGEST_AT
    )
    awaiting = await count(desk, Case.status == CaseStatus.RESOLVED, Case.rating.is_(None))
    escalated = await count(
        desk, Case.status.in_(CaseStatus.open_statuses()), Case.escalation_level > 0
    )
    overdue = await count(
        desk,
        Case.status.in_(CaseStatus.open_statuses()),
        (Case.resolve_due_at < DIGEST_AT)
        | (Case.acknowledged_at.is_(None) & (Case.response_due_at < DIGEST_AT)),
    )
    assert (new, ended, resolved, awaiting, escalated, overdue) == (3, 2, 1, 1, 1, 1)

    async with desk.services.sessionmaker() as session:
        stats = await compute_stats(session, [desk.compound.id], PERIOD_START, DIGEST_AT)
        digests = list(
            await session.scalars(
                select(Notification.key).where(Notification.key.like("digest:daily:compound:%"))
            )
        )
    assert (stats.new, stats.ended, stats.resolved, stats.awaiting_rating, stats.escalated, stats.overdue) == (
        new,
        ended,
        resolved,
        awaiting,
        escalated,
        overdue,
    )
    # Monday's digest went out at the 15:00 sweep, Wednesday's now; Tuesday was not swept.
    assert sorted(digests) == [
        f"digest:daily:compound:{desk.compound.id}:2026-03-02",
        f"digest:daily:compound:{desk.compound.id}:2026-03-04",
    ]
    assert report.notifications_sent >= 2

    texts = [t for t in desk.sent_to("secretary") if t.startswith("【每日简报】") and "3月4日" in t]
    assert len(texts) == 1
    text = texts[0]
    assert "阳光花园 3月4日（周三）" in text
    # 办结 counts every ending, as 统计 does, and 已解决 only the resolved ones.
    assert f"新增工单 {new} 件，办结 {ended} 件（已解决 {resolved} 件）" in text
    assert f"当前超时未办 {overdue} 件，升级督办中 {escalated} 件，待居民评价 {awaiting} 件" in text
    assert "问题较多的类别：" in text
    # The property firm acknowledged the lamp in 25 hours and the door in 1; it resolved the lamp in 30.
    assert "· 物业公司：平均响应用时 13.0小时（2 件），平均办结用时 30.0小时（1 件）" in text
    assert [
        t for t in desk.sent_to("liaison") if t.startswith("【每日简报】") and "3月4日" in t
    ] == texts
    assert ids


async def test_reopened_case_timed_from_reopen(desk: Desk):
    lamp = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9), sender="resident-lamp")
    async with desk.services.sessionmaker() as session, session.begin():
        case = await session.get_one(Case, lamp.id)
        acknowledge(session, case, actor=None, now=local(2026, 3, 2, 10))
        resolve(session, case, actor=None, now=local(2026, 3, 2, 11), note="已更换灯泡")
        reopen(session, case, now=local(2026, 3, 3, 9), reason="换了还是不亮")
        acknowledge(session, case, actor=None, now=local(2026, 3, 3, 10))
        resolve(session, case, actor=None, now=local(2026, 3, 3, 12), note="更换了线路")

    async with desk.services.sessionmaker() as session:
        stats = await compute_stats(session, [desk.compound.id], PERIOD_START, DIGEST_AT)

    times = stats.parties[lamp.route]
    assert times.acknowledged == 1
    assert times.mean_response_hours == 1.0
    assert times.mean_resolution_hours == 3.0


async def test_compound_added_later_gets_todays_digest(desk: Desk):
    sweeper = desk.sweeper()
    await sweeper.run_once(DIGEST_AT + timedelta(minutes=1))
    # This pass finds every digest of the day stored, so later passes may skip the step.
    await sweeper.run_once(DIGEST_AT + timedelta(minutes=2))
    async with desk.services.sessionmaker() as session, session.begin():
        later = await create_compound(session, "翠湖苑")

    await sweeper.run_once(DIGEST_AT + timedelta(hours=5))
    await sweeper.run_once(DIGEST_AT + timedelta(hours=6))

    async with desk.services.sessionmaker() as session:
        keys = list(
            await session.scalars(
                select(Notification.key).where(Notification.key.like(f"digest:daily:compound:{later.id}:%"))
            )
        )
    assert keys == [f"digest:daily:compound:{later.id}:2026-03-04"]


async def test_street_digest_covers_its_compounds(desk: Desk):
    await seed_week(desk)

    await desk.sweeper().run_once(DIGEST_AT + timedelta(minutes=1))

    texts = [t for t in desk.sent_to("street") if t.startswith("【每日简报】")]
    assert len(texts) == 1
    assert "幸福街道（1个小区）" in texts[0]
    assert "· 阳光花园：新增 3，办结 2（已解决 1）" in texts[0]


async def test_digest_waits_for_digest_time_and_working_day(desk: Desk):
    await seed_week(desk)

    early = await desk.sweeper().run_once(local(2026, 3, 4, 8, 0))
    saturday = await desk.sweeper().run_once(local(2026, 3, 7, 9, 0))

    assert early.timers_advanced > 0
    assert saturday.timers_advanced > 0
    async with desk.services.sessionmaker() as session:
        digests = await session.scalar(
            select(func.count()).select_from(Notification).where(Notification.kind == "digest")
        )
    assert digests == 0
    await desk.sweeper().run_once(DIGEST_AT)
    await desk.sweeper().run_once(DIGEST_AT + timedelta(hours=3))
    assert len([t for t in desk.sent_to("secretary") if t.startswith("【每日简报】")]) == 1


async def test_late_digest_counts_current_cases(desk: Desk):
    # The service starts at 21:12, long after the 08:30 digest time. The
    # morning's reports are outside the daily period but open at send time.
    for name, text, at in [
        ("water", "小区停水了，什么时候来水", local(2026, 3, 4, 9)),
        ("lamp", "5栋楼道灯坏了好几天了", local(2026, 3, 4, 10)),
        ("door", "3栋单元门坏了关不上", local(2026, 3, 4, 11)),
    ]:
        await desk.report(text, at=at, sender=f"resident-{name}")
    late = local(2026, 3, 4, 21, 12)

    await desk.sweeper().run_once(late)

    escalated = await count(
        desk, Case.status.in_(CaseStatus.open_statuses()), Case.escalation_level > 0
    )
    overdue = await count(
        desk,
        Case.status.in_(CaseStatus.open_statuses()),
        (Case.resolve_due_at < late) | (Case.acknowledged_at.is_(None) & (Case.response_due_at < late)),
    )
    assert overdue > 0
    assert escalated > 0
    texts = [t for t in desk.sent_to("secretary") if t.startswith("【每日简报】")]
    assert len(texts) == 1
    text = texts[0]
    # The period still ends at the digest time, so the morning's reports are not new in it.
    assert "新增工单 0 件" in text
    assert f"当前超时未办 {overdue} 件，升级督办中 {escalated} 件" in text
    assert "本期没有需要跟进的工单" not in text



async def test_past_digest_reads_location_correction(desk: Desk):
    lamp = await desk.report("楼道灯坏了好几天了", at=local(2026, 3, 3, 9), sender="resident-lamp")
    for minute, text in ((1, "是12栋的"), (2, "不对，是13栋的")):
        at = local(2026, 3, 3, 9, minute)
        await desk.services.pipeline.handle(message(text, sender="resident-lamp", at=at), now=at)
    async with desk.services.sessionmaker() as session, session.begin():
        case = await session.get_one(Case, lamp.id)
        acknowledge(session, case, actor=None, now=DIGEST_AT + timedelta(hours=1))

    async with desk.services.sessionmaker() as session:
        case = await session.get_one(Case, lamp.id)
        stats = await compute_stats(session, [desk.compound.id], PERIOD_START, DIGEST_AT)

    assert case.building == "13"
    assert stats.new == 1
    assert stats.categories == {case.category: 1}
