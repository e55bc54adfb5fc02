"""Administration from the command line: compounds, property firms, staff roles and routing overrides.

A new deployment needs these steps before its first liaison officer exists,
because granting roles from a chat takes an officer.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin_checks import (
    GROUP_ROBOT_PLATFORM,
    MAX_NAME_CHARS,
    check_robot_name,
    check_scope,
    checked_code,
    checked_platform,
    checked_user_id,
    optional_place_name,
    optional_text,
    place_name,
)
from handlers.directory import compound_by_code, create_compound, member_for
from handlers.errors import NotFound
from handlers.permissions import grant_role
from handlers.routing import set_override
from models import PARTY_ROLES, ROLE_LABELS, Community, Compound, PartyKind, Role, RoleKind, Street
from nlp.labels import CATEGORY_LABELS, ROUTE_LABELS


@dataclass(frozen=True, slots=True)
class CompoundRow:
    code: str
    name: str
    community: str
    street: str


async def _street(session: AsyncSession, name: str) -> Street:
    street = await session.scalar(select(Street).where(Street.name == name))
    if street is None:
        street = Street(name=name)
        session.add(street)
        await session.flush()
    return street


async def _community(session: AsyncSession, name: str, street_name: str | None) -> Community:
    community = await session.scalar(select(Community).where(Community.name == name))
    if community is None:
        community = Community(name=name)
        session.add(community)
    if street_name:
        community.street = await _street(session, street_name)
    await session.flush()
    return community


async def _check_street_of(session: AsyncSession, community_name: str, street_name: str | None) -> None:
    """Reject moving an existing community to another street by naming it for a new compound.

    Moving it would take all its compounds away from the old street's staff
    and out of that street on the dashboard.
    """
    community = await session.scalar(select(Community).where(Community.name == community_name))
    if community is None or not street_name or community.street is None:
        return
    if community.street.name != street_name:
        msg = (
            f"社区「{community_name}」已属于「{community.street.name}」，不能再归入「{street_name}」；"
            f"请去掉 --street 或改用「{community.street.name}」"
        )
        raise ValueError(msg)


async def _street_without_community(session: AsyncSession, name: str, street_name: str) -> str:
    """Build the message for --street without --community, naming the street's communities if any."""
    known = list(
        await session.scalars(
            select(Community.name).join(Street, Community.street_id == Street.id).where(Street.name == street_name)
        )
    )
    example = known[0] if len(known) == 1 else "社区名称"
    msg = (
        "小区挂在社区下，社区再归属街道，所以只给 --street 还不够，请加上 --community 社区名称，"
        f"例如：python -m bot compound-add {name} --community {example} --street {street_name}"
    )
    if known:
        msg += f"。「{street_name}」下已有社区：{'、'.join(sorted(known))}"
    return msg


async def _check_name_free(session: AsyncSession, name: str, community_name: str | None) -> None:
    """Reject a compound name that would not tell the new compound from an existing one.

    Bot replies and case listings name a compound by its name, and the
    dashboard adds only its community, so two compounds of one name in one
    community would look the same. A compound outside any community shows
    no community at all, so its name must differ from every other compound's.
    """
    existing = list(await session.scalars(select(Compound).where(Compound.name == name).order_by(Compound.code)))
    if community_name is not None:
        same = next((c for c in existing if c.community is not None and c.community.name == community_name), None)
        if same is None:
            return
        msg = (
            f"社区「{community_name}」已有小区「{name}」（编码 {same.code}），同一社区内小区名称不能重复；"
            "如果这是另一个小区，请换一个能区分的名称，例如加上期数或路名"
        )
        raise ValueError(msg)
    if not existing:
        return
    alone = next((c for c in existing if c.community is None), None)
    if alone is not None:
        msg = (
            f"已有不属于任何社区的小区「{name}」（编码 {alone.code}）；"
            "如果这是另一个小区，请用 --community 写明所属社区，或换一个能区分的名称"
        )
        raise ValueError(msg)
    found = "、".join(f"{c.code}（{c.community.name}）" for c in existing if c.community is not None)
    msg = (
        f"已有名为「{name}」的小区：{found}。不写社区新建的同名小区，在回复和看板上都无法与它区分。"
        "如果要建的小区就在其中，无需再建，在群里用它的编码绑定即可；"
        "如果是另一个小区，请用 --community 写明它所属的社区，或换一个能区分的名称"
    )
    raise ValueError(msg)


async def add_compound(
    session: AsyncSession,
    name: str,
    *,
    code: str | None = None,
    community: str | None = None,
    street: str | None = None,
) -> Compound:
    """Create a compound with its three parties, under a community and street if given.

    Names are folded to half-width and stripped of surrounding blanks before
    they are checked and stored.

    Raises:
        ValueError: A name or the code is empty, too long or malformed. The
            code is taken, or the community already has a compound of this
            name, or no community is given and a compound of this name
            exists anywhere. A street is given without a community, or the
            community already belongs to another street.
    """
    name = place_name(name, "小区名称")
    code = None if code is None else checked_code(code)
    community = optional_place_name(community, "社区名称", "--community")
    street = optional_place_name(street, "街道名称", "--street")
    if street and not community:
        raise ValueError(await _street_without_community(session, name, street))
    if code and await compound_by_code(session, code) is not None:
        msg = f"小区编码 {code} 已被使用"
        raise ValueError(msg)
    if community:
        await _check_street_of(session, community, street)
    await _check_name_free(session, name, community)
    compound = await create_compound(session, name, code)
    if community:
        compound.community = await _community(session, community, street)
        await session.flush()
    return compound


async def list_compounds(session: AsyncSession) -> list[CompoundRow]:
    compounds = await session.scalars(select(Compound).order_by(Compound.code))
    return [
        CompoundRow(
            code=c.code,
            name=c.name,
            community=c.community.name if c.community else "",
            street=c.community.street.name if c.community and c.community.street else "",
        )
        for c in compounds
    ]


def _party_kind_of(role: RoleKind) -> PartyKind | None:
    return next((kind for kind, roles in PARTY_ROLES.items() if role in roles), None)


async def grant(
    session: AsyncSession,
    role: RoleKind,
    *,
    platform: str,
    user_id: str,
    name: str = "",
    compound_code: str | None = None,
    community_name: str | None = None,
    street_name: str | None = None,
    robots: Collection[str] = (),
) -> str:
    """Give the person behind a platform account a role; return a line describing it.

    A group robot (platform wecom_webhook) takes a role like a person, so the
    notices of that role go to its group; `robots` are the names it may have.

    Raises:
        NotFound: The compound, community or street does not exist.
        ValueError: The platform is unknown, or the user id is empty or not
            of the platform's form. Also when no robot in `robots` has the
            name `user_id`, the role is given an area it does not act in, or
            the account already has this role there.
    """
    platform = checked_platform(platform)
    user_id = checked_user_id(platform, user_id)
    if platform == GROUP_ROBOT_PLATFORM:
        check_robot_name(user_id, robots)
    name = name.strip()
    if len(name) > MAX_NAME_CHARS:
        msg = f"显示名称（--name）最长 {MAX_NAME_CHARS} 个字，现在是 {len(name)} 个字"
        raise ValueError(msg)
    compound_code = optional_text(compound_code, "小区编码", "--compound")
    community_name = optional_place_name(community_name, "社区名称", "--community")
    street_name = optional_place_name(street_name, "街道名称", "--street")
    check_scope(role, compound=compound_code, community=community_name, street=street_name)

    compound = party = community = street = None
    if compound_code:
        compound = await compound_by_code(session, compound_code)
        if compound is None:
            msg = f"没有编码为 {compound_code} 的小区"
            raise NotFound(msg)
        kind = _party_kind_of(role)
        party = compound.party(kind) if kind else None
    if community_name:
        community = await session.scalar(select(Community).where(Community.name == community_name))
        if community is None:
            msg = f"没有名为 {community_name} 的社区"
            raise NotFound(msg)
    if street_name:
        street = await session.scalar(select(Street).where(Street.name == street_name))
        if street is None:
            msg = f"没有名为 {street_name} 的街道"
            raise NotFound(msg)
    member = await member_for(session, platform, user_id, name)
    scope = compound.name if compound else community_name or street_name or ""
    if await _has_role(session, member.id, role, compound=compound, community=community, street=street):
        msg = f"{platform}:{user_id} 已有“{ROLE_LABELS[role]}”角色（{scope}），无需重复授予"
        raise ValueError(msg)
    await grant_role(session, member, role, compound=compound, party=party, community=community, street=street)
    return f"已授予 {platform}:{user_id}“{ROLE_LABELS[role]}”角色（{scope}）"


async def _has_role(
    session: AsyncSession,
    member_id: int,
    role: RoleKind,
    *,
    compound: Compound | None,
    community: Community | None,
    street: Street | None,
) -> bool:
    # The role table's unique constraint treats NULL areas as distinct, so
    # it lets the same grant in twice; this query compares them as equal.
    query = select(Role.id).where(Role.member_id == member_id, Role.role == role.value)
    for column, area in ((Role.compound_id, compound), (Role.community_id, community), (Role.street_id, street)):
        query = query.where(column.is_(None) if area is None else column == area.id)
    return await session.scalar(query.limit(1)) is not None


async def override_route(session: AsyncSession, compound_code: str, category: str, route: str) -> str:
    """Make one compound route a category to another party.

    Raises:
        NotFound: The compound does not exist.
        ValueError: The category or route is not a known key.
    """
    compound = await compound_by_code(session, compound_code)
    if compound is None:
        msg = f"没有编码为 {compound_code} 的小区"
        raise NotFound(msg)
    await set_override(session, compound, category, route)
    return f"{compound.name}：“{CATEGORY_LABELS[category]}”类工单今后派给{ROUTE_LABELS[route]}"


async def name_property_firm(session: AsyncSession, compound_code: str, name: str) -> str:
    """Rename a compound's property party to its firm's name.

    The quarterly assessment of property firms treats property parties with
    the same name as one firm, so a firm's compounds must carry one spelling.

    Raises:
        NotFound: The compound does not exist, or it has no property party.
        ValueError: The name is empty or longer than 100 characters.
    """
    name = name.strip()
    if not name or len(name) > 100:
        msg = f"物业服务企业名称应为 1 到 100 个字，现在是 {len(name)} 个字"
        raise ValueError(msg)
    compound = await compound_by_code(session, compound_code)
    if compound is None:
        msg = f"没有编码为 {compound_code} 的小区"
        raise NotFound(msg)
    party = compound.party(PartyKind.PROPERTY)
    if party is None:
        msg = f"小区 {compound.name} 没有物业方"
        raise NotFound(msg)
    party.name = name
    return f"{compound.name}的物业服务企业已设为“{name}”"
