"""Looking up and creating members, chats and compounds."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import ChatGroup, ChatKind, Compound, Identity, Member, Party, PartyKind

_NUMBER = r"(?:\d+|[一二三四五六七八九十百]+)"
# The suffix that names one group of a compound rather than the compound
# itself (阳光花园3栋业主群 and 阳光花园志愿者群 both belong to 阳光花园):
# 3栋, 1-3栋, 二期, 业主交流 or 2群, in any order, up to the word 群.
_GROUP_SUFFIX = re.compile(
    rf"(?:[\s·\-_、（）()]*(?:{_NUMBER}(?:\s*[-~至到]\s*{_NUMBER})?\s*(?:栋|幢|号楼|楼|期|区|单元)"
    r"|业主|居民|住户|邻里|志愿者|党员|租户|交流|互助|服务|楼栋|物业|管理|通知|议事|大|总|新))*"
    rf"[\s·\-_]*{_NUMBER}?\s*群\s*{_NUMBER}?\s*$"
)
# 【翠湖苑】业主群 and [翠湖苑]业主群: the bracketed part is the compound.
_BRACKETED = re.compile(r"^\s*[【\[（(]([^】\]）)]+)[】\]）)]")
# The word 小区 after a name is how people refer to it, not part of the name.
_COMPOUND_WORD = re.compile(r"(?<=.{2})小区$")


async def member_for(
    session: AsyncSession, platform: str, platform_user_id: str, display_name: str = ""
) -> Member:
    """Return the member behind a platform account, creating one on first contact."""
    identity = await session.scalar(
        select(Identity).where(
            Identity.platform == platform, Identity.platform_user_id == platform_user_id
        )
    )
    if identity is not None:
        member = await session.get_one(Member, identity.member_id)
        if display_name and member.display_name != display_name:
            member.display_name = display_name
        return member
    member = Member(display_name=display_name)
    member.identities.append(Identity(platform=platform, platform_user_id=platform_user_id))
    session.add(member)
    await session.flush()
    return member


async def chat_for(
    session: AsyncSession, platform: str, chat_id: str, *, title: str = "", private: bool = False
) -> ChatGroup:
    """Return the stored chat, creating an unbound one on first contact."""
    chat = await session.scalar(
        select(ChatGroup).where(ChatGroup.platform == platform, ChatGroup.chat_id == chat_id)
    )
    if chat is None:
        kind = ChatKind.PRIVATE if private else ChatKind.RESIDENT_GROUP
        chat = ChatGroup(platform=platform, chat_id=chat_id, title=title, kind=kind)
        session.add(chat)
        await session.flush()
    elif title and chat.title != title:
        chat.title = title
    return chat


async def compound_by_code(session: AsyncSession, code: str) -> Compound | None:
    return await session.scalar(select(Compound).where(func.upper(Compound.code) == code.upper()))


async def compound_by_name(session: AsyncSession, name: str) -> Compound | None:
    return await session.scalar(select(Compound).where(Compound.name == name))


def compound_name_from_group(group_title: str) -> str:
    """Guess the compound's name from a group's title by removing group suffixes.

    翠湖苑业主2群, 翠湖苑1-3栋群, 【翠湖苑】业主交流群 and 翠湖苑小区业主群
    all name 翠湖苑.
    """
    title = group_title.strip()
    bracketed = _BRACKETED.match(title)
    if bracketed:
        return bracketed.group(1).strip()
    name = _GROUP_SUFFIX.sub("", title).strip(" ·-_、")
    name = _COMPOUND_WORD.sub("", name)
    return name or title


async def create_compound(session: AsyncSession, name: str, code: str | None = None) -> Compound:
    """Create a compound with its three parties, named after the compound."""
    if code is None:
        count = await session.scalar(select(func.count()).select_from(Compound)) or 0
        code = f"XQ{count + 1:04d}"
        while await compound_by_code(session, code) is not None:
            count += 1
            code = f"XQ{count + 1:04d}"
    compound = Compound(code=code, name=name)
    compound.parties.extend(
        [
            Party(kind=PartyKind.PROPERTY, name=f"{name}物业服务中心"),
            Party(kind=PartyKind.COMMITTEE, name=f"{name}业主委员会"),
            Party(kind=PartyKind.PARTY, name=f"{name}党支部"),
        ]
    )
    session.add(compound)
    await session.flush()
    return compound


async def bind_chat(session: AsyncSession, chat: ChatGroup, compound: Compound, now: datetime) -> None:
    """Bind a chat to a compound; later messages from it open cases there."""
    chat.compound_id = compound.id
    chat.compound = compound
    chat.bound_at = now
    chat.active = True
