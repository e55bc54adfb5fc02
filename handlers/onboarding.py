"""First contact in a private chat: ask once where the resident lives, and remember it.

A group is bound to its compound by the liaison officer. No officer is in a
private chat, so the resident replies with the compound code (or scans the
compound's QR code, whose scene value is that code) and, optionally, the
building. The chat is then bound like a group, and later reports go
through the same pipeline.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.directory import bind_chat, compound_by_code
from handlers.messages import ChatTarget, InboundMessage, Reply
from models import ChatGroup, Compound, Member, PrivateChatHome

log = logging.getLogger("handlers.onboarding")

# Compound codes are letters then digits (XQ0001); a QR scene value may add
# the building after a separator (XQ0001-3, XQ0001_3).
_CODE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,6}\d{2,8})(?:[-_#](\d{1,4}))?(?![A-Za-z0-9])")
_BUILDING = re.compile(r"(\d{1,4})\s*(?:栋|幢|号楼|座)")

QUESTION = (
    "您好，欢迎使用小区服务。为了把您反映的问题转给对应的小区，请先告诉我们您住在哪个小区、哪一栋："
    "发送小区编码和楼栋，例如“XQ0001 3栋”，也可以直接扫描小区二维码。"
    "小区编码可向小区专员或物业服务中心询问。"
)


def parse_home(text: str) -> tuple[str, str | None] | None:
    """Return the compound code and building a resident wrote, or None if there is no code."""
    match = _CODE.search(text.removeprefix("qrscene_"))
    if match is None:
        return None
    building = match.group(2)
    if building is None:
        named = _BUILDING.search(text)
        building = named.group(1) if named else None
    return match.group(1).upper(), building


async def onboard(
    session: AsyncSession, chat: ChatGroup, member: Member, message: InboundMessage, now: datetime
) -> list[Reply]:
    """Handle a message in a private chat that is bound to no compound yet.

    The first message gets the question; an answer naming a known compound
    binds the chat; an unknown code gets a short correction. Anything
    else after the question gets no answer, so the question goes out once.
    """
    home = await _home_for(session, chat, member)
    answer = parse_home(message.text)
    if answer is not None:
        code, building = answer
        compound = await compound_by_code(session, code)
        if compound is not None:
            await _remember(session, home, chat, compound, building, now)
            log.info(
                "private chat bound: platform=%s chat=%s compound=%s",
                chat.platform,
                chat.id,
                compound.id,
            )
            return [_reply(message, _welcome(compound, building))]
        if home.asked_at is not None:
            return [
                _reply(
                    message, f"没有找到编码为“{code}”的小区，请核对后重新发送，例如“XQ0001 3栋”。"
                )
            ]
    if home.asked_at is None:
        home.asked_at = now
        return [_reply(message, QUESTION)]
    return []


async def home_of(session: AsyncSession, platform: str, chat_id: str) -> PrivateChatHome | None:
    """Return the home the resident of a private chat named, if they named one."""
    return await session.scalar(
        select(PrivateChatHome).where(
            PrivateChatHome.platform == platform, PrivateChatHome.chat_id == chat_id
        )
    )


async def _home_for(session: AsyncSession, chat: ChatGroup, member: Member) -> PrivateChatHome:
    home = await home_of(session, chat.platform, chat.chat_id)
    if home is None:
        home = PrivateChatHome(platform=chat.platform, chat_id=chat.chat_id, member_id=member.id)
        session.add(home)
        await session.flush()
    return home


async def _remember(
    session: AsyncSession,
    home: PrivateChatHome,
    chat: ChatGroup,
    compound: Compound,
    building: str | None,
    now: datetime,
) -> None:
    home.compound_id = compound.id
    home.building = building
    home.answered_at = now
    await bind_chat(session, chat, compound, now)


def _welcome(compound: Compound, building: str | None) -> str:
    where = f"{compound.name}{building}栋" if building else compound.name
    return (
        f"您好，已记录您住在{where}。今后您在这里直接描述遇到的问题即可，"
        f"例如“电梯坏了”“楼道灯不亮”，我们会登记为工单并转交处理。"
    )


def _reply(message: InboundMessage, text: str) -> Reply:
    return Reply(
        target=ChatTarget(message.platform, message.chat_id),
        text=text,
        audience="reporter",
        reply_to=message.message_id,
    )
