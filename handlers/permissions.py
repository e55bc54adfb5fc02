"""Who may do what: a member's roles turned into access to one compound's cases.

Residents report, query, add to, withdraw and rate their own cases. Members of
a party (property firm, owners' committee, party branch) act on cases routed
to their party. Liaison officers and branch secretaries act on every case of
their compound. Community staff act on every compound of their community, and
street staff on every compound of their street.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import PermissionDenied
from models import (
    Case,
    CaseReporter,
    Community,
    Compound,
    Member,
    Party,
    PartyKind,
    Role,
    RoleKind,
    Street,
)

log = logging.getLogger("handlers.permissions")

# Roles that make a member act for one party of their compound.
PARTY_OF_ROLE: dict[RoleKind, PartyKind] = {
    RoleKind.PROPERTY_MANAGER: PartyKind.PROPERTY,
    RoleKind.PROPERTY_STAFF: PartyKind.PROPERTY,
    RoleKind.COMMITTEE_DIRECTOR: PartyKind.COMMITTEE,
    RoleKind.COMMITTEE_MEMBER: PartyKind.COMMITTEE,
    RoleKind.PARTY_MEMBER: PartyKind.PARTY,
    RoleKind.BRANCH_SECRETARY: PartyKind.PARTY,
    RoleKind.LIAISON_OFFICER: PartyKind.PARTY,
}

# Roles scoped to one compound that reach every case in it.
COMPOUND_WIDE_ROLES = frozenset({RoleKind.LIAISON_OFFICER, RoleKind.BRANCH_SECRETARY})


class Level(enum.IntEnum):
    """How far a member's reach in one compound goes; help lists commands by it."""

    RESIDENT = 0
    PARTY = 1
    OFFICER = 2


LEVEL_LABELS: dict[Level, str] = {
    Level.RESIDENT: "居民",
    Level.PARTY: "承办方工作人员",
    Level.OFFICER: "小区专员、书记或社区街道工作人员",
}


@dataclass(frozen=True, slots=True)
class Access:
    """The reach of one member in one compound.

    Attributes:
        member_id: The member.
        compound_id: The compound, or None when the chat names none.
        compound_wide: The member acts on every case of the compound.
        party_ids: The parties of the compound the member acts for.
        roles: The member's roles that apply to this compound.
    """

    member_id: int
    compound_id: int | None
    compound_wide: bool = False
    party_ids: frozenset[int] = frozenset()
    roles: frozenset[RoleKind] = frozenset()

    @property
    def level(self) -> Level:
        if self.compound_wide:
            return Level.OFFICER
        if self.party_ids:
            return Level.PARTY
        return Level.RESIDENT

    def can_act_on(self, case: Case) -> bool:
        """Tell whether the member may change a case as staff."""
        if case.compound_id != self.compound_id:
            return False
        return self.compound_wide or (case.party_id is not None and case.party_id in self.party_ids)

    def handles(self, case: Case) -> bool:
        """Tell whether the member handles a case: acts for its party, or is its compound's officer or secretary.

        Community and street staff may act on the case but do not count,
        because they do not call the resident back themselves.
        """
        if case.compound_id != self.compound_id:
            return False
        if self.roles & COMPOUND_WIDE_ROLES:
            return True
        return case.party_id is not None and case.party_id in self.party_ids


async def access_for(session: AsyncSession, member: Member, compound: Compound | None) -> Access:
    """Work out a member's access to a compound from their Role rows."""
    if compound is None:
        return Access(member_id=member.id, compound_id=None)
    street_id = await _street_of(session, compound)
    wide = False
    party_ids: set[int] = set()
    roles: set[RoleKind] = set()
    # Roles are read fresh rather than from member.roles, which may be unloaded
    # or stale when a role was granted in the same session.
    for role in await session.scalars(select(Role).where(Role.member_id == member.id)):
        kind = RoleKind(role.role)
        if role.compound_id == compound.id:
            roles.add(kind)
            wide = wide or kind in COMPOUND_WIDE_ROLES
            party_id = _party_of(compound, role, kind)
            if party_id is not None:
                party_ids.add(party_id)
        elif (
            kind is RoleKind.COMMUNITY_STAFF
            and role.community_id is not None
            and role.community_id == compound.community_id
        ):
            roles.add(kind)
            wide = True
        elif (
            kind is RoleKind.STREET_STAFF
            and role.street_id is not None
            and role.street_id == street_id
        ):
            roles.add(kind)
            wide = True
    return Access(
        member_id=member.id,
        compound_id=compound.id,
        compound_wide=wide,
        party_ids=frozenset(party_ids),
        roles=frozenset(roles),
    )


async def _street_of(session: AsyncSession, compound: Compound) -> int | None:
    if compound.community_id is None:
        return None
    return await session.scalar(
        select(Community.street_id).where(Community.id == compound.community_id)
    )


def _party_of(compound: Compound, role: Role, kind: RoleKind) -> int | None:
    if role.party_id is not None:
        return role.party_id
    party_kind = PARTY_OF_ROLE.get(kind)
    if party_kind is None:
        return None
    party = compound.party(party_kind)
    return party.id if party is not None else None


async def has_officer(session: AsyncSession, compound: Compound) -> bool:
    """Tell whether anyone has a liaison officer or branch secretary role in a compound."""
    found = await session.scalar(
        select(Role.id)
        .where(
            Role.compound_id == compound.id, Role.role.in_([r.value for r in COMPOUND_WIDE_ROLES])
        )
        .limit(1)
    )
    return found is not None


async def has_compound_wide_staff(session: AsyncSession, compound: Compound) -> bool:
    """Tell whether anyone acts on every case of a compound.

    That is a liaison officer or branch secretary of the compound, or staff
    of the community or street it belongs to.
    """
    reach = [Role.compound_id == compound.id, Role.role.in_([r.value for r in COMPOUND_WIDE_ROLES])]
    scopes = [and_(*reach)]
    if compound.community_id is not None:
        scopes.append(
            and_(Role.role == RoleKind.COMMUNITY_STAFF.value, Role.community_id == compound.community_id)
        )
        street_id = await _street_of(session, compound)
        if street_id is not None:
            scopes.append(and_(Role.role == RoleKind.STREET_STAFF.value, Role.street_id == street_id))
    found = await session.scalar(select(Role.id).where(or_(*scopes)).limit(1))
    return found is not None


async def holds_staff_role(session: AsyncSession, member: Member) -> bool:
    """Tell whether a member has any role other than resident, in any compound or area."""
    found = await session.scalar(
        select(Role.id).where(Role.member_id == member.id, Role.role != RoleKind.RESIDENT.value).limit(1)
    )
    return found is not None


async def is_reporter(session: AsyncSession, member: Member, case: Case) -> bool:
    """Tell whether a member reported a case or joined it as a co-reporter."""
    found = await session.scalar(
        select(CaseReporter.id).where(
            CaseReporter.case_id == case.id, CaseReporter.member_id == member.id
        )
    )
    return found is not None


def deny(access: Access, command: str, reason: str) -> PermissionDenied:
    """Log a refused command with its ids and build the error shown to the user."""
    log.info(
        "permission denied: member=%s compound=%s command=%s level=%s",
        access.member_id,
        access.compound_id,
        command,
        access.level.name,
    )
    return PermissionDenied(reason)


def require_officer(access: Access, command: str, verb: str) -> None:
    """Refuse unless the member acts on every case of the compound.

    Raises:
        PermissionDenied: The member is not a liaison officer, branch
            secretary, or community or street staff of the compound.
    """
    if not access.compound_wide:
        raise deny(
            access, command, f"抱歉，只有小区专员、党组织书记或社区、街道工作人员可以{verb}。"
        )


def require_staff(access: Access, case: Case, command: str, verb: str) -> None:
    """Refuse unless the member may act on this case as staff.

    Raises:
        PermissionDenied: The member acts for no party, or for another party than the case's.
    """
    if access.can_act_on(case):
        return
    if access.party_ids:
        party = case.party.name if case.party is not None else "其他承办方"
        raise deny(
            access,
            command,
            f"抱歉，工单 {case.number} 由“{party}”承办，您不能{verb}。如需转派，请联系小区专员。",
        )
    raise deny(
        access,
        command,
        f"抱歉，只有承办方工作人员或小区专员可以{verb}工单。"
        f"居民可发送“查询 {case.number}”了解进度。",
    )


async def require_reporter_or_staff(
    session: AsyncSession, access: Access, member: Member, case: Case, command: str, verb: str
) -> bool:
    """Refuse unless the member reported the case or may act on it; return True for staff.

    Raises:
        PermissionDenied: The member neither reported the case nor acts on it.
    """
    if access.can_act_on(case):
        return True
    if await is_reporter(session, member, case):
        return False
    raise deny(access, command, f"抱歉，只有工单 {case.number} 的反映人可以{verb}。")


async def grant_role(
    session: AsyncSession,
    member: Member,
    role: RoleKind,
    *,
    compound: Compound | None = None,
    party: Party | None = None,
    community: Community | None = None,
    street: Street | None = None,
) -> Role:
    """Give a member a role in a compound (and party), a community or a street.

    Raises:
        ValueError: The role needs a scope that was not given.
    """
    if role is RoleKind.COMMUNITY_STAFF and community is None:
        msg = "community staff need a community"
        raise ValueError(msg)
    if role is RoleKind.STREET_STAFF and street is None:
        msg = "street staff need a street"
        raise ValueError(msg)
    if role not in (RoleKind.COMMUNITY_STAFF, RoleKind.STREET_STAFF) and compound is None:
        msg = f"role {role.value} needs a compound"
        raise ValueError(msg)
    row = Role(
        member_id=member.id,
        role=role.value,
        compound_id=compound.id if compound else None,
        party_id=party.id if party else None,
        community_id=community.id if community else None,
        street_id=street.id if street else None,
    )
    session.add(row)
    await session.flush()
    return row
