"""Follow-up lines in a chat: detail on one's own report, places, corrections and me-too replies."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from handlers.directory import bind_chat, chat_for
from models import Case, Compound, MessageOutcome
from tests.helpers import later
from tests.workflow.desk import Desk, open_desk


async def count_cases(desk: Desk) -> int:
    async with desk.services.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Case)) or 0


async def event_kinds(desk: Desk, seq: int) -> list[str]:
    return [event.kind for event in await desk.events(seq)]


async def bind_group(desk: Desk, chat_id: str, title: str) -> None:
    async with desk.services.sessionmaker() as session, session.begin():
        chat = await chat_for(session, "test", chat_id, title=title)
        await bind_chat(session, chat, await session.get_one(Compound, desk.compound.id), later(0))


async def test_place_line_places_own_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("垃圾桶满了没人倒", sender="r1")
        replies = await desk.say("10栋楼下", sender="r1", at=later(1))

        case = await desk.case(1)
        assert await count_cases(desk) == 1
        assert (case.building, case.place) == ("10", "楼下")
        assert replies[0].startswith("已补充位置：工单 0001 的位置记为10栋楼下")
        assert desk.results[-1].located == 1


@pytest.mark.parametrize(
    ("report", "address", "expected"),
    [
        ("楼道灯坏了", "8栋2单元，谢谢", ("8", "2")),
        ("我一个人住，腿脚不方便，家里灯泡坏了换不了，有没有志愿者能帮个忙", "2栋1单元，谢谢你啊姑娘", ("2", "1")),
        ("路灯不亮", "12栋的，麻烦你们了", ("12", None)),
    ],
)
async def test_address_with_thanks_places_case(db_url, report: str, address: str, expected: tuple):
    async with open_desk(db_url) as desk:
        await desk.say(report, sender="r1")
        replies = await desk.say(address, sender="r1", at=later(2))

        case = await desk.case(1)
        assert (case.building, case.unit) == expected
        assert replies[0].startswith("已补充位置：工单 0001")
        assert await count_cases(desk) == 1


async def test_correction_after_neighbour_joined(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("路灯不亮", sender="r1")
        await desk.say("是12栋的", sender="r1", at=later(1))
        await desk.say("+1", sender="r2", at=later(2))
        replies = await desk.say("不对，是13栋的", sender="r1", at=later(3))

        assert replies == [
            "工单 0001 已有2位居民反映，位置没有更改。如果位置确实有误，请发送“补充 0001 实际在13栋”，"
            "正确位置会记入工单并转告阳光花园物业服务中心；也可以联系小区专员核实。"
        ]
        assert desk.results[-1].outcome == MessageOutcome.IGNORED
        assert (await desk.case(1)).building == "12"
        assert "location_corrected" not in await event_kinds(desk, 1)


async def test_me_too_joins_case_discussed_here(db_url):
    async with open_desk(db_url) as desk:
        await bind_group(desk, "group-2", "阳光花园二号业主群")
        await desk.say("3号楼电梯坏了", sender="r1")
        await desk.say("阳光花园 6栋", sender="r6", chat_id="r6", private=True, at=later(1))
        await desk.say("6栋楼上邻居天天半夜剁肉吵得睡不着", sender="r6", chat_id="r6", private=True, at=later(2))
        await desk.say("3号楼电梯坏了", sender="r3", chat_id="group-2", at=later(3))
        replies = await desk.say("我也是", sender="r4", chat_id="group-2", at=later(4))

        lift, noise = await desk.case(1), await desk.case(2)
        assert "剁肉" in noise.summary
        assert lift.reporter_count == 3
        assert noise.reporter_count == 1
        assert any("已有工单 0001" in text for text in replies)
        assert not any("0002" in text for text in replies)


async def test_me_too_without_case_here_is_ignored(db_url):
    async with open_desk(db_url) as desk:
        await bind_group(desk, "group-2", "阳光花园二号业主群")
        await desk.say("阳光花园 6栋", sender="r6", chat_id="r6", private=True)
        await desk.say("6栋楼上邻居天天半夜剁肉吵得睡不着", sender="r6", chat_id="r6", private=True, at=later(1))
        replies = await desk.say("我也是", sender="r4", chat_id="group-2", at=later(2))

        assert replies == []
        assert desk.results[-1].outcome == MessageOutcome.IGNORED
        assert (await desk.case(1)).reporter_count == 1
