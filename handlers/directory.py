"""Looking up and creating members, chats and compounds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import ChatGroup, ChatKind, Compound, Identity, Member, Party, PartyKind
from models.codes import normalize_code

# The WeCom self-built app and the WeCom AI bot both name a sender by the
# corp's member user id (FromUserName and from.userid), so one id on either
# route is one person.
# NOTE: this assumes the AI bot belongs to the corp of WECOM_CORP_ID, as one
# deployment serves one corp. Members created separately before the two
# accounts were shared stay separate.
SHARED_ACCOUNT_PLATFORMS = {"wecom": ("wecom_aibot",), "wecom_aibot": ("wecom",)}


async def member_for(
    session: AsyncSession, platform: str, platform_user_id: str, display_name: str = ""
) -> Member:
    """Return the member behind a platform account, creating one on first contact.

    On first contact through one of SHARED_ACCOUNT_PLATFORMS, the account
    joins the member who already writes with the same user id on the other
    route, so the home, cases and ratings are that member's.
    """
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
    member = await _shared_account_member(session, platform, platform_user_id)
    if member is None:
        member = Member(display_name=display_name)
    elif display_name and not member.display_name:
        member.display_name = display_name
    member.identities.append(Identity(platform=platform, platform_user_id=platform_user_id))
    try:
        async with session.begin_nested():
            session.add(member)
            await session.flush()
    except IntegrityError:
        # Two first messages of one sender, handled at once: the other
        # transaction created the account, so this one uses it.
        identity = await session.scalar(
            select(Identity).where(
                Identity.platform == platform, Identity.platform_user_id == platform_user_id
            )
        )
        if identity is None:
            raise
        return await session.get_one(Member, identity.member_id)
    return member


async def _shared_account_member(
    session: AsyncSession, platform: str, platform_user_id: str
) -> Member | None:
    siblings = SHARED_ACCOUNT_PLATFORMS.get(platform, ())
    if not siblings:
        return None
    identity = await session.scalar(
        select(Identity)
        .where(Identity.platform.in_(siblings), Identity.platform_user_id == platform_user_id)
        .order_by(Identity.id)
        .limit(1)
    )
    if identity is None:
        return None
    return await session.get_one(Member, identity.member_id)


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
    """Return the compound with a code as people type it: xq0001 and ＸＱ０００１ find XQ0001."""
    return await session.scalar(select(Compound).where(func.upper(Compound.code) == normalize_code(code)))


async def compound_by_name(session: AsyncSession, name: str) -> Compound | None:
    return await session.scalar(select(Compound).where(Compound.name == name))


async def create_compound(session: AsyncSession, name: str, code: str | None = None) -> Compound:
    """Create a compound with its three parties, named after the compound."""
    if code is None:
        count = await session.scalar(select(func.count()).select_from(Compound)) or 0
        code = f"XQ{count + 1:04d}"
        while await compound_by_code(session, code) is not None:
            count += 1
            code = f"XQ{count + 1:04d}"
    compound = Compound(code=normalize_code(code), name=name)
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
