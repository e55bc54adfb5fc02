"""Residents asking how their own cases are going, by number or by the word 工单."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from models import Case, MessageOutcome
from tests.helpers import later, message
from tests.workflow.desk import STAFF_GROUP, Desk, open_desk

LIFT = "12栋1单元电梯又停了，我妈腿脚不好下不去"
DRAIN = "3栋2单元902厨房下水道堵了，往上冒水"


async def count_cases(desk: Desk) -> int:
    async with desk.services.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Case)) or 0


async def test_own_case_question_opens_nothing(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")

        replies = await desk.say("我的电梯工单怎么样了", sender="r1", at=later(60 * 24))

        assert replies == []
        assert desk.results[-1].outcome == MessageOutcome.IGNORED
        assert await count_cases(desk) == 1


async def test_own_case_question_listed_when_addressed(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")

        addressed = replace(message("@机器人 我报的工单有人管吗", sender="r1", at=later(60)), mentions_bot=True)
        replies = await desk.send(addressed)

        assert len(replies) == 1
        assert replies[0].startswith("您反映的工单：")
        assert "0001" in replies[0]
        assert await count_cases(desk) == 1


async def test_chase_by_number_joins_that_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")
        await desk.say(DRAIN, sender="r2", at=later(60 * 24))

        replies = await desk.say("0001怎么还没修好", sender="r1", at=later(60 * 24 + 2))

        assert await count_cases(desk) == 2
        assert desk.results[-1].case_ids == [(await desk.case(1)).id]
        assert (await desk.case(2)).reporter_count == 1
        assert any("工单 0001" in text for text in replies)
        assert not any("0002" in text for text in replies)


async def test_chase_of_closed_case_points_to_reopen(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")
        await desk.say("受理 0001", sender="wang", chat_id=STAFF_GROUP, at=later(10))
        await desk.say("办结 0001 已修好", sender="wang", chat_id=STAFF_GROUP, at=later(20))
        await desk.say("评价 0001 满意", sender="r1", at=later(30))
        await desk.say(DRAIN, sender="r2", at=later(60 * 24))

        replies = await desk.say("0001怎么还没修好", sender="r1", at=later(60 * 24 + 2))

        assert replies == ["工单 0001 当前状态为“已关闭”。如问题仍未解决，可发送“重开 0001 原因”。"]
        assert await count_cases(desk) == 2
        assert (await desk.case(2)).reporter_count == 1


async def test_case_question_without_cases_opens_nothing(db_url):
    async with open_desk(db_url) as desk:
        in_group = await desk.say("我报的工单有人管吗", sender="r1")
        in_private = await desk.say("我报的工单有人管吗", sender="r1", private=True, at=later(1))

        assert in_group == []
        assert in_private == ["您目前没有反映过的工单。直接发消息描述遇到的问题即可登记。"]
        assert await count_cases(desk) == 0


async def test_private_question_before_home_lists_cases(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")

        replies = await desk.say("我报的工单有人管吗", sender="r1", private=True, at=later(60))

        assert len(replies) == 1
        assert replies[0].startswith("您反映的工单：")
        assert "已记下" not in replies[0]
        assert await count_cases(desk) == 1


async def test_thing_question_without_cases_opens_nothing(db_url):
    async with open_desk(db_url) as desk:
        replies = await desk.say("我的电梯工单怎么样了", sender="r1")
        leak = await desk.say("我报的漏水工单怎么还没人处理", sender="r2", at=later(1))

        assert replies == ["您目前没有反映过的工单。直接发消息描述遇到的问题即可登记。"]
        assert leak == replies
        assert desk.results[-1].outcome == MessageOutcome.IGNORED
        assert await count_cases(desk) == 0


async def test_chase_of_missing_number_joins_nothing(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")

        replies = await desk.say("0009怎么还没修好", sender="r2", at=later(2))

        assert replies == ["没有找到工单 0009，请核对工单号。发送“我的工单”可查看您反映过的工单。"]
        assert desk.results[-1].outcome == MessageOutcome.IGNORED
        assert (await desk.case(1)).reporter_count == 1
        assert await count_cases(desk) == 1


async def test_time_in_report_is_no_case_number(db_url):
    async with open_desk(db_url) as desk:
        replies = await desk.say("停水通知说0800开始，到现在3栋还没来水", sender="r1")

        assert replies[0].startswith("已登记：工单 0001")
        assert await count_cases(desk) == 1


async def test_case_question_with_danger_is_a_report(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")

        replies = await desk.say("工单怎么还没人处理，电梯里有人被困了！", sender="r2", at=later(30))

        assert desk.results[-1].outcome != MessageOutcome.IGNORED
        assert replies[0].startswith("被困人员请按电梯警铃")


async def test_case_question_with_another_fault_is_a_report(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")

        await desk.say("我的工单怎么还没处理，现在楼道灯也坏了", sender="r1", at=later(60 * 24))

        assert await count_cases(desk) == 2
