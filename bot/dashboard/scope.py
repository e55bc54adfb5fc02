"""The area a viewer may see: narrowing a request's filters to it, and the filter choices it offers."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dashboard.access import Viewer
from bot.dashboard.params import DashboardQuery
from models import Community, Street


class OutOfScope(Exception):
    """A filter names a street or community outside the viewer's area. The message is Chinese, for the viewer."""


async def narrow(session: AsyncSession, viewer: Viewer, query: DashboardQuery) -> DashboardQuery:
    """Return the query limited to the viewer's area. A query without filters gets the whole area.

    Raises:
        OutOfScope: The query filters on a street or community outside the
            area. An id that does not exist counts as outside, so a scoped
            viewer cannot probe which ids exist.
    """
    if viewer.whole_district:
        return query

    if viewer.street_id is not None:
        street = await session.get(Street, viewer.street_id)
        area = street.name if street else "本街道"
        if query.street_id is not None and query.street_id != viewer.street_id:
            raise OutOfScope(_message(area, "街道"))
        if query.community_id is not None:
            community = await session.get(Community, query.community_id)
            if community is None or community.street_id != viewer.street_id:
                raise OutOfScope(_message(area, "社区"))
        return replace(query, street_id=viewer.street_id)

    own = await session.get(Community, viewer.community_id)
    area = own.name if own else "本社区"
    if query.community_id is not None and query.community_id != viewer.community_id:
        raise OutOfScope(_message(area, "社区"))
    street_id = own.street_id if own else None
    if query.street_id is not None and query.street_id != street_id:
        raise OutOfScope(_message(area, "街道"))
    return replace(query, street_id=street_id, community_id=viewer.community_id)


async def area_choices(session: AsyncSession, viewer: Viewer) -> tuple[list[Street], list[Community]]:
    """Return the streets and communities the filter form offers the viewer, by name."""
    streets = select(Street).order_by(Street.name)
    communities = select(Community).order_by(Community.name)
    if viewer.street_id is not None:
        streets = streets.where(Street.id == viewer.street_id)
        communities = communities.where(Community.street_id == viewer.street_id)
    elif viewer.community_id is not None:
        own_street = select(Community.street_id).where(Community.id == viewer.community_id).scalar_subquery()
        streets = streets.where(Street.id == own_street)
        communities = communities.where(Community.id == viewer.community_id)
    return list(await session.scalars(streets)), list(await session.scalars(communities))


def _message(area: str, level: str) -> str:
    return (
        f"您的看板口令只能查看“{area}”的数据，所选{level}不在此范围内。"
        "请从页面的筛选列表中选择；如需查看更大范围，请向管理员申请。"
    )
