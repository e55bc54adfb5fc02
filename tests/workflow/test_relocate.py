"""改位置: an officer sets where a case is, and everyone the case concerns hears of it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers.directory import bind_chat, chat_for
from models import CaseStatus, Compound, Identity
from tests.helpers import T0, later
from tests.workflow.desk import STAFF_GROUP, Desk, open_desk

LEAK = "3栋2单元1002室厨房天花板漏水了"


async def member_id(desk: Desk, user_id: str) -> int:
    async with desk.services.sessionmaker() as session:
        return await session.scalar(select(Identity.member_id).where(Identity.platform_user_id == user_id))


async def location(desk: Desk, seq: int) -> tuple[str | None, ...]:
    case = await desk.case(seq)
    return case.building, case.unit, case.room, case.place


async def test_officer_moves_open_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("受理 0001", sender="wang", at=later(5))

        replies = await desk.say("改位置 0001 5栋2单元1002室", sender="officer", chat_id=STAFF_GROUP, at=later(30))

        assert await location(desk, 1) == ("5", "2", "1002", None)
        case = await desk.case(1)
        assert case.status == CaseStatus.ACKNOWLEDGED
        assert case.updated_at == later(30)
        assert replies[0] == (
            "工单 0001 的位置由“3栋2单元1002室”更正为“5栋2单元1002室”，已通知阳光花园物业服务中心按新位置处理。"
        )
        (party_note,) = desk.last_to_user("wang")
        assert party_note.startswith("【位置更正】阳光花园 工单 0001（设施报修）\n位置：5栋2单元1002室\n")
        assert party_note.endswith("说明：位置由“3栋2单元1002室”更正为“5栋2单元1002室”，请按新位置处理。")
        (detail,) = desk.last_to_user("r1")
        assert detail.startswith("您好，您反映的工单 0001（设施报修）的位置由“3栋2单元1002室”更正为“5栋2单元1002室”。")
        (group_note,) = desk.last_to_group("group-1")
        assert "位置由“3栋2单元****”更正为“5栋2单元****”。" in group_note
        assert "1002" not in group_note


async def test_relocation_recorded_in_history(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        await desk.say("改位置 0001 5栋", sender="officer", chat_id=STAFF_GROUP, at=later(10))

        event = (await desk.events(1))[-1]
        assert event.kind == "relocated"
        assert event.at == later(10)
        assert event.actor_id == await member_id(desk, "officer")
        assert event.note == "由“3栋2单元1002室”改为“5栋”"
        assert event.data["previous_location"] == {"building": "3", "unit": "2", "room": "1002", "place": None}
        assert event.data["location"] == {"building": "5", "unit": None, "room": None, "place": None}
        assert event.data["from"] == event.data["to"] == CaseStatus.NEW

        history = await desk.say("查询 0001", sender="r1", chat_id="r1", private=True, at=later(20))

        assert "更正位置（居民officer）：由“3栋2单元1002室”改为“5栋”" in history[0]
        assert "relocated" not in history[0]


async def test_text_replaces_whole_location(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say(
            "改位置 0001 实际是东门旁边的岗亭", sender="officer", chat_id=STAFF_GROUP, at=later(10)
        )

        assert await location(desk, 1) == (None, None, None, "东门")
        assert "位置由“3栋2单元1002室”更正为“东门”" in replies[0]


async def test_chinese_numerals_read(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        await desk.say("改位置 0001 五栋三单元 1202", sender="officer", chat_id=STAFF_GROUP, at=later(10))

        assert await location(desk, 1) == ("5", "3", "1202", None)


async def test_case_without_place_gets_one(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("电梯又坏了", sender="r1")
        assert await location(desk, 1) == (None, None, None, None)

        replies = await desk.say("改位置 0001 8号楼", sender="officer", chat_id=STAFF_GROUP, at=later(10))

        assert await location(desk, 1) == ("8", None, None, None)
        assert replies[0].startswith("工单 0001 的位置补充为“8栋”，")
        assert (await desk.events(1))[-1].note == "补充为“8栋”"


async def test_garage_level_set(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("地下车库漏水了", sender="r1")
        assert await location(desk, 1) == (None, None, None, "地下车库")

        replies = await desk.say("改位置 0001 地下车库负二层", sender="officer", chat_id=STAFF_GROUP, at=later(10))

        assert await location(desk, 1) == (None, None, None, "地下车库B2")
        assert "位置由“地下车库”更正为“地下车库B2”" in replies[0]


async def test_garage_level_spellings_same(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("地库负二层漏水了", sender="r1")

        replies = await desk.say("改位置 0001 地下车库B2", sender="officer", chat_id=STAFF_GROUP, at=later(10))

        assert replies[0] == "工单 0001 的位置已是“地下车库B2”，无需更改。"


async def test_triage_case_tells_no_party(db_url):
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("改位置 0001 5栋", sender="officer", chat_id=STAFF_GROUP, at=later(10))

        assert (await desk.case(1)).status == CaseStatus.TRIAGE
        assert await location(desk, 1) == ("5", None, None, None)
        assert "该工单尚待分类，派单时承办方会看到新位置" in replies[0]
        assert desk.last_to_user("wang") == []
        (detail,) = desk.last_to_user("r1")
        assert "承办：待小区专员确认" in detail


async def test_closed_case_only_record_changes(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("受理 0001", sender="wang", at=later(5))
        await desk.say("办结 0001 已修好", sender="wang", at=later(60))

        replies = await desk.say("改位置 0001 5栋2单元", sender="officer", chat_id=STAFF_GROUP, at=later(90))

        assert await location(desk, 1) == ("5", "2", None, None)
        assert (await desk.case(1)).status == CaseStatus.RESOLVED
        assert "该工单已办结，只更正记录，不再通知承办方" in replies[0]
        assert desk.last_to_user("wang") == []
        assert desk.last_to_user("r1") == []
        assert any("位置由“3栋2单元****”更正为“5栋2单元”" in text for text in desk.last_to_group("group-1"))


async def test_command_in_case_group_masked(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        await desk.say("改位置 0001 5栋2单元1002室", sender="officer", at=later(10))

        (answer,) = desk.last_to_group("group-1")
        assert answer.startswith("工单 0001（设施报修）5栋2单元****「3栋2单元****厨房天花板漏水了」：")
        assert answer.endswith("位置由“3栋2单元****”更正为“5栋2单元****”。")
        assert len(desk.last_to_user("r1")) == 1
        assert len(desk.last_to_user("wang")) == 1


async def test_command_in_other_resident_group_masked(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        async with desk.services.sessionmaker() as session, session.begin():
            chat = await chat_for(session, "test", "group-2", title="阳光花园二号业主群")
            await bind_chat(session, chat, await session.get_one(Compound, desk.compound.id), T0)

        await desk.say("改位置 0001 5栋2单元1002室", sender="officer", chat_id="group-2", at=later(10))

        (answer,) = desk.last_to_group("group-2")
        assert answer.startswith("工单 0001 的位置由“3栋2单元****”更正为“5栋2单元****”")
        assert "1002" not in answer


async def test_private_chat_shows_full_location(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("改位置 0001 5栋2单元1002室", sender="officer", chat_id="officer", private=True)

        assert replies[0].startswith("工单 0001 的位置由“3栋2单元1002室”更正为“5栋2单元1002室”")


async def test_relocation_sends_care_notice(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("登记住户 5栋2单元1002 张三 业主 独居老人", sender="officer", chat_id="officer", private=True)
        await desk.say(LEAK, sender="r1", at=later(1))

        replies = await desk.say("改位置 0001 5栋2单元1002室", sender="officer", chat_id=STAFF_GROUP, at=later(10))

        assert any(
            text.startswith("【关怀提示】阳光花园 工单 0001（5栋2单元1002室）：该户登记有独居老人") for text in replies
        )


@pytest.mark.parametrize(
    "command",
    [
        "更正位置 0001 5栋",
        "修改位置 0001 5栋",
        "更改位置 0001 5栋",
        "改地址 0001 5栋",
        "更正地址 0001 5栋",
        "/relocate 0001 5栋",
    ],
)
async def test_other_forms_relocate(db_url, command):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        await desk.say(command, sender="officer", chat_id=STAFF_GROUP, at=later(10))

        assert await location(desk, 1) == ("5", None, None, None)
        assert (await desk.events(1))[-1].kind == "relocated"


@pytest.mark.parametrize(
    ("command", "sender", "expected"),
    [
        ("改位置 0001 3栋2单元1002室", "officer", "工单 0001 的位置已是“3栋2单元1002室”，无需更改。"),
        ("改位置 0001", "officer", "请写上正确的位置，例如：改位置 0001 5栋2单元1002室"),
        ("改位置 0001 就在那边", "officer", "没有从“就在那边”中读出位置。请写明楼栋、单元、房号或地点"),
        ("改位置", "officer", "请写上工单号，例如：改位置 0034 5栋2单元1002室"),
        ("改位置 0099 5栋", "officer", "没有找到工单 0099，请核对工单号。"),
        ("改位置 abc 5栋", "officer", "“abc”不是有效的工单号"),
        ("改位置 5栋 0001", "officer", "“5栋”不是有效的工单号"),
        ("改位置 0001 5栋", "r1", "只有小区专员、党组织书记或社区、街道工作人员可以更正工单位置"),
        ("改位置 0001 5栋", "wang", "只有小区专员、党组织书记或社区、街道工作人员可以更正工单位置"),
        ("改位置 0002 5栋", "officer", "工单 0002 当前状态为“已合并”，不能更正位置。该工单已并入其他工单"),
        ("改位置 0002 就在那边", "officer", "不能更正位置"),
        (
            "改位置 0001 0栋2单元",
            "officer",
            "楼栋号“0”无效，应为 1 到 999 之间的数字。请重新发送，例如：改位置 0001 5栋",
        ),
        ("改位置 0001 零栋", "officer", "楼栋号“零”无效，应为 1 到 999 之间的数字。"),
        ("改位置 0001 1000号楼", "officer", "楼栋号“1000”无效，应为 1 到 999 之间的数字。"),
    ],
)
async def test_relocate_rejected(db_url, command, sender, expected):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("5号楼电梯又坏了", sender="r2")
        await desk.say("合并 0002 0001", sender="officer", chat_id=STAFF_GROUP)
        events_before = await desk.event_count()

        replies = await desk.say(command, sender=sender, at=later(10))

        assert expected in replies[0]
        assert await desk.event_count() == events_before
        assert await location(desk, 1) == ("3", "2", "1002", None)
        assert await location(desk, 2) == ("5", None, None, None)


async def test_disputed_place_reaches_officer(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("路灯不亮", sender="r1")
        await desk.say("是12栋1单元的", sender="r1", at=later(1))
        await desk.say("+1", sender="r2", at=later(2))

        replies = await desk.say("不对，是13栋的", sender="r1", at=later(3))

        assert (await desk.case(1)).building == "12"
        assert desk.last_to_group("group-1") == [
            "工单 0001 已有2位居民反映，位置暂不更改。已转告小区专员核实，确在13栋的，小区专员会用“改位置 0001”更正。"
        ]
        (note,) = desk.last_to_user("officer")
        assert note.startswith("【位置待核实】阳光花园 工单 0001（设施报修）\n现记位置：12栋1单元\n")
        assert note.endswith("核实属实请回复“改位置 0001 13栋1单元”。")
        assert len(replies) == 2

        await desk.say("改位置 0001 13栋1单元", sender="officer", chat_id=STAFF_GROUP, at=later(10))

        assert await location(desk, 1) == ("13", "1", None, None)


async def test_help_lists_relocate_for_officers(db_url):
    async with open_desk(db_url) as desk:
        officer_help = await desk.say("帮助", sender="officer", chat_id=STAFF_GROUP)
        resident_help = await desk.say("帮助", sender="r1")

        assert (
            "· 改位置：更正工单的位置（楼栋、单元、房号或地点），未写的部分会清空。例：改位置 0034 5栋2单元1002室"
            in (officer_help[0])
        )
        assert "改位置" not in resident_help[0]
