"""Commands typed in traditional characters or full-width forms act like their simplified forms."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from handlers.commands import build_registry
from models import Case, CaseStatus, PartyKind
from tests.helpers import later
from tests.workflow.desk import STAFF_GROUP, Desk, open_desk

LEAK = "3栋2单元1002室厨房天花板漏水了"
LAMP = "5栋楼道灯坏了好几天了"


@pytest.mark.parametrize(
    ("typed", "simplified"),
    [
        ("重開 0001 電梯又壞了", "重开 0001 电梯又坏了"),
        ("查詢 0008", "查询 0008"),
        ("辦結 0002 已修好", "办结 0002 已修好"),
        ("評價 0001 滿意", "评价 0001 满意"),
        ("不滿意 0001 還是漏", "评价 0001 不满意 还是漏"),
        ("補充 0001 樓上還在滴水", "补充 0001 楼上还在滴水"),
        ("轉派 0001 業委會 屬於維修基金", "转派 0001 业委会 属于维修基金"),
        ("處理中 0001 師傅已到", "处理中 0001 师傅已到"),
        ("升級 0001 三天沒人管", "升级 0001 三天没人管"),
        ("撤銷 0001", "撤销 0001"),
        ("統計 上週", "统计 上周"),
        ("受理：＃３４", "受理 #34"),
        ("查询　０００８", "查询 0008"),
        ("／case ０００８", "/case 0008"),
    ],
)
def test_folded_command_matches_simplified(typed: str, simplified: str):
    registry = build_registry()

    folded, plain = registry.parse(typed), registry.parse(simplified)

    assert folded is not None and plain is not None, typed
    assert folded.spec is plain.spec
    assert folded.args == plain.args


def test_rest_keeps_typed_characters():
    registry = build_registry()

    reopened = registry.parse("重開 0001 電梯又壞了")
    rated = registry.parse("不滿意 0001 還是漏")

    assert reopened.args == ["0001", "电梯又坏了"]
    assert reopened.rest == "0001 電梯又壞了"
    assert rated.rest == "0001 不满意 還是漏"


def test_traditional_unknown_verb_suggests():
    registry = build_registry()

    parsed = registry.parse("關閉 0002")

    assert parsed.spec.name == "unknown_verb"
    assert parsed.args == ["关闭", "0002"]
    assert "“办结 0002”" in parsed.rest


async def count_cases(desk: Desk) -> int:
    async with desk.services.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Case)) or 0


async def resolved_leak(desk: Desk) -> None:
    await desk.say(LEAK, sender="r1")
    await desk.say("受理 0001", sender="wang", chat_id=STAFF_GROUP, at=later(1))
    await desk.say("办结 0001 已换管", sender="wang", chat_id=STAFF_GROUP, at=later(2))


async def test_traditional_reopen_reopens_case(db_url):
    async with open_desk(db_url) as desk:
        await resolved_leak(desk)

        replies = await desk.say("重開 0001 電梯又壞了", sender="r1", at=later(60))

        assert (await desk.case(1)).status == CaseStatus.REOPENED
        assert await count_cases(desk) == 1
        assert not any("已登记" in reply for reply in replies)
        reopened = (await desk.events(1))[-1]
        assert reopened.kind == "reopened"
        assert reopened.note == "電梯又壞了"


async def test_traditional_rating_closes_case(db_url):
    async with open_desk(db_url) as desk:
        await resolved_leak(desk)

        replies = await desk.say("評價 0001 滿意", sender="r1", at=later(60))

        assert (await desk.case(1)).rating == "satisfied"
        assert replies[0].startswith("感谢您的评价（满意）")


async def test_traditional_detail_kept_as_typed(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("補充 0001 樓上還在滴水", sender="r1", at=later(30))

        assert replies[0].startswith("已收到，补充信息已记入工单 0001")
        assert (await desk.events(1))[-1].note == "樓上還在滴水"
        assert any("说明：樓上還在滴水" in text for text in desk.last_to_user("wang"))


async def test_traditional_assign_hands_over(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("轉派 0001 業委會 屬於維修基金", sender="officer", chat_id=STAFF_GROUP)

        case = await desk.case(1)
        assert case.route == PartyKind.COMMITTEE.value
        assert len(replies) >= 1
        assert any("屬於維修基金" in text for text in desk.last_to_user("chen"))


async def test_traditional_query_not_detail(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LAMP, sender="r2")
        await desk.say(LEAK, sender="r1", at=later(1))

        replies = await desk.say("查詢 0001", sender="r1", at=later(3))

        assert replies[0].startswith("工单 0001（设施报修）")
        assert "补充信息" not in "".join(replies)
        assert [event.kind for event in await desk.events(2)] == ["opened"]
        assert desk.last_to_user("wang") == []
        assert await count_cases(desk) == 2


@pytest.mark.parametrize("line", ["查尋 0001", "催一下 0001", "关闭 0001 修好了没"])
async def test_command_lookalike_not_detail(db_url, line):
    async with open_desk(db_url) as desk:
        await desk.say(LAMP, sender="r2")
        await desk.say(LEAK, sender="r1", at=later(1))

        replies = await desk.say(line, sender="r1", at=later(3))

        assert replies == []
        assert desk.results[-1].outcome == "command"
        assert [event.kind for event in await desk.events(2)] == ["opened"]
        assert await count_cases(desk) == 2


async def test_line_naming_other_case_not_detail(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LAMP, sender="r2")
        await desk.say(LEAK, sender="r1", at=later(1))

        await desk.say("#1 赶紧来人修一下吧", sender="r1", at=later(3))

        assert "info_added" not in [event.kind for event in await desk.events(2)]
