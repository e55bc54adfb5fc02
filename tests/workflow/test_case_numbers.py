"""Case numbers as commands read them: leading zeros, too many digits, numbers past 9999."""

from __future__ import annotations

import pytest

from handlers.commands.common import MAX_CASE_SEQ, parse_case_number
from handlers.errors import BadCommand
from handlers.replies import apology
from models import Compound, MessageOutcome
from tests.helpers import later
from tests.workflow.desk import STAFF_GROUP, open_desk

LEAK = "3栋2单元1002室厨房天花板漏水了"
LAMP = "5栋楼道灯坏了好几天了"
HUGE = "99999999999999999999"
INVALID = "不是有效的工单号"


@pytest.mark.parametrize(
    ("text", "seq"),
    [
        ("0034", 34),
        ("034", 34),
        ("34", 34),
        ("#34", 34),
        ("工单34", 34),
        ("工单号0034", 34),
        ("工单编号:0034", 34),
        ("工单#34", 34),
        ("０００２", 2),
        ("0034。", 34),
        ("0034号", 34),
        ("#34！", 34),
        ("9999", 9999),
        ("12345", 12345),
        (str(MAX_CASE_SEQ), MAX_CASE_SEQ),
    ],
)
def test_case_number_accepted(text, seq):
    assert parse_case_number(text) == seq


@pytest.mark.parametrize(
    "text",
    [
        "00002",
        "00034",
        "012345",
        "0",
        "0000",
        "。",
        "号",
        "0034,0035",
        HUGE,
        str(MAX_CASE_SEQ + 1),
        "9" * 5000,
        "²",
        "3a",
        "",
    ],
)
def test_case_number_rejected(text):
    with pytest.raises(BadCommand, match=INVALID):
        parse_case_number(text)


def test_rejected_number_shown_short():
    with pytest.raises(BadCommand) as caught:
        parse_case_number("9" * 5000)

    assert len(str(caught.value)) < 80


@pytest.mark.parametrize(
    ("command", "sender"),
    [
        (f"查询 {HUGE}", "r1"),
        (f"受理 {HUGE}", "wang"),
        (f"评价 {HUGE} 满意", "r1"),
        (f"补充 {HUGE} 漏得更厉害了", "r1"),
        (f"合并 0001 {HUGE}", "officer"),
        (f"合并 {HUGE} 0001", "officer"),
        (f"重开 {HUGE} 还在漏", "r1"),
        (f"挂起 {HUGE} 等配件", "officer"),
        (f"吹哨 {HUGE} 住建", "officer"),
        ("查询 00001", "r1"),
        ("受理 00001", "wang"),
    ],
)
async def test_overlong_number_gets_clear_reply(db_url, command, sender):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        events_before = await desk.event_count()

        replies = await desk.say(command, sender=sender, at=later(5))

        assert len(replies) == 1
        assert INVALID in replies[0]
        assert "工单号是4位数字" in replies[0]
        assert apology() not in replies
        assert desk.results[-1].outcome == MessageOutcome.COMMAND
        assert await desk.event_count() == events_before
        assert (await desk.case(1)).status == "new"


@pytest.mark.parametrize("number", ["1", "01", "001", "0001"])
async def test_short_forms_find_case(db_url, number):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say(f"受理 {number}", sender="wang", chat_id=STAFF_GROUP, at=later(5))

        assert replies[0].startswith("已受理工单 0001")
        assert (await desk.case(1)).status == "acknowledged"


async def test_case_past_9999_reachable(db_url):
    async with open_desk(db_url) as desk:
        async with desk.services.sessionmaker() as session, session.begin():
            compound = await session.get_one(Compound, desk.compound.id)
            compound.last_case_seq = 9999
        await desk.say(LAMP, sender="r1")

        answer = await desk.say("查询 10000", sender="r1", at=later(5))
        acknowledged = await desk.say("受理 10000", sender="wang", chat_id=STAFF_GROUP, at=later(6))
        padded = await desk.say("查询 010000", sender="r1", at=later(7))

        assert answer[0].startswith("工单 10000")
        assert acknowledged[0].startswith("已受理工单 10000")
        assert INVALID in padded[0]


async def test_unknown_number_not_found(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("查询 12345", sender="r1", at=later(5))

        assert replies == ["没有找到工单 12345，请核对工单号。"]
