"""Escalation by command, and the function the scheduler's ladder calls."""

from __future__ import annotations

import pytest

from handlers.directory import member_for
from handlers.errors import BadCommand, InvalidTransition
from handlers.ladder import escalation_label
from handlers.permissions import grant_role
from handlers.rungs import Rung, current_rung
from handlers.workflow import escalate
from models import Case, Community, Compound, RoleKind, Street
from tests.helpers import later
from tests.workflow.desk import STAFF_GROUP, open_desk

LEAK = "3栋2单元1002室厨房天花板漏水了"


async def test_escalate_command_tells_everyone(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("升级 0001 物业三天未响应", sender="officer", chat_id=STAFF_GROUP)

        case = await desk.case(1)
        event = (await desk.events(1))[-1]
        assert case.escalation_level == 1
        assert case.status == "new"
        assert event.kind == "escalated"
        assert event.note == "物业三天未响应"
        assert event.data["to_level"] == 1
        assert replies[0] == "工单 0001 已升级为业委会督办，已通知业委会。"
        assert any("【督办·业委会督办】" in r for r in desk.last_to_user("wang"))
        assert any("已升级为业委会督办" in r for r in desk.last_to_group("group-1"))


async def _add_community_and_street(desk) -> None:
    """Put the desk's compound under a community and a street, each with one staff member."""
    async with desk.services.sessionmaker() as session, session.begin():
        street = Street(name="朝阳街道")
        community = Community(name="向阳社区", street=street)
        session.add(community)
        await session.flush()
        compound = await session.get_one(Compound, desk.compound.id)
        compound.community_id = community.id
        social_worker = await member_for(session, "test", "shequ1", "社区小张")
        await grant_role(session, social_worker, RoleKind.COMMUNITY_STAFF, community=community)
        street_officer = await member_for(session, "test", "jiedao1", "街道老刘")
        await grant_role(session, street_officer, RoleKind.STREET_STAFF, street=street)


async def test_escalate_command_reaches_each_rung(db_url):
    async with open_desk(db_url) as desk:
        await _add_community_and_street(desk)
        await desk.grant("secretary", RoleKind.BRANCH_SECRETARY, name="书记老周")
        await desk.say(LEAK, sender="r1")

        await desk.say("升级 0001 物业三天未响应", sender="officer", chat_id=STAFF_GROUP)
        committee = desk.last_to_user("chen")
        assert len(committee) == 1
        assert "现升级至业委会督办" in committee[0]
        assert "原因：物业三天未响应" in committee[0]
        assert desk.last_to_user("shequ1") == []

        await desk.say("督办 0001 业委会协调无果", sender="officer", chat_id=STAFF_GROUP)
        branch = desk.last_to_user("secretary")
        assert len(branch) == 1
        assert "现升级至小区党组织和小区专员督办" in branch[0]

        await desk.say("升级 0001 党组织协调无果", sender="officer", chat_id=STAFF_GROUP)
        community = desk.last_to_user("shequ1")
        assert len(community) == 1
        assert "现升级至社区督办" in community[0]
        assert "原承办方：阳光花园物业服务中心" in community[0]
        assert desk.last_to_user("jiedao1") == []
        assert any("【督办·社区督办】" in r for r in desk.last_to_user("wang"))

        await desk.say("升级 0001 社区协调无果", sender="shequ1", chat_id=STAFF_GROUP)
        street = desk.last_to_user("jiedao1")
        assert len(street) == 1
        assert "现升级至街道三方办督办" in street[0]
        assert desk.last_to_user("shequ1") == []

        top = await desk.say("升级 0001 还是没人管", sender="jiedao1", chat_id=STAFF_GROUP)
        assert "已处于街道三方办督办" in top[0]
        assert "这是最高一级" in top[0]
        assert "上级没有登记工作人员" not in top[0]
        assert (await desk.case(1)).escalation_level == 4
        rungs = [e.data.get("rung") for e in await desk.events(1) if e.kind == "escalated"]
        assert rungs == ["committee", "party", "community", "street"]


async def test_escalate_command_stops_at_top(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("升级 0001 物业三天未响应", sender="officer", chat_id=STAFF_GROUP)
        await desk.say("升级 0001 业委会协调无果", sender="officer", chat_id=STAFF_GROUP)

        # No community is set for the compound, so no rung above the branch is reachable.
        refused = await desk.say("升级 0001 党组织协调无果", sender="officer", chat_id=STAFF_GROUP)

        assert "无法继续升级" in refused[0]
        assert (await desk.case(1)).escalation_level == 2


async def test_handover_keeps_supervision_level(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("升级 0001 物业三天未响应", sender="officer", chat_id=STAFF_GROUP)
        await desk.say("升级 0001 业委会协调无果", sender="officer", chat_id=STAFF_GROUP)
        assert escalation_label(await desk.case(1)) == "小区党组织和小区专员督办"

        await desk.say("转派 0001 业委会 漏水涉及公共管道维修资金", sender="officer", chat_id=STAFF_GROUP)

        case = await desk.case(1)
        assert case.route == "committee"
        assert case.escalation_level == 1
        assert escalation_label(case) == "小区党组织和小区专员督办"


async def test_handover_without_escalation_starts_on_new_rung(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        await desk.say("转派 0001 业委会 漏水涉及公共管道维修资金", sender="officer", chat_id=STAFF_GROUP)

        case = await desk.case(1)
        assert case.route == "committee"
        assert case.escalation_level == 0
        assert current_rung(case) == Rung.COMMITTEE


async def test_escalate_function_for_scheduler(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        async with desk.services.sessionmaker() as session, session.begin():
            case = await session.get_one(Case, (await desk.case(1)).id)
            first = escalate(session, case, "scheduler", "超过响应时限", later(60 * 25))
            jump = escalate(session, case, "scheduler", "社区督办仍未响应", later(60 * 49), level=3)
            with pytest.raises(BadCommand):
                escalate(session, case, "scheduler", "重复", later(60 * 50), level=2)

        assert first.data == {"from": "new", "to": "new", "from_level": 0, "to_level": 1}
        assert jump.data["to_level"] == 3
        assert (await desk.case(1)).escalation_level == 3
        events = [e for e in await desk.events(1) if e.kind == "escalated"]
        assert [e.actor_label for e in events] == ["scheduler", "scheduler"]


async def test_escalate_closed_case_refused(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("撤回 0001", sender="r1")

        async with desk.services.sessionmaker() as session, session.begin():
            case = await session.get_one(Case, (await desk.case(1)).id)
            with pytest.raises(InvalidTransition):
                escalate(session, case, "scheduler", "超时", later(60))
