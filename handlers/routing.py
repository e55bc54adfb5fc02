"""Routing of cases to parties: the default table and each compound's overrides."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import replies as texts
from handlers.messages import PartyTarget, Reply
from models import PARTY_ROLES, Case, Compound, Party, PartyKind, Role, RouteOverride
from nlp.labels import CATEGORIES, ROUTES, default_route


async def route_for(
    session: AsyncSession, compound: Compound, category: str, *, external: bool
) -> str:
    """Return the route key for a category in a compound.

    A compound's override wins over the default table. The party branch takes
    problems whose cause lies outside the compound, because it brings in the
    government department, unless the compound overrides that category.
    """
    override = await session.scalar(
        select(RouteOverride.route).where(
            RouteOverride.compound_id == compound.id, RouteOverride.category == category
        )
    )
    if override is not None:
        return override
    return default_route(category, external=external)


def party_for(compound: Compound, route: str) -> Party | None:
    """Return the party that acts on a route; a compound without one falls back to its branch.

    Some old compounds have no property firm or no owners' committee; their
    cases go to the party branch rather than to no party at all.
    """
    if route == "none":
        return None
    party = compound.party(PartyKind(route))
    if party is None:
        party = compound.party(PartyKind.PARTY)
    return party


async def party_has_staff(session: AsyncSession, party: Party) -> bool:
    """Tell whether any member has one of the party's roles in its compound, on any platform."""
    found = await session.scalar(
        select(Role.id)
        .where(
            Role.compound_id == party.compound_id,
            Role.role.in_([r.value for r in PARTY_ROLES[PartyKind(party.kind)]]),
        )
        .limit(1)
    )
    return found is not None


async def unstaffed_party(session: AsyncSession, case: Case) -> Party | None:
    """Return the case's acting party when it has no registered staff, else None."""
    if case.party is None or await party_has_staff(session, case.party):
        return None
    return case.party


async def unstaffed_notice(session: AsyncSession, case: Case) -> Reply | None:
    """Build a notice for the party branch when a case was routed to a party with no registered staff.

    The party's own notice reaches nobody, so the officers are the ones who
    can hand the case on. A branch without staff gets no notice, because nobody would read it.
    """
    party = await unstaffed_party(session, case)
    branch = case.compound.party(PartyKind.PARTY)
    if party is None or branch is None or branch.id == party.id or not await party_has_staff(session, branch):
        return None
    return Reply(PartyTarget(branch.id, branch.name), texts.unstaffed_for_officer(case), case.id, "officer")


async def set_override(session: AsyncSession, compound: Compound, category: str, route: str) -> None:
    """Make a compound route a category to a party of its choice.

    Raises:
        ValueError: The category or the route is not a known key.
    """
    if category not in CATEGORIES:
        msg = f"unknown category {category!r}"
        raise ValueError(msg)
    if route not in ROUTES or route == "none":
        msg = f"unknown route {route!r}"
        raise ValueError(msg)
    existing = await session.scalar(
        select(RouteOverride).where(
            RouteOverride.compound_id == compound.id, RouteOverride.category == category
        )
    )
    if existing is None:
        session.add(RouteOverride(compound_id=compound.id, category=category, route=route))
    else:
        existing.route = route
