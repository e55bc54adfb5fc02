"""Ratings of resolved cases: each resident's newest rating is the one statistics count."""

from __future__ import annotations

from sqlalchemy import select

from models import CaseEvent
from tests.helpers import later
from tests.workflow.desk import STAFF_GROUP, open_desk


async def test_second_rating_replaces_first(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")
        await desk.say("3栋2单元1002室卫生间也在漏水", sender="r2", at=later(2))
        await desk.say("受理 0001", sender="wang", at=later(10))
        await desk.say("办结 0001 已重做防水层", sender="wang", at=later(20))

        first = await desk.say("评价 0001 满意", sender="r1", at=later(30))
        second = await desk.say("评价 0001 满意", sender="r1", at=later(31))
        third = await desk.say("评价 0001 3分", sender="r1", at=later(32))
        other = await desk.say("评价 0001 基本满意", sender="r2", at=later(33))
        replies = await desk.say("统计 本月", sender="officer", chat_id=STAFF_GROUP, at=later(40))

        assert any("感谢您的评价" in r for r in first)
        assert any("已更新您对工单 0001 的评价（满意）" in r for r in second)
        assert any("已更新您对工单 0001 的评价" in r for r in third)
        assert any("感谢您的评价" in r for r in other)
        assert "满意率 100.0%（2/2）" in replies[0]
        async with desk.services.sessionmaker() as session:
            kinds = list(await session.scalars(select(CaseEvent.kind).order_by(CaseEvent.id)))
        assert kinds.count("rated") == 2
        assert kinds.count("rating_replaced") == 2


async def test_changed_mind_counts_newest(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")
        await desk.say("受理 0001", sender="wang", at=later(10))
        await desk.say("办结 0001 已重做防水层", sender="wang", at=later(20))
        await desk.say("评价 0001 满意", sender="r1", at=later(30))
        await desk.say("评价 0001 不满意 还是在滴水", sender="r1", at=later(31))

        replies = await desk.say("统计 本月", sender="officer", chat_id=STAFF_GROUP, at=later(40))

        assert "满意率 0.0%（0/1）" in replies[0]
        assert "不满意1次" in replies[0]
