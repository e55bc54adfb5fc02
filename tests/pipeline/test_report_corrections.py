"""Address lines after a report with several problems: 「不对，是6栋的」 and 「3栋2单元」."""

from __future__ import annotations

from models import MessageOutcome
from tests.helpers import later
from tests.workflow.desk import open_desk

THREE_PROBLEMS = "5栋电梯坏了，另外楼道灯也不亮，还有东门道闸坏了"


async def test_correction_moves_every_case_at_building(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(THREE_PROBLEMS, sender="r1")

        replies = await desk.say("不对，是6栋的", sender="r1", at=later(1))

        lift, lamp, gate = [await desk.case(seq) for seq in (1, 2, 3)]
        assert lift.building == "6"
        assert (lamp.building, lamp.place) == ("6", "楼道")
        assert (gate.building, gate.place) == (None, "东门")
        assert replies == [
            "已更正位置：工单 0001 改为6栋，工单 0002 改为6栋楼道。发送“查询”加工单号可看进度。\n"
            "工单 0003 在东门，不在某一栋楼内，位置未改。"
        ]
        assert desk.results[-1].case_ids == [lift.id, lamp.id]
        assert desk.results[-1].outcome == MessageOutcome.ATTACHED
        assert desk.results[-1].located == 1


async def test_correction_records_event_per_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(THREE_PROBLEMS, sender="r1")

        await desk.say("不对，是6栋的", sender="r1", at=later(1))

        kinds = [[event.kind for event in await desk.events(seq)] for seq in (1, 2, 3)]
        assert "location_corrected" in kinds[0]
        assert "location_corrected" in kinds[1]
        assert "location_corrected" not in kinds[2]


async def test_correction_skips_compound_wide_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("5栋楼道灯不亮了，另外物业费又涨了也没开业主大会", sender="r1")

        replies = await desk.say("不对，是6栋的", sender="r1", at=later(1))

        lamp, fee = await desk.case(1), await desk.case(2)
        assert lamp.building == "6"
        assert fee.building is None
        assert replies == [
            "已更正位置：工单 0001 的位置改为6栋楼道。发送“查询 0001”可看进度。\n"
            "工单 0002 涉及全小区，不在某一栋楼内，位置未改。"
        ]


async def test_correction_keeps_case_neighbours_joined(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(THREE_PROBLEMS, sender="r1")
        await desk.say("+1", sender="r2", at=later(1))

        replies = await desk.say("不对，是6栋的", sender="r1", at=later(2))

        lift, lamp = await desk.case(1), await desk.case(2)
        assert lift.reporter_count == 2
        assert lift.building == "5"
        assert lamp.building == "6"
        group = desk.last_to_group()
        assert len(group) == 1
        assert group[0].startswith("已更正位置：工单 0002 的位置改为6栋楼道。")
        assert "工单 0001 已有2位居民反映，位置暂不更改。" in group[0]
        assert "工单 0003 在东门" in group[0]
        assert any("改位置 0001" in text for text in replies[1:])
        assert desk.results[-1].case_ids == [lamp.id]


async def test_correction_across_buildings_moves_nothing(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("5栋电梯坏了，另外3栋楼道灯也不亮", sender="r1")

        replies = await desk.say("不对，是6栋的", sender="r1", at=later(1))

        assert (await desk.case(1)).building == "5"
        assert (await desk.case(2)).building == "3"
        assert len(replies) == 1
        assert replies[0].startswith("您这次反映的问题在不同楼栋：工单 0001 在5栋，工单 0002 在3栋楼道。")
        assert desk.results[-1].outcome == MessageOutcome.IGNORED


async def test_address_after_outside_places_answered(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("东门道闸坏了，另外地下车库有积水", sender="r1")

        replies = await desk.say("3栋2单元", sender="r1", at=later(1))

        gate, garage = await desk.case(1), await desk.case(2)
        assert (gate.building, gate.place) == (None, "东门")
        assert (garage.building, garage.place) == (None, "地下车库")
        assert replies == [
            "收到“3栋2单元”。工单 0001 在东门，工单 0002 在地下车库，都不在某一栋楼内，位置没有改动。"
            "如果位置确实有误，请联系小区专员更正。"
        ]
        assert desk.results[-1].outcome == MessageOutcome.IGNORED
        assert desk.results[-1].case_ids == []


async def test_address_after_gate_and_fee_answered(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("东门道闸坏了，另外物业费又涨了", sender="r1")

        replies = await desk.say("是3栋2单元的", sender="r1", at=later(1))

        assert (await desk.case(1)).building is None
        assert (await desk.case(2)).building is None
        assert len(replies) == 1
        assert "工单 0001 在东门，工单 0002 涉及全小区，都不在某一栋楼内" in replies[0]


async def test_address_after_single_fee_answered(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("物业费又涨了", sender="r1")

        replies = await desk.say("3栋", sender="r1", at=later(1))

        assert replies == [
            "收到“3栋”。工单 0001 涉及全小区，不在某一栋楼内，位置没有改动。如果位置确实有误，请联系小区专员更正。"
        ]
        assert (await desk.case(1)).building is None


async def test_correction_sends_care_notice_per_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(
            "登记住户 6栋2单元1002 张三 业主 独居老人", sender="officer", chat_id="officer-private", private=True
        )
        await desk.say("5栋2单元1002室厨房天花板漏水，另外楼道灯也不亮", sender="r1", at=later(1))

        await desk.say("不对，是6栋的", sender="r1", at=later(2))

        leak = await desk.case(1)
        assert (leak.building, leak.unit, leak.room) == ("6", "2", "1002")
        assert (await desk.case(2)).building == "6"
        assert desk.last_to_user("officer") == [
            "【关怀提示】阳光花园 工单 0001（6栋2单元1002室）：该户登记有独居老人，上门处理时请留意，必要时提醒承办方。"
        ]


async def test_correction_places_case_without_building(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("楼上天天半夜拖椅子，另外5栋电梯坏了", sender="r1")
        noise, lift = await desk.case(1), await desk.case(2)
        assert noise.building is None
        assert lift.building == "5"

        replies = await desk.say("不对，是6栋的", sender="r1", at=later(1))

        noise, lift = await desk.case(1), await desk.case(2)
        assert lift.building == "6"
        # The resident named one building for the report, so the flat above
        # is in the building they correct it to.
        assert noise.building == "6"
        assert replies[0].startswith("已更正位置：工单 0001 改为6栋，工单 0002 改为6栋。")
        assert desk.results[-1].case_ids == [noise.id, lift.id]


async def test_correction_leaves_outside_case_without_building(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("东门道闸坏了，另外5栋电梯坏了", sender="r1")

        await desk.say("不对，是6栋的", sender="r1", at=later(1))

        gate, lift = await desk.case(1), await desk.case(2)
        assert lift.building == "6"
        assert (gate.building, gate.place) == (None, "东门")


async def test_correction_to_same_building_answered(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("9栋电梯坏了", sender="r1")

        replies = await desk.say("不对，是9栋的", sender="r1", at=later(1))

        assert replies == ["工单 0001 登记的位置就是9栋，无需更正。发送“查询 0001”可看进度。"]
        assert desk.results[-1].outcome == MessageOutcome.IGNORED
        assert [event.kind for event in await desk.events(1)].count("location_corrected") == 0


async def test_bare_address_of_same_building_stays_quiet(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("9栋电梯坏了", sender="r1")

        replies = await desk.say("9栋", sender="r1", at=later(1))

        assert replies == []
