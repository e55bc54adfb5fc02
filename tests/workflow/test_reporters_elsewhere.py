"""Reporters of one case on two platforms: each hears of the case where they reported it."""

from __future__ import annotations

import io
from dataclasses import replace

from sqlalchemy import delete, select, update

from bot.adapters.console import ConsoleOutbound
from handlers.directory import bind_chat, chat_for
from handlers.messages import ChatTarget, UserTarget
from models import CaseReporter, Compound, Identity, Member
from tests.helpers import later, message
from tests.workflow.desk import STAFF_GROUP, Desk, open_desk

OTHER = "other"
OTHER_GROUP = "other-group"
LIFT = "3栋电梯坏了，停在5楼不动"


async def second_platform(desk: Desk) -> ConsoleOutbound:
    """Run a second platform whose residents' group is bound to the desk's compound."""
    console = ConsoleOutbound(io.StringIO(), platform=OTHER)
    desk.services.outbox.register(console)
    async with desk.services.sessionmaker() as session, session.begin():
        chat = await chat_for(session, OTHER, OTHER_GROUP, title="阳光花园二群")
        await bind_chat(session, chat, await session.get_one(Compound, desk.compound.id), later(0))
    return console


async def say_elsewhere(desk: Desk, other: ConsoleOutbound, text: str, *, sender: str, minutes: int) -> list[str]:
    """Send a message in the other platform's group and return the replies the bot sent there."""
    before = len(other.sent)
    inbound = replace(message(text, sender=sender, chat_id=OTHER_GROUP, at=later(minutes)), platform=OTHER)
    await desk.send(inbound)
    return [text for _target, text in other.sent[before:]]


def private_to(console: ConsoleOutbound, user_id: str) -> list[str]:
    return [text for target, text in console.sent if target == UserTarget(OTHER, user_id)]


def group_notes(console: ConsoleOutbound) -> list[str]:
    return [text for target, text in console.sent if target == ChatTarget(OTHER, OTHER_GROUP)]


async def test_co_reporter_elsewhere_hears_acknowledgement(db_url):
    async with open_desk(db_url) as desk:
        other = await second_platform(desk)
        await desk.say(LIFT, sender="r1")
        joined = await say_elsewhere(desk, other, "3栋电梯又坏了，停在5楼", sender="x1", minutes=2)
        assert any("已有工单 0001" in text for text in joined)
        other.sent.clear()

        await desk.say("受理 0001", sender="wang", chat_id=STAFF_GROUP, at=later(5))

        assert len(desk.last_to_user("r1")) == 1
        detail = private_to(other, "x1")
        assert len(detail) == 1
        assert detail[0].startswith("您好，您反映的工单 0001（设施报修）已由阳光花园物业服务中心响应")
        assert len(group_notes(other)) == 1
        assert "已响应，正在处理" in group_notes(other)[0]


async def test_merged_reporter_elsewhere_hears_outcome(db_url):
    async with open_desk(db_url) as desk:
        other = await second_platform(desk)
        await desk.say(LIFT, sender="r1")
        await say_elsewhere(desk, other, "东门的路灯不亮了", sender="x2", minutes=2)
        await desk.say("合并 0002 0001", sender="officer", chat_id=STAFF_GROUP, at=later(3))
        await desk.say("受理 0001", sender="wang", chat_id=STAFF_GROUP, at=later(4))
        other.sent.clear()

        reply = await desk.say(
            "无法解决 0001 需业主大会表决动用维修基金", sender="wang", chat_id=STAFF_GROUP, at=later(6)
        )

        detail = private_to(other, "x2")
        assert len(detail) == 1
        assert "暂无法解决" in detail[0]
        assert "说明：需业主大会表决动用维修基金" in detail[0]
        assert len(desk.last_to_user("r1")) == 1
        assert reply[0] == "工单 0001 已标记为无法解决。原因已告知反映人。"


async def test_confirmation_counts_unreachable_reporter(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1", message_id="lift-1")
        await desk.say("我也是", sender="r2", reply_to="lift-1", at=later(1))
        await desk.say("受理 0001", sender="wang", chat_id=STAFF_GROUP, at=later(2))
        # A reporter row kept without its message, of a member whose accounts are gone.
        async with desk.services.sessionmaker() as session, session.begin():
            member_id = await session.scalar(select(Identity.member_id).where(Identity.platform_user_id == "r2"))
            await session.execute(
                update(CaseReporter).where(CaseReporter.member_id == member_id).values(raw_message_id=None)
            )
            await session.execute(delete(Identity).where(Identity.member_id == member_id))

        reply = await desk.say("无法解决 0001 需要业主大会表决", sender="wang", chat_id=STAFF_GROUP, at=later(5))

        assert reply[0] == "工单 0001 已标记为无法解决。原因已告知1位反映人，另有1位没有可联系的账号，请人工告知。"
        assert len(desk.last_to_user("r1")) == 1
        async with desk.services.sessionmaker() as session:
            assert await session.get(Member, member_id) is not None


async def test_sole_reporter_officer_gets_no_claim(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="officer")
        await desk.say("受理 0001", sender="officer", chat_id=STAFF_GROUP, at=later(1))

        reply = await desk.say("无法解决 0001 需要业主大会表决", sender="officer", chat_id=STAFF_GROUP, at=later(2))

        assert reply[0] == "工单 0001 已标记为无法解决。"
