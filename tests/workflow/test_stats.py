"""统计 and the periods people name."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.errors import BadCommand
from handlers.statistics import parse_period
from tests.helpers import later
from tests.workflow.desk import STAFF_GROUP, open_desk

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 18, 2, 0, tzinfo=UTC)  # 10:00 on Wednesday 18 March in Shanghai


@pytest.mark.parametrize(
    ("word", "start", "end"),
    [
        ("今天", "2026-03-18", "2026-03-19"),
        ("本周", "2026-03-16", "2026-03-23"),
        ("上周", "2026-03-09", "2026-03-16"),
        ("本月", "2026-03-01", "2026-04-01"),
        ("", "2026-03-01", "2026-04-01"),
        ("上月", "2026-02-01", "2026-03-01"),
        ("今年", "2026-01-01", "2027-01-01"),
        ("近7天", "2026-03-12", "2026-03-19"),
        ("2025-12", "2025-12-01", "2026-01-01"),
        ("上个月", "2026-02-01", "2026-03-01"),
        ("这个月", "2026-03-01", "2026-04-01"),
        ("本季度", "2026-01-01", "2026-04-01"),
        ("上季度", "2025-10-01", "2026-01-01"),
        ("这个季度", "2026-01-01", "2026-04-01"),
        ("本年", "2026-01-01", "2027-01-01"),
        ("近 7 天", "2026-03-12", "2026-03-19"),
        ("最近7天", "2026-03-12", "2026-03-19"),
        ("3月", "2026-03-01", "2026-04-01"),
        ("02月", "2026-02-01", "2026-03-01"),
        ("12月", "2025-12-01", "2026-01-01"),
    ],
)
def test_parse_period(word, start, end):
    period = parse_period(word, NOW, SHANGHAI)
    assert period.start.date().isoformat() == start
    assert period.end.date().isoformat() == end
    assert period.start.tzinfo == SHANGHAI


def test_unknown_period_refused():
    with pytest.raises(BadCommand, match="不是可用的统计时段"):
        parse_period("很久以前", NOW, SHANGHAI)


@pytest.mark.parametrize(
    ("word", "label"),
    [
        ("近1天", "近1天"),
        ("近999天", "近999天"),
        ("近007天", "近7天"),
        ("2000-01", "2000年1月"),
        ("2026-03", "2026年3月"),
    ],
)
def test_period_range_edges_accepted(word, label):
    assert parse_period(word, NOW, SHANGHAI).label == label


@pytest.mark.parametrize("word", ["近0天", "近00天", "近1000天", f"近{'9' * 5000}天"])
def test_recent_days_out_of_range(word):
    with pytest.raises(BadCommand, match="天数须在1到999之间"):
        parse_period(word, NOW, SHANGHAI)


def test_quarter_label_names_year_and_quarter():
    assert parse_period("上季度", NOW, SHANGHAI).label == "上季度（2025年第4季度）"


@pytest.mark.parametrize("word", ["2026-13", "2026-00", "2025年13月", "13月", "0月"])
def test_invalid_month_number(word):
    with pytest.raises(BadCommand, match=f"“{word}”不是有效的月份：月份须在1到12之间"):
        parse_period(word, NOW, SHANGHAI)


@pytest.mark.parametrize("word", ["2026-04", "2027-01", "9999-12", "1999-12", "0001-01", "0000-01"])
def test_month_out_of_range(word):
    with pytest.raises(BadCommand, match="月份须在2000年1月到本月（2026-03）之间"):
        parse_period(word, NOW, SHANGHAI)


@pytest.mark.parametrize(
    ("period", "expected"), [("近0天", "天数须在1到999之间"), ("9999-12", "月份须在2000年1月到本月")]
)
async def test_stats_reject_period_out_of_range(db_url, period, expected):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")

        replies = await desk.say(f"统计 {period}", sender="officer", chat_id=STAFF_GROUP, at=later(5))

        assert len(replies) == 1
        assert expected in replies[0]
        assert "工单统计" not in replies[0]


async def test_stats_keep_outcomes_apart(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")
        await desk.say("5号楼电梯又坏了", sender="r2", at=later(1))
        await desk.say("东门路灯不亮了", sender="r3", at=later(2))
        await desk.say("受理 0001", sender="wang", at=later(10))
        await desk.say("办结 0001 已重做防水层", sender="wang", at=later(20))
        await desk.say("受理 0002", sender="wang", at=later(30))
        await desk.say(
            "无法解决 0002 电梯需整体更换，须业主表决使用维修基金", sender="wang", at=later(40)
        )
        await desk.say("撤回 0003", sender="r3", at=later(50))

        replies = await desk.say(
            "统计 本月", sender="officer", chat_id=STAFF_GROUP, at=later(60 * 24 * 3)
        )

        text = replies[0]
        assert "新登记 3 件" in text
        assert "办结 3 件：已解决 1 件，无法解决 1 件，反映人撤回 1 件" in text
        assert "解决率 33.3%（1/3）" in text
        assert "响应率 100.0%（2/2）" in text
        assert "口径：" in text


async def test_resident_cannot_see_stats(db_url):
    async with open_desk(db_url) as desk:
        replies = await desk.say("统计 本月", sender="r1")

        assert "统计仅供承办方和小区专员查看" in replies[0]


async def test_response_rate_counts_early_and_reopened(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")
        await desk.say("5号楼电梯又坏了", sender="r2", at=later(1))
        await desk.say("受理 0001", sender="wang", at=later(10))
        await desk.say("办结 0001 已重做防水层", sender="wang", at=later(20))
        await desk.say("评价 0001 不满意 还是在滴水", sender="r1", at=later(30))

        # Both limits are still running: the early acknowledgement counts,
        # the unanswered case is not due yet, and reopening keeps the first
        # acknowledgement on time.
        replies = await desk.say("统计 本月", sender="officer", chat_id=STAFF_GROUP, at=later(40))

        text = replies[0]
        assert "响应率 100.0%（1/1）" in text
        assert "阳光花园业主委员会：未办结0件" in text


@pytest.mark.parametrize(
    "steps",
    [
        # Resolved, then reopened by the reporter's 不满意.
        [("办结 0001 已重做防水层", "wang"), ("评价 0001 不满意 还是在滴水", "r1")],
        # Handed on to the committee, which gets a new response limit.
        [("转派 0001 业委会 涉及公共管道", "officer")],
    ],
)
async def test_late_response_stays_late(db_url, steps):
    days = 24 * 60
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")
        # Accepted on Friday, after the response limit ran out.
        await desk.say("受理 0001", sender="wang", at=later(4 * days))
        before = await desk.say("统计 本月", sender="officer", chat_id=STAFF_GROUP, at=later(4 * days + 30))

        for minute, (text, sender) in enumerate(steps, start=60):
            chat = "group-1" if sender == "r1" else STAFF_GROUP
            replies = await desk.say(text, sender=sender, chat_id=chat, at=later(4 * days + minute))
            assert replies, text
        after = await desk.say("统计 本月", sender="officer", chat_id=STAFF_GROUP, at=later(4 * days + 180))

        assert "响应率 0.0%（0/1）" in before[0]
        assert "响应率 0.0%（0/1）" in after[0]
        case = await desk.case(1)
        assert case.response_due_at > case.first_response_due_at


async def test_not_our_duty_counts_as_response(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")
        replies = await desk.say("非本方职责 0001 楼上住户自家水管漏水，已请社区调解", sender="wang", at=later(70))
        assert "不属于小区内部职责" in replies[0]

        replies = await desk.say("统计 本月", sender="officer", chat_id=STAFF_GROUP, at=later(60 * 24 * 5))

        assert "响应率 100.0%（1/1）" in replies[0]


async def test_stats_command_reads_spoken_period(db_url):
    async with open_desk(db_url) as desk:
        last_month = await desk.say("统计 上个月", sender="officer", chat_id=STAFF_GROUP)
        bad_month = await desk.say("统计 2026-13", sender="officer", chat_id=STAFF_GROUP)

        assert "上月" in last_month[0]
        assert "不是可用的统计时段" not in last_month[0]
        assert bad_month == ["“2026-13”不是有效的月份：月份须在1到12之间，例如 2026-03。"]


@pytest.mark.parametrize(("command", "label"), [("统计本月", "本月"), ("统计上个月", "上月"), ("统计近7天", "近7天")])
async def test_stats_period_without_space(db_url, command, label):
    async with open_desk(db_url) as desk:
        replies = await desk.say(command, sender="officer", chat_id=STAFF_GROUP)

        assert len(replies) == 1
        assert f"{label}工单统计" in replies[0]


@pytest.mark.parametrize("command", ["统计 2026.03", "统计2026.03"])
async def test_stats_month_with_a_point(db_url, command):
    async with open_desk(db_url) as desk:
        replies = await desk.say(command, sender="officer", chat_id=STAFF_GROUP)

        assert len(replies) == 1
        assert "2026年3月工单统计" in replies[0]


@pytest.mark.parametrize("line", ["统计一下明天谁去开会", "统计今天的快递"])
async def test_stats_word_in_talk_not_command(db_url, line):
    async with open_desk(db_url) as desk:
        replies = await desk.say(line, sender="officer", chat_id=STAFF_GROUP)

        assert replies == []
