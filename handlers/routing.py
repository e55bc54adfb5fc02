"""Routing of cases to parties: the default table and each compound's overrides."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Compound, Party, PartyKind, RouteOverride
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
