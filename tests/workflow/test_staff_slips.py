"""Staff who mistype a command in a work group or a private chat get a reply, never silence or a welcome."""

from __future__ import annotations

import pytest

from handlers.onboarding_texts import question
from tests.helpers import later
from tests.workflow.desk import STAFF_GROUP, open_desk

LEAK = "3栋2单元1002室厨房天花板漏水了"
UNKNOWN_FOO = "没有“foo”这个指令。发送“帮助”查看全部指令。"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("關閉 0001", "没有“关闭”这个指令。您可能想发送：“办结 0001”"),
        ("关闭 0001 已修好", "没有“关闭”这个指令。您可能想发送：“办结 0001”"),
        ("foo 0001", UNKNOWN_FOO),
        ("开门 1002", "没有“开门”这个指令。发送“帮助”查看全部指令。"),
    ],
)
async def test_work_group_slip_answered(db_url, line, expected):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say(line, sender="wang", chat_id=STAFF_GROUP, at=later(5))

        assert len(replies) == 1
        assert replies[0].startswith(expected)
        assert (await desk.case(1)).status == "new"
        assert await desk.case(2) is None


async def test_work_group_traditional_commands_act(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        queried = await desk.say("查詢 0001", sender="wang", chat_id=STAFF_GROUP, at=later(1))
        await desk.say("受理 0001", sender="wang", chat_id=STAFF_GROUP, at=later(2))
        resolved = await desk.say("辦結 0001 已修好", sender="wang", chat_id=STAFF_GROUP, at=later(3))

        assert queried[0].startswith("工单 0001（设施报修）")
        assert resolved[0].startswith("工单 0001 已办结")
        case = await desk.case(1)
        assert case.status == "resolved"
        assert case.outcome_note == "已修好"


async def test_officer_private_command_gets_no_welcome(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("受理 0001", sender="wang", chat_id=STAFF_GROUP, at=later(1))

        replies = await desk.say("辦結 0006 已修好", sender="officer", chat_id="officer-private", private=True)
        resolved = await desk.say("辦結 0001 已修好", sender="officer", chat_id="officer-private", private=True)

        assert replies == ["没有找到工单 0006，请核对工单号。"]
        assert resolved[0].startswith("工单 0001 已办结")
        assert (await desk.case(1)).status == "resolved"


@pytest.mark.parametrize("line", ["你好", "3栋电梯坏了", "foo 0001"])
async def test_officer_private_chat_never_welcomed(db_url, line):
    async with open_desk(db_url) as desk:
        replies = await desk.say(line, sender="officer", chat_id="officer-private", private=True)

        assert len(replies) == 1
        assert replies[0] != question("test", reported=False)
        assert "住在哪个小区" not in replies[0]
        assert "指令" in replies[0]
        assert await desk.case(1) is None


async def test_officer_private_hint_keeps_nothing(db_url):
    async with open_desk(db_url) as desk:
        replies = await desk.say("3栋电梯坏了", sender="officer", chat_id="officer-private", private=True)
        await desk.say(desk.compound.code, sender="officer", chat_id="officer-private", private=True)

        assert replies[0].startswith("您好，您是小区工作人员")
        assert desk.results[0].outcome == "ignored"
        assert await desk.case(1) is None


async def test_resident_private_chat_still_welcomed(db_url):
    async with open_desk(db_url) as desk:
        replies = await desk.say("你好", sender="r1", chat_id="r1-private", private=True)

        assert replies == [question("test", reported=False)]


async def test_resident_flat_number_still_report(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("漏水 1002 厨房天花板一直在滴", sender="r1")

        assert desk.results[-1].outcome == "opened"
