"""Looking up and creating members, chats and compounds."""

from __future__ import annotations

import logging
import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.member_merge import account_member_ids, merge_split
from models import ChatGroup, ChatKind, Compound, Identity, Member, Party, PartyKind
from models.codes import normalize_code
from models.db import storage_unavailable

log = logging.getLogger("handlers.directory")

# The WeCom self-built app, the WeCom AI bot and the session archive name a
# corp member by the corp's user id (FromUserName, from.userid and the
# archive record's from), so one user id on any of these routes is one person.
# The outbox prefers the routes in this order when a notice reaches one
# person on several of them.
# NOTE: this assumes the AI bot belongs to the corp of WECOM_CORP_ID, as one
# deployment serves one corp.
CORP_ACCOUNT_PLATFORMS = ("wecom", "wecom_aibot", "wecom_archive")
ARCHIVE_PLATFORM = "wecom_archive"
# Routes whose senders are corp members, so an id seen there is a member's
# user id. The app hears only members in its visible range.
# NOTE: the AI bot is taken to hear only members too. Whether it can join a
# customer group with external contacts is not verified.
MEMBER_PLATFORMS = ("wecom", "wecom_aibot")
# An archive record names a member of the corp by their user id and anyone
# else by an external_userid (WeCom doc 91774, 获取会话内容, field "from").
# External contacts (residents on WeChat) have one that starts with wo or
# wm, and robots one that starts with wb.
EXTERNAL_ID_PREFIXES = ("wo", "wm", "wb")
# WeCom generates external_userids as long strings of letters, digits, "_"
# and "-", such as wbjc7bDWAAJVYIUKpSA3Z5U11tDO4AAA (32 characters). A corp
# picks a member's user id itself: 1 to 64 letters, digits, "-", "_", "." or
# "@" (WeCom error 40003). So "wolf" or "wmz" is a member whose id only
# starts like an external one.
# NOTE: WeCom documents no length for external ids. The examples seen have
# 27 to 32 characters, so 20 is the floor here, and a member id of 20 or
# more such characters that starts with wo, wm or wb is taken as external.
_GENERATED_EXTERNAL_ID = re.compile(r"(?:wo|wm|wb)[0-9A-Za-z_-]{18,62}")


def is_generated_external_id(user_id: str) -> bool:
    """Tell whether a user id has the prefix and the shape of an external_userid WeCom generated."""
    return _GENERATED_EXTERNAL_ID.fullmatch(user_id) is not None


def corp_account_platforms(platform: str, platform_user_id: str) -> tuple[str, ...]:
    """Return the platforms where this user id may name the same corp member, or () when it names none.

    This reads the id alone. An archive id that starts like an external one
    but is too short to be generated ("wolf") is a member only when the app
    or the AI bot has an account with it, which `linked_platforms` checks.
    """
    if platform not in CORP_ACCOUNT_PLATFORMS or not platform_user_id:
        return ()
    if not platform_user_id.startswith(EXTERNAL_ID_PREFIXES):
        return CORP_ACCOUNT_PLATFORMS
    if not is_generated_external_id(platform_user_id):
        return CORP_ACCOUNT_PLATFORMS
    if platform == ARCHIVE_PLATFORM:
        return ()
    # A member of the app or AI bot whose id has the shape of a generated
    # external one: in the archive, the same id is an external contact.
    return MEMBER_PLATFORMS


async def linked_platforms(session: AsyncSession, platform: str, platform_user_id: str) -> tuple[str, ...]:
    """Return the platforms where this user id names the same corp member, or () when it names none.

    An archive id such as "wolf" or "wmz" starts like an external_userid
    but is too short to be one that WeCom generated. It is taken as a
    member's id once the app or the AI bot has an account with it, because
    those routes deliver only members' messages. Until then it stays apart,
    and the member's first message through the app or AI bot links it.
    """
    platforms = corp_account_platforms(platform, platform_user_id)
    if platform != ARCHIVE_PLATFORM or not platforms or not platform_user_id.startswith(EXTERNAL_ID_PREFIXES):
        return platforms
    known = await session.scalar(
        select(Identity.id)
        .where(Identity.platform.in_(MEMBER_PLATFORMS), Identity.platform_user_id == platform_user_id)
        .limit(1)
    )
    return platforms if known is not None else ()


async def member_for(
    session: AsyncSession, platform: str, platform_user_id: str, display_name: str = ""
) -> Member:
    """Return the member behind a platform account, creating one on first contact.

    An account on a corp route (see linked_platforms) shares the
    member of the same user id on the other corp routes, so the home, cases,
    ratings and roles are one person's. When that person has several
    members, split before the accounts were linked, they are merged here
    (see handlers.member_merge).
    """
    linked = await linked_platforms(session, platform, platform_user_id)
    identity = await session.scalar(
        select(Identity).where(
            Identity.platform == platform, Identity.platform_user_id == platform_user_id
        )
    )
    if identity is not None:
        member = None
        if linked:
            member = await _corp_member(session, linked, platform_user_id, own_member_id=identity.member_id)
        if member is None:
            member = await session.get_one(Member, identity.member_id)
        if display_name and member.display_name != display_name:
            member.display_name = display_name
        return member
    member = await _corp_member(session, linked, platform_user_id, own_member_id=None) if linked else None
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


async def _corp_member(
    session: AsyncSession, platforms: tuple[str, ...], user_id: str, *, own_member_id: int | None
) -> Member | None:
    """Return the member of a corp user id, merging its members first when there are several.

    A merge that fails is rolled back alone and logged, and the account
    keeps its own member (or, for a new account, the oldest one), so a
    person whose members cannot be merged can still write.
    """
    member_ids = await account_member_ids(session, platforms, user_id)
    if not member_ids:
        return None
    if len(member_ids) == 1:
        return await session.get_one(Member, next(iter(member_ids)))
    # Flushed first, so rolling back the merge's savepoint undoes nothing else.
    await session.flush()
    try:
        async with session.begin_nested():
            return await merge_split(session, platforms, user_id)
    except Exception as exc:
        if storage_unavailable(exc):
            raise
        log.exception(
            "merging members %s of corp user %s failed; they stay separate",
            sorted(member_ids),
            user_id,
        )
    # The rolled-back savepoint expired what the merge had loaded.
    return await session.get_one(Member, own_member_id or min(member_ids), populate_existing=True)


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
