"""Co-reporters of a case that becomes urgent hear it, with the advice, once per chat they reported in."""

from __future__ import annotations

from sqlalchemy import update

from handlers.directory import bind_chat, chat_for
from handlers.messages import ChatTarget, UserTarget
from models import ChatGroup, Compound
from tests.helpers import later
from tests.workflow.desk import STAFF_GROUP, Desk, open_desk
from tests.workflow.test_reporters_elsewhere import (
    OTHER_GROUP,
    group_notes,
    private_to,
    say_elsewhere,
    second_platform,
)

LIFT = "3栋电梯坏了，停在5楼不动"
TRAPPED = "人都困在里面了，快来人"
LIFT_ADVICE = "被困人员请按电梯警铃，并拨打电梯内的救援电话或119。"
RAISED = "已改为紧急工单"


async def bind_second_group(desk: Desk) -> None:
    async with desk.services.sessionmaker() as session, session.begin():
        chat = await chat_for(session, "test", "group-2", title="阳光花园3栋楼栋群")
        await bind_chat(session, chat, await session.get_one(Compound, desk.compound.id), later(0))


def sent_to_group(desk: Desk, chat_id: str) -> list[str]:
    return [text for target, text in desk.console.sent if target == ChatTarget("test", chat_id)]


def raised_to_user(desk: Desk, user_id: str) -> list[str]:
    return [text for target, text in desk.console.sent if target == UserTarget("test", user_id) and RAISED in text]


async def test_co_reporters_told_once_per_chat(db_url):
    async with open_desk(db_url) as desk:
        other = await second_platform(desk)
        await bind_second_group(desk)
        await desk.say(LIFT, sender="r1", message_id="lift-1")
        await desk.say("我也是", sender="r2", reply_to="lift-1", at=later(1))
        await desk.say("3栋电梯又坏了，停在5楼", sender="r3", chat_id="group-2", at=later(2))
        await desk.say("3栋电梯又坏了，一直停在5楼", sender="r4", chat_id="group-2", at=later(3))
        await say_elsewhere(desk, other, "3栋电梯又坏了，停在5楼", sender="x1", minutes=4)
        assert (await desk.case(1)).reporter_count == 5
        in_group_1 = len(sent_to_group(desk, "group-1"))
        in_group_2 = len(sent_to_group(desk, "group-2"))
        other.sent.clear()

        replies = await desk.say(TRAPPED, sender="r1", at=later(5))

        assert (await desk.case(1)).urgent
        # The reporter's own group reads the reply and nothing more.
        assert len(sent_to_group(desk, "group-1")) == in_group_1 + 1
        reporter_advice = replies[0].split("\n")[0]
        assert "拨打" in reporter_advice
        (second,) = sent_to_group(desk, "group-2")[in_group_2:]
        advice, news = second.split("\n")
        assert advice == reporter_advice
        assert news.startswith("工单 0001（设施报修·紧急）")
        assert RAISED in news
        (elsewhere,) = group_notes(other)
        assert elsewhere.startswith(reporter_advice)
        assert private_to(other, "x1") == []
        for user_id in ("r1", "r2", "r3", "r4"):
            assert raised_to_user(desk, user_id) == []


async def test_co_reporter_of_closed_group_told_privately(db_url):
    async with open_desk(db_url) as desk:
        other = await second_platform(desk)
        await desk.say(LIFT, sender="r1")
        await say_elsewhere(desk, other, "3栋电梯又坏了，停在5楼", sender="x1", minutes=2)
        async with desk.services.sessionmaker() as session, session.begin():
            await session.execute(update(ChatGroup).where(ChatGroup.chat_id == OTHER_GROUP).values(active=False))
        other.sent.clear()

        replies = await desk.say(TRAPPED, sender="r1", at=later(5))

        assert group_notes(other) == []
        (notice,) = private_to(other, "x1")
        advice, news = notice.split("\n")
        assert advice == replies[0].split("\n")[0]
        assert news.startswith("您好，您反映过的工单 0001（设施报修·紧急）已改为紧急工单")
        assert "查询 0001" in news


async def test_urgent_merge_tells_target_reporters(db_url):
    async with open_desk(db_url) as desk:
        other = await second_platform(desk)
        await desk.say(LIFT, sender="r1")
        await say_elsewhere(desk, other, "3栋电梯又坏了，停在5楼", sender="x1", minutes=2)
        await desk.say("11栋电梯里有人被困，快来人", sender="r5", chat_id="group-1", at=later(30))
        assert not (await desk.case(1)).urgent
        assert (await desk.case(2)).urgent
        in_group_1 = len(sent_to_group(desk, "group-1"))
        other.sent.clear()

        await desk.say("合并 0002 0001", sender="officer", chat_id=STAFF_GROUP, at=later(31))

        assert (await desk.case(1)).urgent
        raised = [text for text in sent_to_group(desk, "group-1")[in_group_1:] if RAISED in text]
        assert len(raised) == 1
        assert raised[0].startswith(LIFT_ADVICE)
        (elsewhere,) = group_notes(other)
        assert RAISED in elsewhere
        assert raised_to_user(desk, "r1") == []
        assert raised_to_user(desk, "r5") == []


async def test_merge_of_routine_case_sends_none(db_url):
    async with open_desk(db_url) as desk:
        other = await second_platform(desk)
        await desk.say(LIFT, sender="r1")
        await say_elsewhere(desk, other, "3栋电梯又坏了，停在5楼", sender="x1", minutes=2)
        await desk.say("东门的路灯不亮了", sender="r5", at=later(30))
        other.sent.clear()

        replies = await desk.say("合并 0002 0001", sender="officer", chat_id=STAFF_GROUP, at=later(31))

        assert not (await desk.case(1)).urgent
        assert not any(RAISED in text for text in replies)
        assert not any(RAISED in text for text in group_notes(other))


async def test_urgent_merge_tells_parties(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")
        await desk.say("11栋电梯里有人被困，快来人", sender="r5", at=later(30))

        await desk.say("合并 0002 0001", sender="officer", chat_id=STAFF_GROUP, at=later(31))

        (to_firm,) = [text for text in desk.last_to_user("wang") if text.startswith("【转为紧急】")]
        assert to_firm.startswith("【转为紧急】阳光花园 工单 0001")
        assert "紧急情况：并入的工单 0002：11栋电梯里有人被困" in to_firm
        # Case 0002 opened at 10:00 as urgent, and case 0001 keeps its deadlines.
        assert "时限：改按紧急工单计时，3月2日（周一）12:00前响应，3月3日（周二）10:00前办结。" in to_firm
        assert "回复“受理 0001”确认受理。" in to_firm
        (copy,) = [text for text in desk.last_to_user("officer") if text.startswith("【抄送·转为紧急】")]
        assert "工单 0001" in copy


async def test_merge_into_urgent_case_tells_no_party(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("11栋电梯里有人被困，快来人", sender="r5")
        await desk.say(LIFT, sender="r1", at=later(30))

        await desk.say("合并 0002 0001", sender="officer", chat_id=STAFF_GROUP, at=later(31))

        assert (await desk.case(2)).merged_into_id == (await desk.case(1)).id
        assert not [text for text in desk.last_to_user("wang") if "转为紧急" in text]
        assert not [text for text in desk.last_to_user("officer") if "转为紧急" in text]
