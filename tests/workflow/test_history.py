"""The 办理记录 that 查询 lists: who acted, in Chinese, each step stated once, and a long history cut openly."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from bot.adapters.wecom_archive.records import PLATFORM as ARCHIVE_PLATFORM
from handlers.commands.query import EVENT_LABELS, MACHINE_ACTORS, TIMELINE_LENGTH
from models import CaseEvent, Member
from tests.helpers import later, message
from tests.workflow.desk import STAFF_GROUP, open_desk

LEAK = "3栋2单元1002室厨房天花板漏水了"
LIFT = "11栋电梯坏了"
# One history line: "· 03-09 09:01 吹哨（小区专员）：住建".
HISTORY_LINE = re.compile(r"^· \d\d-\d\d \d\d:\d\d (?P<label>\S+?)（(?P<actor>[^）]*)）(?:：(?P<note>.*))?$")


def history_lines(reply: str) -> list[re.Match[str]]:
    """Return the parsed entries of a 查询 reply's 办理记录, skipping the line that marks a gap."""
    _head, _, history = reply.partition("办理记录：\n")
    lines = [line for line in history.splitlines() if "中间省略" not in line]
    matches = [HISTORY_LINE.match(line) for line in lines]
    assert all(matches), lines
    return [m for m in matches if m is not None]


def assert_readable(reply: str) -> None:
    """Check that every entry names its actor in Chinese and does not repeat its label in the note."""
    for entry in history_lines(reply):
        actor = entry.group("actor")
        note = entry.group("note") or ""
        assert actor, entry.group(0)
        assert not re.search("[A-Za-z]", actor), entry.group(0)
        assert not note.startswith(entry.group("label")), entry.group(0)
        assert "吹哨：" not in note, entry.group(0)
        assert "报到：" not in note, entry.group(0)


async def test_whistle_history_in_chinese(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1", name="居民甲")
        await desk.say("吹哨 0001 住建", sender="officer", name="专员小李", at=later(1))
        await desk.say("报到 0001 住建 已派人", sender="officer", name="专员小李", at=later(2))

        in_group = (await desk.say("查询 0001", sender="r1", name="居民甲", at=later(3)))[0]
        in_private = (
            await desk.say("查询 0001", sender="r1", name="居民甲", chat_id="r1", private=True, at=later(4))
        )[0]

        assert "street" not in in_group
        assert "· 03-02 09:31 吹哨（小区专员）：住建" in in_group
        assert "· 03-02 09:32 部门报到（小区专员）：住建，已派人" in in_group
        assert "吹哨（专员小李）：住建" in in_private
        assert_readable(in_group)
        assert_readable(in_private)


async def test_history_without_member_actors(db_url):
    """Rows that no member wrote, including ones stored before the labels were fixed, read in Chinese."""
    rows = [
        ("department_called", "street", "吹哨：住建", {"department": "住建"}),
        ("department_reported", "street", "报到：住建", {"department": "住建"}),
        ("delivery_failed", "bot", "消息发送失败（wecom）", {"platform": "wecom", "error": "timeout"}),
        ("escalated", "scheduler", "超过办理时限，升级至小区党组织督办", {}),
        ("message_withdrawn", ARCHIVE_PLATFORM, "反映人撤回了一条与本工单有关的消息", {}),
        ("clock_resumed", "some_future_job", "", {}),
    ]
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")
        case = await desk.case(1)
        async with desk.services.sessionmaker() as session, session.begin():
            for minute, (kind, label, note, data) in enumerate(rows, start=1):
                session.add(
                    CaseEvent(
                        case_id=case.id, kind=kind, actor_label=label, note=note, data=data, at=later(minute)
                    )
                )

        # Staff see failed deliveries, which residents' history leaves out.
        reply = (await desk.say("查询 0001", sender="officer", at=later(30)))[0]
        resident_reply = (await desk.say("查询 0001", sender="r1", at=later(31)))[0]

        assert "消息发送失败" not in resident_reply
        assert_readable(reply)
        actors = [entry.group("actor") for entry in history_lines(reply)]
        assert actors == ["居**", "街道", "街道", "系统", "系统", "企业微信", "系统"]
        assert "吹哨（街道）：住建" in reply
        assert "部门报到（街道）：住建" in reply
        assert "消息发送失败（系统）：企业微信" in reply
        assert "wecom" not in reply


def test_machine_actor_labels_are_chinese():
    assert ARCHIVE_PLATFORM in MACHINE_ACTORS
    for label, chinese in MACHINE_ACTORS.items():
        assert not re.search("[A-Za-z]", chinese), label


async def test_merge_and_triage_notes_said_once(db_url):
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("5栋楼道灯坏了好几天了", sender="r2", at=later(1))
        await desk.say("分类 0001 设施报修", sender="officer", chat_id=STAFF_GROUP, at=later(2))
        await desk.say("分类 0002 设施报修", sender="officer", chat_id=STAFF_GROUP, at=later(3))
        await desk.say("合并 0002 0001", sender="officer", chat_id=STAFF_GROUP, at=later(4))

        reply = (await desk.say("查询 0001", sender="officer", chat_id=STAFF_GROUP, at=later(5)))[0]

        assert_readable(reply)
        assert "确认类别（小区专员）：设施报修" in reply
        assert "并入（小区专员）：工单 0002" in reply


async def test_every_event_kind_reads_in_chinese(db_url):
    """Each kind of event that no member wrote names its actor in Chinese, whichever machine label it has."""
    labels = [*MACHINE_ACTORS, "some_future_job"]
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")
        case = await desk.case(1)
        kinds = sorted(EVENT_LABELS)
        async with desk.services.sessionmaker() as session, session.begin():
            for minute, kind in enumerate(kinds, start=1):
                label = labels[minute % len(labels)]
                event = CaseEvent(case_id=case.id, kind=kind, actor_label=label, note="", data={}, at=later(minute))
                session.add(event)

        reply = (await desk.say("查询 0001", sender="r1", at=later(len(kinds) + 5)))[0]

        assert len(await desk.events(1)) == len(kinds) + 1
        assert len(history_lines(reply)) == TIMELINE_LENGTH
        assert_readable(reply)


async def test_long_history_says_what_was_left_out(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")
        await desk.say("受理 0001", sender="wang", at=later(1))
        for step in range(6):
            verb = "挂起 0001 等配件" if step % 2 == 0 else "恢复计时 0001"
            await desk.say(verb, sender="officer", at=later(2 + step))
        await desk.say("处理中 0001 师傅已到现场", sender="wang", at=later(10))
        await desk.say("升级 0001 一直没修好", sender="officer", at=later(11))
        await desk.say("升级 0001 还是没修好", sender="officer", at=later(12))
        events = await desk.events(1)

        reply = (await desk.say("查询 0001", sender="r1", at=later(20)))[0]

        history = reply.partition("办理记录：\n")[2].splitlines()
        left_out = len(events) - TIMELINE_LENGTH
        assert len(events) == 11
        assert len(history) == TIMELINE_LENGTH + 1
        assert history[0].startswith("· 03-02 09:30 登记（居**）")
        assert history[1] == f"· ……（中间省略{left_out}条记录）"
        assert "受理" not in history[2]
        assert history[-1].startswith("· 03-02 09:42 升级（小区专员）：还是没修好")


@pytest.mark.parametrize("extra_steps", [0, TIMELINE_LENGTH - 2])
async def test_short_history_shown_whole(db_url, extra_steps):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")
        await desk.say("受理 0001", sender="wang", at=later(1))
        for step in range(extra_steps):
            verb = "挂起 0001 等配件" if step % 2 == 0 else "恢复计时 0001"
            await desk.say(verb, sender="officer", at=later(2 + step))
        events = await desk.events(1)

        reply = (await desk.say("查询 0001", sender="r1", at=later(20)))[0]

        history = reply.partition("办理记录：\n")[2].splitlines()
        assert len(history) == len(events)
        assert len(events) <= TIMELINE_LENGTH
        assert "省略" not in reply



async def test_bot_label_of_nameless_member_reads_as_role(db_url):
    """Rows stored for a member with no display name hold "bot"; 查询 names the member's role, never "bot"."""
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1", name="居民甲")
        await desk.say("受理 0001", sender="wang", name="物业老王", at=later(1))
        case = await desk.case(1)
        wang_id = (await desk.events(1))[-1].actor_id
        async with desk.services.sessionmaker() as session, session.begin():
            for minute, (kind, actor_id) in enumerate([("started", wang_id), ("rated", case.reporter_id)], start=2):
                event = CaseEvent(
                    case_id=case.id, kind=kind, actor_id=actor_id, actor_label="bot", note="", at=later(minute)
                )
                session.add(event)

        in_group = (await desk.say("查询 0001", sender="r1", name="居民甲", at=later(10)))[0]
        in_private = (
            await desk.say("查询 0001", sender="r1", name="居民甲", chat_id="r1", private=True, at=later(11))
        )[0]

        group_actors = {e.group("label"): e.group("actor") for e in history_lines(in_group)}
        private_actors = {e.group("label"): e.group("actor") for e in history_lines(in_private)}
        assert group_actors["评价"] == "居民"
        assert private_actors["评价"] == "居民"
        assert group_actors["处理中"] == group_actors["受理"]
        assert private_actors["处理中"] == group_actors["受理"]
        assert_readable(in_group)
        assert_readable(in_private)


async def test_nameless_member_rating_stores_no_bot(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1", name="居民甲")
        await desk.say("受理 0001", sender="wang", name="物业老王", at=later(1))
        await desk.say("办结 0001 已重做防水层", sender="wang", name="物业老王", at=later(2))
        case = await desk.case(1)
        # Some accounts reach the bot with no nickname at all.
        async with desk.services.sessionmaker() as session, session.begin():
            reporter = await session.get_one(Member, case.reporter_id)
            reporter.display_name = ""
        rating = message("评价 0001 满意", sender="r1", chat_id="r1", at=later(3))
        await desk.send(replace(rating, sender_name="", is_private=True))
        in_group = (await desk.say("查询 0001", sender="r1", at=later(4)))[0]

        rated = next(e for e in await desk.events(1) if e.kind == "rated")
        assert rated.actor_id == case.reporter_id
        assert rated.actor_label == ""
        assert "评价（居民）" in in_group
