"""Figures per handling round: a reopen or a hand-over never changes what a past week counted."""

from __future__ import annotations

from datetime import timedelta

from handlers.case_figures import CompoundStatistics, statistics_by_compound
from handlers.cases import add_reporter
from handlers.digests import compound_digest, compute_stats
from handlers.directory import member_for
from handlers.officer_corrections import mark_false_alarm
from handlers.statistics import Period
from handlers.workflow import Action, acknowledge, escalate, hand_on, merge, reopen, resolve
from models import Case, CaseOutcome, Compound, PartyKind
from tests.scheduler.conftest import SHANGHAI, Desk, local

# Monday 2 March and Monday 9 March 2026, Shanghai time.
WEEK_1 = Period(local(2026, 3, 2), local(2026, 3, 9), "第一周")
WEEK_2 = Period(local(2026, 3, 9), local(2026, 3, 16), "第二周")
LATER = local(2026, 3, 20, 9)
LAMP = "5栋楼道灯坏了好几天了"
# Urgent, so its resolve limit after a reopen falls inside week 2.
WATER = "小区停水了，什么时候来水"


async def figures(desk: Desk, period: Period) -> CompoundStatistics:
    async with desk.services.sessionmaker() as session:
        by_compound = await statistics_by_compound(session, [desk.compound.id], period, LATER)
    return by_compound.get(desk.compound.id) or CompoundStatistics()


def counted(stats: CompoundStatistics) -> tuple:
    """The figures a past period shows; open counts are as of now and left out."""
    return (
        stats.opened,
        stats.response_due,
        stats.responded_in_time,
        dict(stats.ended),
        stats.closed_with_limit,
        stats.closed_on_time,
        stats.false_alarms,
        {party: (f.resolved, f.closed_with_limit, f.closed_on_time) for party, f in stats.by_party.items()},
    )


async def resolved_in_week_1(desk: Desk, text: str = LAMP) -> Case:
    """The acting party takes the case in an hour and resolves it the same morning."""
    lamp = await desk.report(text, at=local(2026, 3, 2, 9), sender="resident-lamp")
    async with desk.services.sessionmaker() as session, session.begin():
        case = await session.get_one(Case, lamp.id)
        acknowledge(session, case, actor=None, now=local(2026, 3, 2, 10))
        resolve(session, case, actor=None, now=local(2026, 3, 2, 11), note="已更换灯泡")
    return lamp


async def test_reopen_keeps_week_1_figures(desk: Desk):
    lamp = await resolved_in_week_1(desk, WATER)
    before = counted(await figures(desk, WEEK_1))

    async with desk.services.sessionmaker() as session, session.begin():
        case = await session.get_one(Case, lamp.id)
        reopen(session, case, now=local(2026, 3, 10, 9), reason="换了还是不亮")
        acknowledge(session, case, actor=None, now=local(2026, 3, 10, 10))
        late = case.resolve_due_at + timedelta(hours=1)
        assert WEEK_2.start <= late < WEEK_2.end
        resolve(session, case, actor=None, now=late, note="更换了线路")

    week_1 = await figures(desk, WEEK_1)
    assert counted(week_1) == before
    assert week_1.ended[CaseOutcome.RESOLVED] == 1
    assert (week_1.closed_on_time, week_1.closed_with_limit) == (1, 1)
    assert (week_1.responded_in_time, week_1.response_due) == (1, 1)
    week_2 = await figures(desk, WEEK_2)
    assert week_2.opened == 0
    assert week_2.ended[CaseOutcome.RESOLVED] == 1
    assert (week_2.closed_on_time, week_2.closed_with_limit) == (0, 1)
    assert (week_2.responded_in_time, week_2.response_due) == (1, 1)


async def test_handed_over_case_counts_each_party(desk: Desk):
    lamp = await resolved_in_week_1(desk)
    property_firm = desk.compound.party(PartyKind.PROPERTY)
    committee = desk.compound.party(PartyKind.COMMITTEE)
    async with desk.services.sessionmaker() as session, session.begin():
        case = await session.get_one(Case, lamp.id)
        reopen(session, case, now=local(2026, 3, 3, 9), reason="换了还是不亮")
        compound = await session.get_one(Compound, desk.compound.id)
        hand_on(
            session,
            case,
            compound.party(PartyKind.COMMITTEE),
            actor=None,
            now=local(2026, 3, 3, 9, 30),
            reason="线路改造需业委会决定",
            action=Action.ASSIGN,
        )
        acknowledge(session, case, actor=None, now=local(2026, 3, 3, 10))
        resolve(session, case, actor=None, now=case.resolve_due_at + timedelta(hours=1), note="已召开业主会议并改造")

    week = await figures(desk, Period(WEEK_1.start, WEEK_2.end, "两周"))
    assert property_firm is not None and committee is not None
    firm, board = week.by_party[property_firm.id], week.by_party[committee.id]
    assert (firm.resolved, firm.closed_on_time, firm.closed_with_limit) == (1, 1, 1)
    assert (board.resolved, board.closed_on_time, board.closed_with_limit) == (1, 0, 1)
    # The firm's second round went to the committee before its response limit, so it was never due.
    assert (week.responded_in_time, week.response_due) == (2, 2)


async def test_false_alarm_after_reopen_keeps_first_round(desk: Desk):
    lamp = await resolved_in_week_1(desk)
    before = counted(await figures(desk, WEEK_1))

    async with desk.services.sessionmaker() as session, session.begin():
        case = await session.get_one(Case, lamp.id)
        reopen(session, case, now=local(2026, 3, 10, 9), reason="又不亮了")
        # Found to be a joke a week later, past the new round's response limit.
        mark_false_alarm(session, case, actor=None, now=local(2026, 3, 14, 9))

    week_1 = await figures(desk, WEEK_1)
    assert counted(week_1) == before
    assert week_1.opened == 1
    assert week_1.ended[CaseOutcome.RESOLVED] == 1
    week_2 = await figures(desk, WEEK_2)
    assert week_2.ended_total == 0
    assert week_2.false_alarms == 0
    assert week_2.response_due == 0
    assert week_2.closed_with_limit == 0


async def test_first_round_false_alarm_counts_nowhere(desk: Desk):
    chat = await desk.report(LAMP, at=local(2026, 3, 2, 9), sender="resident-joke")
    async with desk.services.sessionmaker() as session, session.begin():
        case = await session.get_one(Case, chat.id)
        mark_false_alarm(session, case, actor=None, now=local(2026, 3, 4, 9))

    week_1 = await figures(desk, WEEK_1)
    assert week_1.opened == 0
    assert week_1.false_alarms == 1
    assert week_1.response_due == 0
    assert week_1.ended_total == 0


async def test_week_1_digest_unchanged_by_reopen(desk: Desk):
    lamp = await resolved_in_week_1(desk)
    water = await desk.report(WATER, at=local(2026, 3, 4, 9), sender="resident-water")
    async with desk.services.sessionmaker() as session, session.begin():
        case = await session.get_one(Case, water.id)
        escalate(session, case, "scheduler", "超过响应时限", local(2026, 3, 5, 9))

    async def digest_text() -> tuple[str, tuple]:
        async with desk.services.sessionmaker() as session:
            stats = await compute_stats(session, [desk.compound.id], WEEK_1.start, WEEK_1.end)
            compound = await session.get_one(Compound, desk.compound.id)
        text = compound_digest(compound, stats, end=WEEK_1.end, zone=SHANGHAI, weekly=True)
        parties = {
            route: (t.acknowledged, t.resolved) for route, t in stats.parties.items() if t.acknowledged or t.resolved
        }
        return text, (
            stats.new,
            stats.ended,
            stats.resolved,
            stats.overdue,
            stats.escalated,
            stats.awaiting_rating,
            parties,
        )

    before, before_stats = await digest_text()
    async with desk.services.sessionmaker() as session, session.begin():
        case = await session.get_one(Case, lamp.id)
        reopen(session, case, now=local(2026, 3, 10, 9), reason="换了还是不亮")
        escalate(session, case, "scheduler", "超过响应时限", local(2026, 3, 11, 9))
        acknowledge(session, case, actor=None, now=local(2026, 3, 11, 10))
        water_case = await session.get_one(Case, water.id)
        acknowledge(session, water_case, actor=None, now=local(2026, 3, 10, 8))
        resolve(session, water_case, actor=None, now=local(2026, 3, 10, 9), note="已恢复供水")
    after, after_stats = await digest_text()

    assert after == before
    assert after_stats == before_stats
    assert "办结 1 件（已解决 1 件）" in before
    assert "当前超时未办 1 件，升级督办中 1 件，待居民评价 1 件" in before


async def test_repeated_counts_before_period_end(desk: Desk):
    lamp = await resolved_in_week_1(desk)
    # Reopened the next morning, inside week 1, so week 1 counts it as repeated.
    water = await desk.report(WATER, at=local(2026, 3, 3, 9), sender="resident-water")
    async with desk.services.sessionmaker() as session, session.begin():
        case = await session.get_one(Case, water.id)
        acknowledge(session, case, actor=None, now=local(2026, 3, 3, 10))
        resolve(session, case, actor=None, now=local(2026, 3, 3, 11), note="已恢复供水")
        reopen(session, case, now=local(2026, 3, 4, 9), reason="又停水了")
    week_1 = await figures(desk, WEEK_1)
    assert (week_1.repeated, week_1.opened) == (1, 2)

    async with desk.services.sessionmaker() as session, session.begin():
        case = await session.get_one(Case, lamp.id)
        reopen(session, case, now=local(2026, 3, 10, 9), reason="换了还是不亮")

    assert (await figures(desk, WEEK_1)).repeated == 1
    assert (await figures(desk, Period(WEEK_1.start, WEEK_2.end, "两周"))).repeated == 2


async def test_later_merge_keeps_week_1_repeated(desk: Desk):
    await desk.report("3栋楼道灯坏了", at=local(2026, 3, 6, 9), sender="resident-a")
    later_report = await desk.report("3栋单元门坏了", at=local(2026, 3, 9, 9), sender="resident-b")
    earlier = await desk.report("5栋单元门坏了", at=local(2026, 3, 5, 9), sender="resident-c")

    async with desk.services.sessionmaker() as session, session.begin():
        source = await session.get_one(Case, earlier.id)
        target = await session.get_one(Case, later_report.id)
        await merge(session, source, target, actor=None, now=local(2026, 3, 10, 9))

    week_1 = await figures(desk, WEEK_1)
    assert (week_1.repeated, week_1.opened) == (0, 2)
    assert (await figures(desk, WEEK_2)).repeated == 0
    assert (await figures(desk, Period(WEEK_1.start, local(2026, 3, 11), "十天"))).repeated == 1


async def test_later_co_reporter_keeps_week_1_count(desk: Desk):
    lamp = await resolved_in_week_1(desk)
    async with desk.services.sessionmaker() as session, session.begin():
        case = await session.get_one(Case, lamp.id)
        neighbour = await member_for(session, "test", "resident-neighbour", "邻居")
        await add_reporter(session, case, neighbour, raw_message_id=None, now=local(2026, 3, 6, 9))
    assert (await figures(desk, WEEK_1)).co_reporters == 1

    # Reopened in week 2, when another neighbour joins it.
    async with desk.services.sessionmaker() as session, session.begin():
        case = await session.get_one(Case, lamp.id)
        reopen(session, case, now=local(2026, 3, 10, 9), reason="换了还是不亮")
        late = await member_for(session, "test", "resident-late", "晚到的邻居")
        await add_reporter(session, case, late, raw_message_id=None, now=local(2026, 3, 10, 10))

    assert (await figures(desk, WEEK_1)).co_reporters == 1
    assert (await figures(desk, Period(WEEK_1.start, WEEK_2.end, "两周"))).co_reporters == 2


async def test_digest_counts_new_case_under_first_route(desk: Desk):
    lamp = await desk.report(LAMP, at=local(2026, 3, 2, 9), sender="resident-lamp")

    async def by_route() -> dict[str, int]:
        async with desk.services.sessionmaker() as session:
            stats = await compute_stats(session, [desk.compound.id], WEEK_1.start, WEEK_1.end)
        return dict(stats.by_route)

    assert await by_route() == {"property": 1}
    async with desk.services.sessionmaker() as session, session.begin():
        case = await session.get_one(Case, lamp.id)
        compound = await session.get_one(Compound, desk.compound.id)
        hand_on(
            session,
            case,
            compound.party(PartyKind.COMMITTEE),
            actor=None,
            now=local(2026, 3, 10, 9),
            reason="线路改造需业委会决定",
            action=Action.ASSIGN,
        )

    assert await by_route() == {"property": 1}
