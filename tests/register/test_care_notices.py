"""The 【关怀提示】 reaches the register's keepers once per case and dwelling, also for merged reports."""

from __future__ import annotations

from sqlalchemy import func, select

from models import CareNotice, Case
from tests.helpers import later
from tests.workflow.desk import Desk, open_desk


async def register_elderly(desk: Desk, address: str) -> None:
    await desk.say(
        f"登记住户 {address} 张三 业主 独居老人", sender="officer", chat_id="officer-private", private=True
    )


def notice(number: str, address: str) -> str:
    return f"【关怀提示】阳光花园 工单 {number}（{address}）：该户登记有独居老人，上门处理时请留意，必要时提醒承办方。"


async def count(desk: Desk, model: type) -> int:
    async with desk.services.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_flat_below_in_merged_leak_gets_notice(db_url):
    async with open_desk(db_url) as desk:
        await register_elderly(desk, "3栋2单元1102")
        opened = await desk.say("3栋2单元1202卫生间漏水，漏到楼下1102了", sender="r1", at=later(1))

        joined = await desk.say("3栋2单元1102天花板漏水，是楼上1202漏下来的", sender="r2", at=later(20))

        assert not any("关怀提示" in text for text in opened)
        assert await count(desk, Case) == 1
        assert desk.last_to_user("officer") == [notice("0001", "3栋2单元1102室")]
        assert any("已有工单 0001" in text for text in joined)
        assert not any("独居" in text for text in desk.last_to_group())
        assert not any("独居" in text for text in desk.last_to_user("wang"))


async def test_notice_once_per_case_and_dwelling(db_url):
    async with open_desk(db_url) as desk:
        await register_elderly(desk, "3栋2单元1102")
        await desk.say("3栋2单元1202卫生间漏水，漏到楼下1102了", sender="r1", at=later(1))
        await desk.say("3栋2单元1102天花板漏水，是楼上1202漏下来的", sender="r2", at=later(20))

        again = await desk.say("3栋2单元1102室天花板还在漏水", sender="r3", at=later(40))

        assert (await desk.case(1)).reporter_count == 3
        assert not any("关怀提示" in text for text in again)
        assert await count(desk, CareNotice) == 1


async def test_joined_report_at_opening_flat_sends_nothing_new(db_url):
    async with open_desk(db_url) as desk:
        await register_elderly(desk, "3栋2单元1002")
        opened = await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1", at=later(1))

        joined = await desk.say("3栋2单元1002室卫生间也在漏水，很严重", sender="r2", at=later(5))

        assert opened.count(notice("0001", "3栋2单元1002室")) == 1
        assert any("已有工单 0001" in text for text in joined)
        assert not any("关怀提示" in text for text in joined)


async def test_report_joining_case_without_room_gets_notice(db_url):
    async with open_desk(db_url) as desk:
        await register_elderly(desk, "3栋2单元1002")
        await desk.say("3栋2单元电梯又坏了", sender="r1", at=later(1))

        joined = await desk.say("我家3栋2单元1002，电梯坏了老人下不了楼", sender="r2", at=later(30))

        assert await count(desk, Case) == 1
        assert any("已有工单 0001" in text for text in joined)
        assert desk.last_to_user("officer") == [notice("0001", "3栋2单元1002室")]


async def test_bare_address_placing_case_gets_notice(db_url):
    async with open_desk(db_url) as desk:
        await register_elderly(desk, "3栋2单元1002")
        await desk.say("厨房天花板漏水了", sender="r1", at=later(1))

        placed = await desk.say("是3栋2单元1002的", sender="r1", at=later(3))

        assert (await desk.case(1)).room == "1002"
        assert any("已补充位置：工单 0001" in text for text in placed)
        assert desk.last_to_user("officer") == [notice("0001", "3栋2单元1002室")]


async def test_me_too_with_address_gets_notice(db_url):
    async with open_desk(db_url) as desk:
        await register_elderly(desk, "3栋2单元1002")
        await desk.say("电梯又坏了", sender="r1", at=later(1))

        joined = await desk.say("我家也是，3栋2单元1002", sender="r2", at=later(3))

        assert (await desk.case(1)).reporter_count == 2
        assert any("已有工单 0001" in text for text in joined)
        assert desk.last_to_user("officer") == [notice("0001", "3栋2单元1002室")]
