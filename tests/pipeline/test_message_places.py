"""Where each problem of a message with several problems is, and which cases those problems may join."""

from __future__ import annotations

from sqlalchemy import select

from handlers.directory import bind_chat, chat_for
from models import Case, Compound
from tests.helpers import later
from tests.workflow.desk import Desk, open_desk


async def bind_group(desk: Desk, chat_id: str, title: str) -> None:
    async with desk.services.sessionmaker() as session, session.begin():
        chat = await chat_for(session, "test", chat_id, title=title)
        await bind_chat(session, chat, await session.get_one(Compound, desk.compound.id), later(0))


async def cases_of(desk: Desk) -> list[Case]:
    async with desk.services.sessionmaker() as session:
        return list(await session.scalars(select(Case).order_by(Case.seq)))


async def test_later_problem_keeps_building_named_before(db_url):
    async with open_desk(db_url) as desk:
        await bind_group(desk, "group-2", "阳光花园二号业主群")
        await desk.say("32栋楼道灯也不亮", sender="r1")
        replies = await desk.say("34栋电梯坏了，另外楼道灯也不亮", sender="r2", chat_id="group-2", at=later(5))

        lamp_32, lift, lamp_34 = await cases_of(desk)
        assert lamp_32.reporter_count == 1
        assert (lift.building, lift.summary) == ("34", "34栋电梯坏了")
        assert (lamp_34.building, lamp_34.place) == ("34", "楼道")
        assert desk.results[-1].opened == 2
        assert not any("0001" in text for text in replies)


async def test_place_carries_only_forward(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("单元门禁又坏了，还有南门的路灯也不亮", sender="r1")

        door, lamp = await cases_of(desk)
        assert (door.building, door.place) == (None, None)
        assert lamp.place == "南门"


async def test_fee_part_of_message_has_no_building(db_url):
    async with open_desk(db_url) as desk:
        replies = await desk.say("10栋门口有人乱停车，还有12栋楼下垃圾两天没清了，另外物业费涨价也没公示", sender="r1")

        parking, rubbish, fees = await cases_of(desk)
        assert parking.building == "10"
        assert (rubbish.building, rubbish.place) == ("12", "楼下")
        assert fees.category == "fees"
        assert (fees.building, fees.unit, fees.room, fees.place) == (None, None, None, None)
        fee_line = next(line for line in replies[0].splitlines() if "工单 0003" in line)
        assert "「物业费涨价也没公示」" in fee_line
        assert "10栋" not in fee_line
        assert "楼下" not in fee_line


async def test_fee_part_joins_fee_case_of_other_building(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("物业费涨价也没公示，凭什么", sender="r1")
        await desk.say("10栋门口有人乱停车，另外物业费涨价也没公示", sender="r2", at=later(30))

        fees, parking = await cases_of(desk)
        assert fees.reporter_count == 2
        assert fees.building is None
        assert parking.building == "10"


async def test_trailing_address_skips_fee_part(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("楼道灯坏了，另外物业费涨价也没公示，是5栋1单元的", sender="r1")

        lamp, fees = await cases_of(desk)
        assert (lamp.building, lamp.unit) == ("5", "1")
        assert fees.building is None
