"""Residents rate resolved cases; 不满意 reopens the case and counts against the party."""

from __future__ import annotations

import pytest

from models import CaseOutcome, CaseStatus
from tests.workflow.desk import open_desk

LEAK = "3栋2单元1002室厨房天花板漏水了"


async def resolved_leak(desk) -> None:
    await desk.say(LEAK, sender="r1")
    await desk.say("受理 0001", sender="wang")
    await desk.say("办结 0001 已重做防水层", sender="wang")


async def test_unsatisfied_rating_reopens(db_url):
    async with open_desk(db_url) as desk:
        await resolved_leak(desk)

        replies = await desk.say("评价 0001 不满意 还是在滴水", sender="r1")

        case = await desk.case(1)
        events = await desk.events(1)
        assert case.status == CaseStatus.REOPENED
        assert case.outcome is None
        assert case.acknowledged_at is None
        assert [e.kind for e in events][-2:] == ["rated", "reopened"]
        assert events[-1].note == "居民评价不满意：还是在滴水"
        assert any("已重新打开" in r for r in replies)
        assert any("【不满意·工单重开】" in r for r in desk.last_to_user("wang"))


async def test_unsatisfied_counts_against_party(db_url):
    async with open_desk(db_url) as desk:
        await resolved_leak(desk)
        await desk.say("评价 0001 不满意", sender="r1")
        await desk.say("受理 0001", sender="wang")
        await desk.say("办结 0001 更换了整段水管", sender="wang")
        await desk.say("评价 0001 满意", sender="r1")

        stats = await desk.say("统计 本月", sender="officer", chat_id="staff-group")

        # Each round counts its own resolution: the one rated 不满意 and the one after the reopen.
        assert "阳光花园物业服务中心：未办结0件，超时0件，已解决2件，不满意1次" in stats[0]
        assert "满意率 50.0%（1/2）" in stats[0]
        assert "解决率 100.0%（2/2）" in stats[0]


async def test_satisfied_rating_closes(db_url):
    async with open_desk(db_url) as desk:
        await resolved_leak(desk)

        await desk.say("评价 0001 基本满意", sender="r1")

        case = await desk.case(1)
        assert case.status == CaseStatus.CLOSED
        assert case.outcome == CaseOutcome.RESOLVED
        assert case.rating == "basic"


async def test_score_two_counts_as_unsatisfied(db_url):
    async with open_desk(db_url) as desk:
        await resolved_leak(desk)

        await desk.say("评价 0001 2分 师傅态度不好", sender="r1")

        case = await desk.case(1)
        rated = [e for e in await desk.events(1) if e.kind == "rated"][0]
        assert case.status == CaseStatus.REOPENED
        assert rated.data["score"] == 2
        assert rated.data["rating"] == "unsatisfied"


async def test_invalid_score_refused(db_url):
    async with open_desk(db_url) as desk:
        await resolved_leak(desk)

        replies = await desk.say("评价 0001 9", sender="r1")

        assert "评分“9”无效" in replies[0]
        assert (await desk.case(1)).status == CaseStatus.RESOLVED


async def test_only_reporter_rates(db_url):
    async with open_desk(db_url) as desk:
        await resolved_leak(desk)

        replies = await desk.say("评价 0001 不满意", sender="r9")

        assert replies == ["抱歉，只有工单 0001 的反映人可以评价。"]
        assert (await desk.case(1)).status == CaseStatus.RESOLVED


async def test_rating_open_case_refused(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("评价 0001 满意", sender="r1")

        assert replies == ["工单 0001 当前状态为“待受理”，不能评价。工单办结后您会收到评价邀请。"]


async def test_rating_word_first_reopens(db_url):
    async with open_desk(db_url) as desk:
        await resolved_leak(desk)

        replies = await desk.say("不满意 0001 还是在滴水", sender="r1")

        case = await desk.case(1)
        events = await desk.events(1)
        assert case.status == CaseStatus.REOPENED
        assert events[-1].note == "居民评价不满意：还是在滴水"
        assert any("已重新打开" in r for r in replies)


async def test_group_note_keeps_case_number(db_url):
    async with open_desk(db_url) as desk:
        await resolved_leak(desk)

        group_notes = desk.last_to_group("group-1")

        assert any("工单 0001" in note for note in group_notes)
        assert all("****（" not in note for note in group_notes)
        assert all("1002" not in note for note in group_notes)


async def test_reporter_reopens_after_cannot_resolve(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("受理 0001", sender="wang")
        await desk.say("无法解决 0001 需业主表决使用维修基金", sender="wang")

        refused = await desk.say("评价 0001 不满意", sender="r1")
        reopened = await desk.say("重开 0001 我不同意，漏水越来越严重", sender="r1")
        stranger = await desk.say("重开 0001 我也觉得要修", sender="r9")

        case = await desk.case(1)
        assert "重开 0001 原因" in refused[0]
        assert case.status == CaseStatus.REOPENED
        assert any("已重新打开" in r for r in reopened)
        assert any("不能重新打开" in r or "只有" in r for r in stranger)


@pytest.mark.parametrize(
    ("text", "rating", "status"),
    [
        ("评价 0001 满意！", "satisfied", CaseStatus.CLOSED),
        ("评价 0001 5分。", "satisfied", CaseStatus.CLOSED),
        ("评价 0001 很满意 师傅很负责", "satisfied", CaseStatus.CLOSED),
        ("评价 0001 非常不满意 还在漏", "unsatisfied", CaseStatus.REOPENED),
        ("评价 0001 不太满意", "unsatisfied", CaseStatus.REOPENED),
        ("评价 0001。 基本满意", "basic", CaseStatus.CLOSED),
    ],
)
async def test_rating_as_residents_write_it(db_url, text, rating, status):
    async with open_desk(db_url) as desk:
        await resolved_leak(desk)

        await desk.say(text, sender="r1")

        case = await desk.case(1)
        assert case.rating == rating
        assert case.status == status


@pytest.mark.parametrize(
    ("text", "rating", "comment"),
    [
        ("评价 0001 不满意，还是在滴水", "unsatisfied", "还是在滴水"),
        ("评价 0001 满意！师傅很负责", "satisfied", "师傅很负责"),
        ("评价 0001 4分，来得很快", "satisfied", "来得很快"),
    ],
)
async def test_rating_comment_after_comma(db_url, text, rating, comment):
    async with open_desk(db_url) as desk:
        await resolved_leak(desk)

        replies = await desk.say(text, sender="r1")

        case = await desk.case(1)
        rated = [e for e in await desk.events(1) if e.kind == "rated"]
        assert not any("不是有效的评价" in r for r in replies)
        assert case.rating == rating
        assert comment in (rated[-1].note or "")
