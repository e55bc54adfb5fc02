"""误报: an officer closes a case whose message was no problem at all."""

from __future__ import annotations

import re

import pytest

from handlers.corrections import export_corrections
from models import CaseOutcome, CaseStatus
from nlp.corrections import Correction, read_corrections
from tests.helpers import later
from tests.workflow.desk import STAFF_GROUP, open_desk

LEAK = "3栋2单元1002室厨房天花板漏水了"


async def test_false_alarm_closes_case(db_url, tmp_path):
    async with open_desk(db_url, data_dir=tmp_path) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("误报 0001 群里开玩笑", sender="officer", chat_id=STAFF_GROUP, at=later(10))

        case = await desk.case(1)
        assert case.status == CaseStatus.CLOSED
        assert case.outcome == CaseOutcome.NOT_A_CASE
        assert case.outcome_note == "群里开玩笑"
        assert "已作为误报（非诉求）关闭" in replies[0]
        wang = desk.last_to_user("wang")
        assert any("【工单撤销】" in text and "无需处理" in text and "群里开玩笑" in text for text in wang)
        assert any("打扰大家了" in text for text in desk.last_to_group("group-1"))
        assert any("已撤销登记" in text for text in desk.last_to_user("r1"))

        event = (await desk.events(1))[-1]
        assert event.kind == "not_a_case"
        assert event.data["text"] == LEAK
        assert event.data["label"] == "chat"
        assert event.data["previous_label"] == "repair"
        assert event.data["route"] == "none"
        assert event.data["urgent"] is False
        assert read_corrections(tmp_path / "corrections.csv") == [Correction(LEAK, "chat", "normal", "none")]


async def test_false_alarm_in_triage_spares_party(db_url):
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        await desk.say(LEAK, sender="r1")

        await desk.say("不是问题 0001", sender="officer", chat_id=STAFF_GROUP, at=later(10))

        assert (await desk.case(1)).outcome == CaseOutcome.NOT_A_CASE
        assert desk.last_to_user("wang") == []
        assert any("打扰大家了" in text for text in desk.last_to_group("group-1"))


async def test_history_shows_false_alarm(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("误报 0001", sender="officer", chat_id=STAFF_GROUP, at=later(10))

        replies = await desk.say("查询 0001", sender="r1", chat_id="r1", private=True, at=later(20))

        assert "已关闭（误报·非诉求）" in replies[0]
        assert re.search(r"· 03-02 09:40 误报（", replies[0])
        assert "not_a_case" not in replies[0]


@pytest.mark.parametrize(
    ("command", "sender", "expected"),
    [
        ("误报 0001", "r1", "可以把工单标记为误报"),
        ("误报 0001", "wang", "可以把工单标记为误报"),
        ("误报", "officer", "请写上工单号"),
        ("误报 0099", "officer", "没有找到工单 0099"),
        ("误报 0001 0002", "officer", "一条指令只能误报一个工单"),
        ("误报 0002", "officer", "不能标记为误报"),
    ],
)
async def test_false_alarm_rejected(db_url, command, sender, expected):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("5号楼电梯又坏了", sender="r2")
        await desk.say("受理 0002", sender="wang")
        await desk.say("办结 0002 已修好", sender="wang")
        events_before = await desk.event_count()

        replies = await desk.say(command, sender=sender, at=later(10))

        assert expected in replies[0]
        assert await desk.event_count() == events_before
        assert (await desk.case(1)).status == CaseStatus.NEW


async def test_reopened_false_alarm_not_exported(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("误报 0001", sender="officer", chat_id=STAFF_GROUP, at=later(10))
        async with desk.services.sessionmaker() as session:
            assert [e.kind for e in await export_corrections(session)] == ["not_a_case"]

        await desk.say("重开 0001 真的在漏水", sender="officer", chat_id=STAFF_GROUP, at=later(20))

        assert (await desk.case(1)).status == CaseStatus.REOPENED
        async with desk.services.sessionmaker() as session:
            assert await export_corrections(session) == []


async def test_stats_and_digest_leave_out_false_alarms(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("5号楼电梯又坏了", sender="r2", at=later(1))
        await desk.say("误报 0002", sender="officer", chat_id=STAFF_GROUP, at=later(10))

        stats = await desk.say("统计 本月", sender="officer", chat_id=STAFF_GROUP, at=later(20))
        digest = await desk.say("简报", sender="officer", chat_id=STAFF_GROUP, at=later(21))

        assert "新登记 1 件" in stats[0]
        assert "办结 0 件" in stats[0]
        assert "另有误报 1 件" in stats[0]
        assert "新增工单 1 件" in digest[0]
        assert "办结 0 件" in digest[0]


async def test_reporter_cannot_reopen_false_alarm(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("误报 0001", sender="officer", chat_id=STAFF_GROUP, at=later(10))
        events_before = await desk.event_count()

        replies = await desk.say("重开 0001 还在漏", sender="r1", at=later(20))

        case = await desk.case(1)
        assert case.status == CaseStatus.CLOSED
        assert case.outcome == CaseOutcome.NOT_A_CASE
        assert await desk.event_count() == events_before
        assert desk.last_to_user("wang") == []
        assert len(replies) == 1
        assert "已由小区专员核实为误报并关闭" in replies[0]
        assert "只有工作人员可以重新打开" in replies[0]
        assert "请直接重新描述问题" in replies[0]
        assert "联系小区专员" in replies[0]


async def test_reporter_rating_false_alarm_gets_advice(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("误报 0001", sender="officer", chat_id=STAFF_GROUP, at=later(10))

        replies = await desk.say("评价 0001 不满意", sender="r1", at=later(20))

        assert (await desk.case(1)).status == CaseStatus.CLOSED
        assert "核实为误报并关闭" in replies[0]
        assert "重开" not in replies[0]


async def test_officer_reopens_false_alarm(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("误报 0001", sender="officer", chat_id=STAFF_GROUP, at=later(10))

        replies = await desk.say("重开 0001 核实后确有漏水", sender="officer", chat_id=STAFF_GROUP, at=later(20))

        case = await desk.case(1)
        assert case.status == CaseStatus.REOPENED
        assert case.outcome is None
        assert "已重新打开" in replies[0]
        assert any("【工单重开】" in text for text in desk.last_to_user("wang"))


@pytest.mark.parametrize("handoff", ["转派 0002 业委会", "改类 0002 邻里纠纷"])
async def test_false_alarm_after_handoff_left_out(db_url, handoff):
    # Handing a case to another party ends a round without closing the case,
    # so a false alarm after it is still the case's first closing act.
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("5号楼电梯又坏了", sender="r2", at=later(1))
        await desk.say(handoff, sender="officer", chat_id=STAFF_GROUP, at=later(5))
        await desk.say("误报 0002", sender="officer", chat_id=STAFF_GROUP, at=later(10))

        stats = await desk.say("统计 本月", sender="officer", chat_id=STAFF_GROUP, at=later(20))
        digest = await desk.say("简报", sender="officer", chat_id=STAFF_GROUP, at=later(21))

        assert "新登记 1 件" in stats[0]
        assert "另有误报 1 件" in stats[0]
        assert "新增工单 1 件" in digest[0]


async def test_false_alarm_after_handoff_not_late(db_url):
    # The party that held the case past its response limit before the
    # hand-off is not marked late for a message that was never a problem.
    async with open_desk(db_url) as desk:
        await desk.say("5号楼电梯又坏了", sender="r2")
        await desk.say("转派 0001 业委会", sender="officer", chat_id=STAFF_GROUP, at=later(60 * 24 * 3))
        await desk.say("误报 0001", sender="officer", chat_id=STAFF_GROUP, at=later(60 * 24 * 3 + 5))

        stats = await desk.say("统计 本月", sender="officer", chat_id=STAFF_GROUP, at=later(60 * 24 * 3 + 10))

        assert "响应率 无（0/0）" in stats[0]
