"""重开: a case's reporters and its staff may reopen it, other residents may not."""

from __future__ import annotations

import pytest

from models import CaseStatus
from tests.helpers import later
from tests.workflow.desk import open_desk

LEAK = "3栋2单元1002室厨房天花板漏水了"
SAME_LEAK = "3栋2单元厨房顶上在滴水"


async def closed_after_rating(desk) -> None:
    """Open a leak that r1 reported and r2 joined, resolve it, and close it with a good rating."""
    await desk.say(LEAK, sender="r1")
    await desk.say(SAME_LEAK, sender="r2", at=later(1))
    await desk.say("受理 0001", sender="wang", at=later(2))
    await desk.say("办结 0001 已重做防水层", sender="wang", at=later(3))
    await desk.say("评价 0001 满意", sender="r1", at=later(4))


@pytest.mark.parametrize("sender", ["r1", "r2", "wang", "officer"])
async def test_reporter_or_staff_reopens(db_url, sender):
    async with open_desk(db_url) as desk:
        await closed_after_rating(desk)
        assert (await desk.case(1)).reporter_count == 2
        assert (await desk.case(1)).status == CaseStatus.CLOSED

        replies = await desk.say("重开 0001 修好两天又漏了", sender=sender, at=later(60))

        case = await desk.case(1)
        assert case.status == CaseStatus.REOPENED
        assert (await desk.events(1))[-1].kind == "reopened"
        assert any("已重新打开" in r for r in replies)


@pytest.mark.parametrize(
    ("sender", "expected"),
    [
        ("r9", "只有工单 0001 的反映人、承办方工作人员或小区专员可以重新打开"),
        ("chen", "工单 0001 由“阳光花园物业服务中心”承办，您不能重新打开"),
    ],
)
async def test_others_cannot_reopen(db_url, sender, expected):
    async with open_desk(db_url) as desk:
        await closed_after_rating(desk)
        events_before = await desk.event_count()

        replies = await desk.say("重开 0001 我也觉得没修好", sender=sender, at=later(60))

        assert len(replies) == 1
        assert expected in replies[0]
        assert (await desk.case(1)).status == CaseStatus.CLOSED
        assert await desk.event_count() == events_before


async def test_resident_help_lists_reopen(db_url):
    async with open_desk(db_url) as desk:
        resident = "\n".join(await desk.say("帮助", sender="r1"))

        assert "· 重开：" in resident
        assert "例：重开 0034" in resident
