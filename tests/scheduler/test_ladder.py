"""The escalation ladder, from the property firm up to the street tri-party office."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from handlers.directory import member_for
from handlers.ladder import Rung, escalation_label, report_in, whistle
from models import Case, CaseEvent, CaseTimer, Compound, DepartmentCall, Role
from tests.helpers import message
from tests.scheduler.conftest import Desk, local


async def test_overdue_case_climbs_every_rung(desk: Desk):
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))
    assert case.route == "property"
    # Nobody acknowledges by the end of Tuesday, so the case is overdue on Wednesday.
    steps = [
        (local(2026, 3, 4, 9), "director", "业委会"),
        (local(2026, 3, 9, 9), "secretary", "小区党组织和小区专员"),
        (local(2026, 3, 12, 9), "community", "社区"),
        (local(2026, 3, 18, 9), "street", "街道三方办"),
    ]

    for level, (moment, account, label) in enumerate(steps, start=1):
        before = len(desk.sent_to(account))
        report = await desk.sweeper().run_once(moment)

        assert report.escalations == 1, f"no escalation at {moment}"
        new = desk.sent_to(account)[before:]
        assert any(f"升级至{label}督办" in text for text in new), (
            f"{account} was not told at {moment}"
        )
        async with desk.services.sessionmaker() as session:
            row = await session.get_one(Case, case.id)
            assert row.escalation_level == level
            assert row.party_id == case.party_id

    # The liaison officer hears with the secretary, and the property firm,
    # which stays responsible, hears about every step.
    assert any("小区党组织和小区专员督办" in text for text in desk.sent_to("liaison"))
    first_party = [text for text in desk.sent_to("pm") if text.startswith("【督办提醒】")]
    assert len(first_party) == 4
    assert all("首接责任方" in text for text in first_party)

    # At the top there is no rung left; the next sweeps escalate nothing.
    top = await desk.sweeper().run_once(local(2026, 3, 25, 9))
    assert top.escalations == 0

    async with desk.services.sessionmaker() as session:
        events = list(
            await session.scalars(
                select(CaseEvent)
                .where(CaseEvent.case_id == case.id, CaseEvent.kind == "escalated")
                .order_by(CaseEvent.id)
            )
        )
    assert [e.data["rung"] for e in events] == ["committee", "party", "community", "street"]
    assert [e.data["to_level"] for e in events] == [1, 2, 3, 4]
    assert all(e.actor_label == "scheduler" for e in events)


@pytest.mark.parametrize(
    ("by_hand", "account", "label", "level", "rung"),
    [
        # Raised to the committee by hand, the case goes on to the party branch.
        (["物业两天没人来"], "secretary", "小区党组织和小区专员", 2, "party"),
        # Raised to the party branch by hand, the case goes on to the community.
        (["物业两天没人来", "业委会也没有回音"], "community", "社区", 3, "community"),
    ],
)
async def test_sweep_continues_from_manual_escalation(
    desk: Desk, by_hand: list[str], account: str, label: str, level: int, rung: str
):
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))
    for step, reason in enumerate(by_hand):
        moment = local(2026, 3, 3, 10, step)
        await desk.services.pipeline.handle(
            message(f"升级 {case.number} {reason}", sender="liaison", at=moment), now=moment
        )
    async with desk.services.sessionmaker() as session:
        assert (await session.get_one(Case, case.id)).escalation_level == len(by_hand)

    # Unacknowledged past Tuesday, the case is overdue on Wednesday morning.
    sent_before = {name: len(desk.sent_to(name)) for name in ("director", "secretary", "community", "street")}
    report = await desk.sweeper().run_once(local(2026, 3, 4, 9))

    assert report.escalations == 1
    # The sweep also sends the morning digest, so only escalation notices count here.
    new = {
        name: [text for text in desk.sent_to(name)[count:] if "升级至" in text]
        for name, count in sent_before.items()
    }
    assert any(f"升级至{label}督办" in text for text in new[account]), new
    others = [name for name in new if name != account and new[name]]
    assert others == [], f"the sweep also told {others}"

    async with desk.services.sessionmaker() as session:
        row = await session.get_one(Case, case.id)
        timer = await session.get_one(CaseTimer, case.id)
        last = await session.scalar(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind == "escalated")
            .order_by(CaseEvent.id.desc())
            .limit(1)
        )
    assert row.escalation_level == level
    assert escalation_label(row) == f"{label}督办"
    assert timer.rung == Rung[rung.upper()]
    assert last.actor_label == "scheduler"
    assert last.data["rung"] == rung
    assert last.data["to_level"] == level


async def test_manual_escalation_restarts_rung_limit(desk: Desk):
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))
    # Overdue on Wednesday, the sweep hands the case to the committee, which
    # then has two working days, to the end of Friday 6 March.
    assert (await desk.sweeper().run_once(local(2026, 3, 4, 9))).escalations == 1
    async with desk.services.sessionmaker() as session:
        committee_due = (await session.get_one(CaseTimer, case.id)).rung_due_at

    # On Friday afternoon the officer raises it to the party branch by hand.
    moment = local(2026, 3, 6, 15)
    await desk.services.pipeline.handle(
        message(f"升级 {case.number} 业委会也没有回音", sender="liaison", at=moment), now=moment
    )
    async with desk.services.sessionmaker() as session:
        timer = await session.get_one(CaseTimer, case.id)
    assert timer.rung == Rung.PARTY
    assert timer.rung_due_at == desk.config.rung_limit(Rung.PARTY, urgent=False).due(moment, desk.config.calendar)
    assert timer.rung_due_at > committee_due

    # The committee's old deadline passing does not climb the case again:
    # the branch has its own two working days, to the end of Tuesday 10 March.
    assert (await desk.sweeper().run_once(local(2026, 3, 9, 9))).escalations == 0
    climbed = await desk.sweeper().run_once(local(2026, 3, 11, 9))
    assert climbed.escalations == 1
    async with desk.services.sessionmaker() as session:
        assert (await session.get_one(CaseTimer, case.id)).rung == Rung.COMMUNITY


async def test_sweep_repeated_escalates_once(desk: Desk):
    await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))

    first = await desk.sweeper().run_once(local(2026, 3, 4, 9))
    again = await desk.sweeper().run_once(local(2026, 3, 4, 9, 1))

    assert first.escalations == 1
    assert again.escalations == 0
    assert len([t for t in desk.sent_to("director") if "督办" in t]) == 1


async def test_street_whistles_and_department_reports(desk: Desk):
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))

    async with desk.services.sessionmaker() as session, session.begin():
        row = await session.get_one(Case, case.id)
        await whistle(session, row, "住建", now=local(2026, 3, 18, 10))
        await whistle(session, row, "城管", now=local(2026, 3, 18, 10))
        await report_in(session, row, "住建", now=local(2026, 3, 19, 15), note="已派人查看线路")

    async with desk.services.sessionmaker() as session:
        calls = {c.department: c for c in await session.scalars(select(DepartmentCall))}
        kinds = list(
            await session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id))
        )
    assert calls["住建"].reported_at == local(2026, 3, 19, 15)
    assert calls["城管"].reported_at is None
    assert kinds.count("department_called") == 2
    assert kinds.count("department_reported") == 1


OVERDUE = "【超时督办】"


def overdue_texts(desk: Desk, account: str) -> list[str]:
    return [t for t in desk.sent_to(account) if t.startswith(OVERDUE)]


async def test_top_rung_without_community_reminds(desk: Desk):
    async with desk.services.sessionmaker() as session, session.begin():
        (await session.get_one(Compound, desk.compound.id)).community_id = None
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))
    assert (await desk.sweeper().run_once(local(2026, 3, 4, 9))).escalations == 1
    assert (await desk.sweeper().run_once(local(2026, 3, 9, 9))).escalations == 1

    # The branch's two working days ran out on Wednesday; no community or
    # street is above it, so the acting party and the officers are reminded.
    top = await desk.sweeper().run_once(local(2026, 3, 12, 9))

    assert top.escalations == 0
    for account in ("pm", "liaison", "secretary"):
        assert len(overdue_texts(desk, account)) == 1, f"{account} was not reminded"
    assert "无法继续升级" in overdue_texts(desk, "pm")[0]
    async with desk.services.sessionmaker() as session:
        timer = await session.get_one(CaseTimer, case.id)
        row = await session.get_one(Case, case.id)
    limit = desk.config.rung_limit(Rung.PARTY, urgent=False)
    assert timer.rung_due_at == limit.due(local(2026, 3, 12, 9), desk.config.calendar)
    assert timer.due_at == timer.rung_due_at
    assert row.escalation_level == 2

    # The same pass again adds nothing; the next reminder waits for the
    # branch's limit to run out again, at the end of Monday 16 March.
    await desk.sweeper().run_once(local(2026, 3, 12, 9, 1))
    await desk.sweeper().run_once(local(2026, 3, 16, 9))
    assert len(overdue_texts(desk, "pm")) == 1
    await desk.sweeper().run_once(local(2026, 3, 17, 9))
    assert len(overdue_texts(desk, "pm")) == 2


async def test_street_rung_overdue_reminds_again(desk: Desk):
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))
    for moment in [local(2026, 3, 4, 9), local(2026, 3, 9, 9), local(2026, 3, 12, 9), local(2026, 3, 18, 9)]:
        assert (await desk.sweeper().run_once(moment)).escalations == 1

    # The street office has five working days, to the end of Wednesday 25 March.
    await desk.sweeper().run_once(local(2026, 3, 25, 9))
    assert overdue_texts(desk, "street") == []
    top = await desk.sweeper().run_once(local(2026, 3, 26, 9))

    assert top.escalations == 0
    for account in ("street", "pm", "liaison", "secretary"):
        assert len(overdue_texts(desk, account)) == 1, f"{account} was not reminded"
    assert "吹哨" in overdue_texts(desk, "street")[0]
    async with desk.services.sessionmaker() as session:
        timer = await session.get_one(CaseTimer, case.id)
    assert timer.due_at is not None
    assert timer.rung == Rung.STREET


async def unregister(desk: Desk, *accounts: str) -> None:
    """Remove every role of some staff accounts, so their rungs have no registered staff."""
    async with desk.services.sessionmaker() as session, session.begin():
        for account in accounts:
            member = await member_for(session, "test", account, account)
            await session.execute(delete(Role).where(Role.member_id == member.id))


@pytest.mark.parametrize(
    ("unstaffed", "account", "label", "skipped"),
    [
        (("director",), "secretary", "小区党组织和小区专员", "业委会没有登记工作人员，已跳过。"),
        (
            ("director", "secretary", "liaison"),
            "community",
            "社区",
            "业委会、小区党组织和小区专员均没有登记工作人员，已跳过。",
        ),
    ],
)
async def test_sweep_notice_names_skipped_rungs(
    desk: Desk, unstaffed: tuple[str, ...], account: str, label: str, skipped: str
):
    await unregister(desk, *unstaffed)
    await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))

    report = await desk.sweeper().run_once(local(2026, 3, 4, 9))

    assert report.escalations == 1
    (notice,) = [t for t in desk.sent_to(account) if t.startswith("【督办】")]
    first_line = notice.split("\n")[0]
    assert first_line.endswith(f"现升级至{label}督办，原承办方：阳光花园物业服务中心。{skipped}")
    (for_party,) = [t for t in desk.sent_to("pm") if t.startswith("【督办提醒】")]
    assert f"已升级至{label}督办。{skipped}贵方仍为首接责任方" in for_party


async def test_sweep_notice_without_skip(desk: Desk):
    await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))

    await desk.sweeper().run_once(local(2026, 3, 4, 9))

    (notice,) = [t for t in desk.sent_to("director") if t.startswith("【督办】")]
    assert "跳过" not in notice
    assert notice.split("\n")[0].endswith("现升级至业委会督办，原承办方：阳光花园物业服务中心。")
