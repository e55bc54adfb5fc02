"""A reporter's lines that place their own case count as location changes, not as joins."""

from __future__ import annotations

import pytest

from handlers.intake import IntakeResult
from models import MessageOutcome
from tests.helpers import later
from tests.workflow.desk import open_desk


def assert_located(result: IntakeResult) -> None:
    assert result.outcome == MessageOutcome.ATTACHED
    assert result.located == 1
    assert result.attached == 0


async def test_bare_address_places_own_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("路灯不亮", sender="r1")

        replies = await desk.say("是12栋的", sender="r1", at=later(1))

        assert replies[0].startswith("已补充位置：工单 0001")
        assert_located(desk.results[-1])


async def test_correction_places_own_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("5栋路灯不亮", sender="r1")

        replies = await desk.say("不对，是6栋的", sender="r1", at=later(1))

        assert replies[0].startswith("已更正位置：工单 0001")
        assert_located(desk.results[-1])


async def test_repeat_with_building_places_own_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("楼道灯坏了", sender="r1")

        replies = await desk.say("8栋楼道灯坏了", sender="r1", at=later(1))

        assert replies[0].startswith("已补充位置：工单 0001")
        assert_located(desk.results[-1])


async def test_neighbour_me_too_is_join(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("路灯不亮", sender="r1")

        await desk.say("+1", sender="r2", at=later(1))

        result = desk.results[-1]
        assert result.attached == 1
        assert result.located == 0


async def test_list_line_opens_case_per_problem(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("9栋楼道灯坏了,垃圾没人清,车库有人飞线充电", sender="r1")

        cases = [await desk.case(seq) for seq in (1, 2, 3)]
        assert [case.category for case in cases] == ["repair", "sanitation", "safety"]
        assert [case.summary for case in cases] == ["9栋楼道灯坏了", "垃圾没人清", "车库有人飞线充电"]


async def test_address_line_places_every_case_of_report(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("楼道灯不亮了，另外垃圾桶也满了没人倒，还有地库有积水", sender="r1")
        replies = await desk.say("是5栋1单元的", sender="r1", at=later(1))

        lamp, bins, garage = [await desk.case(seq) for seq in (1, 2, 3)]
        assert [case.summary for case in (lamp, bins, garage)] == ["楼道灯不亮了", "垃圾桶也满了没人倒", "地库有积水"]
        assert (lamp.building, lamp.unit) == ("5", "1")
        assert (bins.building, bins.unit) == ("5", "1")
        # The garage was the place its problem named, and it is no part of 5栋1单元.
        assert (garage.building, garage.unit, garage.place) == (None, None, "地库")
        assert len(replies) == 1
        assert [line[:17] for line in replies[0].split("\n")] == [
            "已补充位置：工单 0001 的位置",
            "已补充位置：工单 0002 的位置",
        ]
        assert desk.results[-1].case_ids == [lamp.id, bins.id]
        assert_located(desk.results[-1])


async def test_address_line_skips_placed_last_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("楼道灯不亮了，另外3栋电梯也坏了", sender="r1")
        replies = await desk.say("是5栋的", sender="r1", at=later(1))

        lamp, lift = await desk.case(1), await desk.case(2)
        assert lamp.building == "5"
        assert lift.building == "3"
        assert [line[:17] for line in replies[0].split("\n")] == ["已补充位置：工单 0001 的位置"]


async def test_address_line_repeated_moves_nothing(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("楼道灯不亮了，另外3栋电梯也坏了", sender="r1")
        await desk.say("是5栋的", sender="r1", at=later(1))

        replies = await desk.say("是6栋的", sender="r1", at=later(2))

        assert replies == []
        assert (await desk.case(1)).building == "5"
        assert (await desk.case(2)).building == "3"


async def test_address_line_places_single_garage_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("地库有积水", sender="r1")

        replies = await desk.say("是5栋的", sender="r1", at=later(1))

        garage = await desk.case(1)
        assert (garage.building, garage.place) == ("5", "地库")
        assert replies[0].startswith("已补充位置：工单 0001")


async def test_address_line_skips_fee_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("物业费又涨了，也没开业主大会", sender="r1")

        replies = await desk.say("是5栋的", sender="r1", at=later(1))

        assert len(replies) == 1
        assert replies[0].startswith("收到“5栋”。工单 0001 涉及全小区，")
        assert "位置没有改动" in replies[0]
        assert (await desk.case(1)).building is None


async def test_correction_skips_fee_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("物业费又涨了，也没开业主大会", sender="r1")

        replies = await desk.say("不对，是5栋的", sender="r1", at=later(1))

        assert len(replies) == 1
        assert "工单 0001 涉及全小区" in replies[0]
        assert (await desk.case(1)).building is None


async def test_correction_keeps_room(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("楼上又在拖椅子蹦迪，都快十二点了！1502的能不能注意点", sender="r1")
        replies = await desk.say("不对，是13栋的", sender="r1", at=later(1))

        case = await desk.case(1)
        assert (case.building, case.room) == ("13", "1502")
        assert replies[0].startswith("已更正位置：工单 0001")
        assert "location_corrected" in [event.kind for event in await desk.events(1)]
        assert_located(desk.results[-1])


async def test_correction_of_building_keeps_unit_and_room(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("5栋2单元1102卫生间天花板漏水", sender="r1")
        replies = await desk.say("搞错了，是6栋的", sender="r1", at=later(1))

        case = await desk.case(1)
        assert (case.building, case.unit, case.room) == ("6", "2", "1102")
        assert replies[0].startswith("已更正位置：工单 0001")


async def test_address_line_keeps_room(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("楼上又在拖椅子蹦迪，都快十二点了！1502的能不能注意点", sender="r1")
        replies = await desk.say("是13栋的", sender="r1", at=later(1))

        case = await desk.case(1)
        assert (case.building, case.room) == ("13", "1502")
        assert replies[0].startswith("已补充位置：工单 0001")


@pytest.mark.parametrize(
    ("text", "number"),
    [("99999栋", "99999"), ("0栋", "0"), ("零栋", "零"), ("〇栋", "〇"), ("不对，是1000号楼的", "1000")],
)
async def test_out_of_range_building_rejected(db_url, text, number):
    async with open_desk(db_url) as desk:
        await desk.say("5栋路灯不亮", sender="r1")

        replies = await desk.say(text, sender="r1", at=later(1))

        assert replies == [f"楼栋号“{number}”无效，应为 1 到 999 之间的数字。请重新发送，例如“3栋2单元”。"]
        assert (await desk.case(1)).building == "5"
        assert desk.results[-1].outcome == MessageOutcome.IGNORED


async def test_out_of_range_building_without_case(db_url):
    async with open_desk(db_url) as desk:
        replies = await desk.say("99999栋", sender="r1")

        assert replies == ["楼栋号“99999”无效，应为 1 到 999 之间的数字。请重新发送，例如“3栋2单元”。"]
        assert desk.results[-1].case_ids == []
