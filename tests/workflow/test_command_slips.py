"""Staff commands typed with small slips: colons, 工单, a second number, an unknown verb."""

from __future__ import annotations

from dataclasses import replace

import pytest

from handlers.workflow import Rating
from models import CaseTimer
from tests.helpers import T0, later, message
from tests.workflow.desk import STAFF_GROUP, open_desk

LEAK = "3栋2单元1002室厨房天花板漏水了"
LAMP = "5栋楼道灯坏了好几天了"


@pytest.mark.parametrize(
    "command",
    [
        "受理：0001",
        "受理:0001",
        "受理 ：0001",
        "受理工单0001",
        "受理 工单 0001",
        "受理 工单0001",
        "受理0001",
        "受理 工单号0001",
        "受理工单号0001",
        "受理 工单号：0001",
        "受理 工单编号 0001",
        "受理 #0001",
    ],
)
async def test_acknowledge_despite_slip(db_url, command):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say(command, sender="wang", chat_id=STAFF_GROUP)

        assert replies[0].startswith("已受理工单 0001")
        assert (await desk.case(1)).status == "acknowledged"


@pytest.mark.parametrize(
    "command",
    [
        "受理【0001】",
        "受理 【0001】",
        "受理（0001）",
        "受理 (0001)",
        "受理“0001”",
        "受理「0001」",
        "受理 [0001]",
        "受理【工单0001】",
        "受理 0001\u200b",
        "\u200b受理 0001",
        "受理\ufeff 0001",
    ],
)
async def test_acknowledge_bracketed_or_invisible(db_url, command):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say(command, sender="wang", chat_id=STAFF_GROUP)

        assert replies[0].startswith("已受理工单 0001")
        assert (await desk.case(1)).status == "acknowledged"


async def test_bracketed_numbers_merge_note_kept(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say(LAMP, sender="r2")
        await desk.say("合并【0002】【0001】", sender="officer", chat_id=STAFF_GROUP)
        await desk.say("受理 0001", sender="wang", chat_id=STAFF_GROUP)

        await desk.say("办结【0001】换了(3)根管子", sender="wang", chat_id=STAFF_GROUP)

        assert (await desk.case(2)).status == "merged"
        assert (await desk.case(1)).outcome_note == "换了(3)根管子"


@pytest.mark.parametrize(
    ("command", "quoted"),
    [
        ("受理 工单号00x1", "“00x1”"),
        ("受理 工单00x1", "“00x1”"),
        ("受理 #00x1", "“#00x1”"),
        ("受理 工單號００ｘ１", "“００ｘ１”"),
        ("受理 ＃００ｘ１", "“＃００ｘ１”"),
    ],
)
async def test_invalid_number_quoted_as_typed(db_url, command, quoted):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say(command, sender="wang", chat_id=STAFF_GROUP)

        assert replies == [f"{quoted}不是有效的工单号。工单号是4位数字，例如 0034，前面的0可以省略。"]
        assert (await desk.case(1)).status == "new"


async def test_second_number_rejected(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say(LAMP, sender="r2")

        replies = await desk.say("受理 0001 0002", sender="wang", chat_id=STAFF_GROUP)

        assert replies == ["一条指令只能受理一个工单，请分开发送：“受理 0001”和“受理 0002”。"]
        assert (await desk.case(1)).status == "new"
        assert (await desk.case(2)).status == "new"
        assert desk.last_to_user("r1") == []


async def test_query_rejects_two_numbers(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say(LAMP, sender="r2")

        replies = await desk.say("/case 0001 0002", sender="r1")

        assert replies == ["一条指令只能查询一个工单，请分开发送：“查询 0001”和“查询 0002”。"]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("受理 0001，0002", "“受理 0001”和“受理 0002”"),
        ("办结 0001 工单0002", "“办结 0001”和“办结 工单0002”"),
        ("升级 0001 #12", "“升级 0001”和“升级 #12”"),
        ("受理 0001 工单号0002", "“受理 0001”和“受理 工单号0002”"),
        ("受理0001和0002", "“受理 0001”和“受理 0002”"),
    ],
)
async def test_second_number_forms_rejected(db_url, command, expected):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("受理 0001", sender="wang", chat_id=STAFF_GROUP)

        replies = await desk.say(command, sender="officer", chat_id=STAFF_GROUP)

        assert len(replies) == 1
        assert expected in replies[0]


async def test_number_inside_note_kept(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("受理 0001", sender="wang", chat_id=STAFF_GROUP)

        replies = await desk.say("办结 0001 1002室已换管 花费200元", sender="wang", chat_id=STAFF_GROUP)

        assert replies[0].startswith("工单 0001 已办结")
        assert (await desk.case(1)).outcome_note == "1002室已换管 花费200元"


async def test_note_glued_to_number_split(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("受理0001马上派人", sender="wang", chat_id=STAFF_GROUP)

        resolved = await desk.say("办结0001已换管", sender="wang", chat_id=STAFF_GROUP)
        rated = await desk.say("评价0001基本满意", sender="r1")

        assert resolved[0].startswith("工单 0001 已办结")
        assert rated[0].startswith("感谢您的评价（基本满意）")
        case = await desk.case(1)
        assert case.outcome_note == "已换管"
        assert case.rating == Rating.BASIC


@pytest.mark.parametrize("mark", ["，", "、", "。", "：", ",", "；"])
async def test_note_after_punctuation_split(db_url, mark):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say(f"受理 0001{mark}马上派人", sender="wang", chat_id=STAFF_GROUP)

        resolved = await desk.say(f"办结0001{mark}已换管", sender="wang", chat_id=STAFF_GROUP)

        assert resolved[0].startswith("工单 0001 已办结")
        assert (await desk.case(1)).outcome_note == "已换管"


async def test_note_after_spaced_comma(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("受理 0001", sender="wang", chat_id=STAFF_GROUP)

        await desk.say("办结 0001 ，已张贴禁烟提示", sender="wang", chat_id=STAFF_GROUP)

        assert (await desk.case(1)).outcome_note == "已张贴禁烟提示"


async def test_escalate_after_comma(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("升级 0001，物业三天没人来", sender="officer", chat_id=STAFF_GROUP)

        assert not any("不是有效的工单号" in text for text in replies)
        assert any(e.kind == "escalated" for e in await desk.events(1))


@pytest.mark.parametrize("command", ["恢复计时 0001", "挂起 0001 等待配件"])
async def test_clock_commands_on_resolved_case(db_url, command):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("受理 0001", sender="wang", chat_id=STAFF_GROUP)
        await desk.say("办结 0001 已换管", sender="wang", chat_id=STAFF_GROUP)
        events_before = await desk.event_count()

        replies = await desk.say(command, sender="wang", chat_id=STAFF_GROUP)

        assert len(replies) == 1
        assert "当前状态为“已办结”" in replies[0]
        assert "不再计时" in replies[0]
        assert await desk.event_count() == events_before


async def test_unknown_verb_private_chat(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("关闭 0001", sender="wang", chat_id="wang-private", private=True)

        assert len(replies) == 1
        assert replies[0].startswith("没有“关闭”这个指令。")
        assert "“办结 0001”" in replies[0]
        assert "“撤回 0001”" in replies[0]
        assert "帮助" in replies[0]
        assert (await desk.case(1)).status == "new"


async def test_unknown_verb_addressed_in_group(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        addressed = replace(message("@物业机器人 结案 0001", sender="wang", at=T0), mentions_bot=True)

        replies = await desk.send(addressed)

        assert len(replies) == 1
        assert "没有“结案”这个指令" in replies[0]
        assert "“办结 0001”" in replies[0]


async def test_unknown_verb_plain_group_silent(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("关闭 0001", sender="r2")

        assert replies == []
        assert await desk.case(2) is None


async def test_unrelated_word_with_number_not_command(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("开门 1002", sender="r2", chat_id="r2-private", private=True)

        assert desk.results[-1].outcome != "command"


async def test_resolve_ends_pause(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("受理 0001", sender="wang", chat_id=STAFF_GROUP)
        await desk.say("挂起 0001 等待配件", sender="wang", chat_id=STAFF_GROUP, at=later(10))

        await desk.say("办结 0001 已换管", sender="wang", chat_id=STAFF_GROUP, at=later(70))

        async with desk.services.sessionmaker() as session:
            timer = await session.get(CaseTimer, (await desk.case(1)).id)
        assert timer.paused_at is None
        assert timer.paused_seconds == 60 * 60
        assert timer.due_at == later(70)
        kinds = [e.kind for e in await desk.events(1)]
        assert kinds[-2:] == ["resolved", "clock_resumed"]


@pytest.mark.parametrize(
    "line",
    ["车位 0123 被占了，车主电话打不通", "3栋 1102 漏水了，天花板一直滴水", "楼道 1102 漏水了，墙面都湿了"],
)
async def test_report_with_number_opens_case(db_url, line):
    async with open_desk(db_url) as desk:
        replies = await desk.say(line, sender="r1")

        assert desk.results[-1].outcome == "opened"
        case = await desk.case(1)
        assert case is not None
        assert case.summary == line
        assert replies[0].startswith("已登记")


@pytest.mark.parametrize("line", ["车位 0123 被占了，车主电话打不通", "楼道 1102 漏水了，墙面都湿了"])
async def test_staff_report_with_number_opens_case(db_url, line):
    async with open_desk(db_url) as desk:
        await desk.say(line, sender="wang")

        assert desk.results[-1].outcome == "opened"
        assert await desk.case(1) is not None


@pytest.mark.parametrize(
    "line", ["查询 0001", "重開 0001", "关闭 0001 已修好", "结案 0001", "进度 0001 怎么样了", "工单 0001 还没人管"]
)
async def test_command_look_alike_opens_no_case(db_url, line):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        await desk.say(line, sender="r2", at=later(5))

        assert desk.results[-1].outcome == "command"
        assert await desk.case(2) is None
        assert (await desk.case(1)).reporter_count == 1
