"""Register commands from staff in a residents' group of a compound where they hold no role.

A replay that misread a work group's title binds it, as a residents' group,
to a compound without staff. Staff who write 登记住户 there are still staff:
the command is refused without storing the person's details anywhere.
"""

from __future__ import annotations

from sqlalchemy import func, select

from handlers.directory import bind_chat, chat_for, create_compound
from models import Case, ChatKind, Occupant, RawMessage
from tests.helpers import T0
from tests.workflow.desk import Desk, open_desk

OTHER_GROUP = "group-2"
ZHANG = "登记住户 3栋2单元1002 张三 业主 13812345678 独居老人 备注 腿脚不便"
REFUSAL = "住户档案涉及个人信息，不在居民群中使用。请私聊机器人，或在工作群发送。"


async def _group_on_unstaffed_compound(desk: Desk) -> None:
    async with desk.services.sessionmaker() as session, session.begin():
        other = await create_compound(session, "阳光花园工作")
        chat = await chat_for(session, "test", OTHER_GROUP, title="阳光花园工作群")
        await bind_chat(session, chat, other, T0)
        assert chat.kind == ChatKind.RESIDENT_GROUP


async def _count(desk: Desk, model) -> int:
    async with desk.services.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def _raw_texts(desk: Desk) -> list[str]:
    async with desk.services.sessionmaker() as session:
        return list(await session.scalars(select(RawMessage.text).order_by(RawMessage.id)))


async def test_officer_register_refused_in_other_compound_group(db_url):
    async with open_desk(db_url) as desk:
        await _group_on_unstaffed_compound(desk)

        replies = await desk.say(ZHANG, sender="officer", chat_id=OTHER_GROUP)

        assert replies == [REFUSAL]
        assert await _count(desk, Case) == 0
        assert await _count(desk, Occupant) == 0
        assert await _raw_texts(desk) == ["登记住户（内容含个人信息，未保存）"]


async def test_party_staff_register_refused_in_other_compound_group(db_url):
    async with open_desk(db_url) as desk:
        await _group_on_unstaffed_compound(desk)

        replies = await desk.say("住户 3栋2单元1002", sender="wang", chat_id=OTHER_GROUP)

        assert replies == [REFUSAL]
        assert await _count(desk, Case) == 0


async def test_resident_line_with_register_word_still_reported(db_url):
    async with open_desk(db_url) as desk:
        await _group_on_unstaffed_compound(desk)

        replies = await desk.say("住户 3栋的电梯又坏了，困了人", sender="r1", chat_id=OTHER_GROUP)

        assert any("工单 0001" in reply for reply in replies), replies
        assert await _count(desk, Case) == 1
