"""Two audiences for every update: reporters get the detail, the group a masked note."""

from __future__ import annotations

from handlers.masking import mask_for_group
from tests.helpers import later
from tests.workflow.desk import STAFF_GROUP, open_desk

REPORT = "3栋2单元1002室厨房天花板漏水了，有事打我电话13812345678"


async def test_group_note_masks_room_and_phone(db_url):
    async with open_desk(db_url) as desk:
        opened = await desk.say(REPORT, sender="r1")

        await desk.say("受理 0001", sender="wang", chat_id=STAFF_GROUP)

        group_note = desk.last_to_group("group-1")
        assert len(group_note) == 1
        assert "3栋2单元****" in group_note[0]
        assert "138****5678" in group_note[0]
        assert "1002" not in group_note[0]
        assert "13812345678" not in group_note[0]
        assert "已响应，正在处理" in group_note[0]
        assert "1002" not in opened[0]


async def test_reporters_get_detail_privately(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(REPORT, sender="r1", message_id="leak-1")
        await desk.say("我也是", sender="r2", reply_to="leak-1", at=later(1))

        await desk.say("受理 0001", sender="wang", chat_id=STAFF_GROUP)
        await desk.say("办结 0001 已重做厨房防水层", sender="wang", chat_id=STAFF_GROUP)

        for reporter in ("r1", "r2"):
            detail = desk.last_to_user(reporter)
            assert len(detail) == 1
            assert detail[0].startswith("您好，您反映的工单 0001（设施报修）已办结。")
            assert "说明：已重做厨房防水层" in detail[0]
            assert "评价 0001 满意" in detail[0]
        assert desk.last_to_user("wang") == []


async def test_command_in_case_group_answers_once(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(REPORT, sender="r1")

        replies = await desk.say("受理 0001", sender="wang")

        assert len(desk.last_to_group("group-1")) == 1
        assert "138****5678" in desk.last_to_group("group-1")[0]
        assert len(replies) == 2


async def test_query_in_group_masks_timeline(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(REPORT, sender="r1")
        await desk.say(
            "受理 0001 明天上午上门，联系13900001111", sender="wang", chat_id=STAFF_GROUP
        )

        in_group = await desk.say("查询 0001", sender="r1")
        private = await desk.say("查询 0001", sender="r1", chat_id="r1-private", private=True)

        assert "139****1111" in in_group[0]
        assert "13900001111" not in in_group[0]
        assert "1002" not in in_group[0]
        assert "3栋2单元1002室" in private[0]
        assert "办理记录" in private[0]
        # Staff appear by role in the group, residents by a masked name.
        assert "受理（物业管家）" in in_group[0]


def test_mask_for_group_example():
    assert (
        mask_for_group("3栋2单元1002室漏水，电话13812345678") == "3栋2单元****漏水，电话138****5678"
    )


async def test_private_report_gets_private_updates(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(desk.compound.code, sender="r7", chat_id="r7-private", private=True)
        opened = await desk.say(REPORT, sender="r7", chat_id="r7-private", private=True)

        await desk.say("受理 0001", sender="wang", chat_id=STAFF_GROUP)

        assert any("工单 0001" in r for r in opened)
        assert desk.last_to_group("group-1") == []
        detail = desk.last_to_user("r7")
        assert len(detail) == 1
        assert "已由阳光花园物业服务中心响应" in detail[0]


async def test_group_keeps_outside_reference_number(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(REPORT, sender="r1")

        answer = await desk.say("非本方职责 0001 已转交区供水热线，编号A123", sender="wang", at=later(5))
        history = await desk.say("查询 0001", sender="r1", at=later(6))

        assert "编号A123" in answer[0]
        assert "编号A****" not in answer[0]
        assert "编号A123" in history[0]
        assert "3栋2单元****" in history[0]
        assert "13812345678" not in history[0]


async def test_group_masks_phone_given_as_reference(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(REPORT, sender="r1")

        answer = await desk.say("非本方职责 0001 已转交燃气公司，回执号13912345678", sender="wang", at=later(5))

        assert "回执号139****5678" in answer[0]
        assert "13912345678" not in answer[0]


async def test_long_note_excerpted_for_group(db_url):
    note = "已更换老化水管并做闭水试验，" * 430 + "均无渗漏"
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")
        await desk.say("受理 0001", sender="wang")

        await desk.say(f"办结 0001 {note}", sender="wang")

        [group] = [text for text in desk.last_to_group("group-1") if "已办结" in text]
        assert f"{note[:200]}……（以上为节选，发送“查询 0001”可看全文）" in group
        assert len(group) < 400
        reporter = desk.last_to_user("r1")
        assert any(note in text for text in reporter)
        events = await desk.events(1)
        assert events[-1].note == note
