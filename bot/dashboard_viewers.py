"""Personal dashboard tokens: issue, list and revoke them, and find the viewer behind a token.

Each token is random and shown once, when it is issued. The database keeps
only its SHA-256, which a token's 256 random bits make safe to store without
a salt or a slow hash, and which a unique index looks up in one step.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin_checks import optional_text, required_text
from handlers.errors import NotFound
from models import Community, DashboardViewer, Street

TOKEN_BYTES = 32
MAX_DAYS = 3650
LIST_HINT = "运行 python -m bot dashboard-viewers 查看已发放的口令"
# A name goes into every log line of its requests, so it must stay on one line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def new_token() -> str:
    """Return a random URL-safe token of 43 characters."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """Return the hex SHA-256 of a token as it is stored.

    surrogatepass encodes the lone surrogates that aiohttp makes of request
    bytes that are not UTF-8, so no presented token raises here.
    """
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def active(now: datetime) -> ColumnElement[bool]:
    """Select the viewers whose token opens the dashboard at `now`: not revoked and not expired."""
    return (DashboardViewer.revoked_at.is_(None)) & or_(
        DashboardViewer.expires_at.is_(None), DashboardViewer.expires_at > now
    )


async def viewer_by_token(session: AsyncSession, token: str) -> DashboardViewer | None:
    """Find the viewer a token was issued to, revoked and expired ones included."""
    return await session.scalar(select(DashboardViewer).where(DashboardViewer.token_hash == hash_token(token)))


async def any_active_viewer(session: AsyncSession, now: datetime) -> bool:
    return await session.scalar(select(DashboardViewer.id).where(active(now)).limit(1)) is not None


async def add_viewer(
    session: AsyncSession,
    name: str,
    *,
    street: str | None = None,
    community: str | None = None,
    days: int | None = None,
    now: datetime,
) -> tuple[DashboardViewer, str]:
    """Issue a token to a person for the whole district, one street or one community, and return both.

    `street` and `community` take a name or an id. Without `days` the token
    is valid until it is revoked.

    Raises:
        NotFound: The street or community does not exist.
        ValueError: The name is empty, too long or has control characters.
            Both areas are given, `days` is out of range, or a valid token
            was already issued under this name.
    """
    name = required_text(name, "姓名", "--name")
    if _CONTROL.search(name):
        msg = "姓名（--name）中不能有换行、制表符等控制字符"
        raise ValueError(msg)
    street = optional_text(street, "街道", "--street")
    community = optional_text(community, "社区", "--community")
    if street is not None and community is not None:
        msg = (
            "--street 和 --community 只能给一个：街道口令可查看该街道下所有社区，社区口令只能查看一个社区；"
            "两个都不给时可查看全区"
        )
        raise ValueError(msg)
    if days is not None and not 1 <= days <= MAX_DAYS:
        msg = f"有效天数（--days）应为 1 到 {MAX_DAYS} 天，现在是 {days}；不写 --days 时口令长期有效，直到撤销"
        raise ValueError(msg)

    existing = await session.scalar(
        select(DashboardViewer).where(DashboardViewer.name == name, active(now)).order_by(DashboardViewer.id).limit(1)
    )
    if existing is not None:
        msg = (
            f"“{name}”已有有效的看板口令（编号 {existing.id}），每人只保留一个有效口令。"
            f"如需换发，请先运行 python -m bot dashboard-viewer-revoke {existing.id} 撤销旧口令"
        )
        raise ValueError(msg)

    token = new_token()
    viewer = DashboardViewer(
        name=name,
        token_hash=hash_token(token),
        street=await _street(session, street) if street is not None else None,
        community=await _community(session, community) if community is not None else None,
        created_at=now,
        expires_at=now + timedelta(days=days) if days is not None else None,
    )
    session.add(viewer)
    await session.flush()
    return viewer, token


async def list_viewers(session: AsyncSession) -> list[DashboardViewer]:
    return list(await session.scalars(select(DashboardViewer).order_by(DashboardViewer.id)))


async def revoke_viewer(session: AsyncSession, viewer_id: str, now: datetime) -> DashboardViewer:
    """Revoke the token of the viewer with this id. The token opens nothing from the next request on.

    Raises:
        NotFound: No viewer has this id.
        ValueError: The id is not a number, or the token is already revoked.
    """
    text = viewer_id.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        msg = f"看板口令编号应是数字，例如 3，“{text}”不是；{LIST_HINT}"
        raise ValueError(msg)
    viewer = await session.get(DashboardViewer, int(text))
    if viewer is None:
        msg = f"没有编号为 {int(text)} 的看板口令；{LIST_HINT}"
        raise NotFound(msg)
    if viewer.revoked:
        msg = f"编号 {viewer.id}（{viewer.name}）的看板口令已经撤销，无需重复撤销"
        raise ValueError(msg)
    viewer.revoked_at = now
    return viewer


def scope_label(viewer: DashboardViewer) -> str:
    """Name the area a viewer may see, e.g. 全区, 城南街道 or 湖滨社区（城南街道）."""
    if viewer.community is not None:
        street = viewer.community.street
        return f"{viewer.community.name}（{street.name}）" if street else viewer.community.name
    if viewer.street is not None:
        return viewer.street.name
    return "全区"


def status_label(viewer: DashboardViewer, now: datetime) -> str:
    if viewer.revoked:
        return "已撤销"
    if viewer.expired(now):
        return "已过期"
    return "有效"


async def _street(session: AsyncSession, name_or_id: str) -> Street:
    # Names come first, because a street could be named with digits only.
    street = await session.scalar(select(Street).where(Street.name == name_or_id))
    if street is None and name_or_id.isascii() and name_or_id.isdigit() and len(name_or_id) <= 9:
        street = await session.get(Street, int(name_or_id))
    if street is None:
        msg = f"没有名称或编号为“{name_or_id}”的街道；运行 python -m bot compounds 查看各小区所属的街道"
        raise NotFound(msg)
    return street


async def _community(session: AsyncSession, name_or_id: str) -> Community:
    community = await session.scalar(select(Community).where(Community.name == name_or_id))
    if community is None and name_or_id.isascii() and name_or_id.isdigit() and len(name_or_id) <= 9:
        community = await session.get(Community, int(name_or_id))
    if community is None:
        msg = f"没有名称或编号为“{name_or_id}”的社区；运行 python -m bot compounds 查看各小区所属的社区"
        raise NotFound(msg)
    return community
