"""A report naming a building no building can have (0栋, 1000栋) opens its case without one."""

from __future__ import annotations

import pytest

from tests.helpers import later
from tests.workflow.desk import open_desk

NOTE = "楼栋号“{}”无效，应为 1 到 999 之间的数字。工单暂未记录楼栋，请回复正确的楼栋，例如“不对，是3栋的”。"


@pytest.mark.parametrize(
    ("text", "typed"),
    [("0栋电梯坏了", "0"), ("零栋电梯坏了", "零"), ("1000栋电梯坏了", "1000"), ("0号楼2单元楼道灯不亮", "0")],
)
async def test_invalid_building_not_stored(db_url, text, typed):
    async with open_desk(db_url) as desk:
        replies = await desk.say(text, sender="r1")

        case = await desk.case(1)
        assert case.building is None
        assert len(replies) >= 1
        receipt = replies[0].splitlines()
        assert receipt[0].startswith("已登记：工单 0001")
        assert receipt[-1] == NOTE.format(typed)


async def test_invalid_building_corrected_later(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("0栋电梯坏了", sender="r1")

        replies = await desk.say("不对，是3栋的", sender="r1", at=later(1))

        assert (await desk.case(1)).building == "3"
        assert replies[0].startswith("已更正位置：工单 0001 的位置改为3栋")


async def test_invalid_building_in_private_chat(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("阳光花园 5栋", sender="r1", chat_id="r1", private=True)

        replies = await desk.say("0栋电梯坏了", sender="r1", chat_id="r1", private=True, at=later(1))

        # The home building is no guess at what the resident meant by 0栋.
        assert (await desk.case(1)).building is None
        assert replies[0].splitlines()[-1] == NOTE.format("0")


async def test_valid_building_gets_no_note(db_url):
    async with open_desk(db_url) as desk:
        replies = await desk.say("9栋电梯坏了", sender="r1")

        assert (await desk.case(1)).building == "9"
        assert "无效" not in replies[0]
