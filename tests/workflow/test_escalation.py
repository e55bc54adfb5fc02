"""Escalation by command, and the function the scheduler's ladder calls."""

from __future__ import annotations

import pytest

from handlers.errors import BadCommand, InvalidTransition
from handlers.workflow import escalate
from models import Case
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
        assert replies[0] == "工单 0001 已升级为业委会督办。"
        assert any("【督办·业委会督办】" in r for r in desk.last_to_user("wang"))
        assert any("已升级为业委会督办" in r for r in desk.last_to_group("group-1"))


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
