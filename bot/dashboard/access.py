"""Access control of the dashboard: DASHBOARD_TOKEN opens the whole district, a personal token its own area.

The dashboard is on when DASHBOARD_TOKEN is set or at least one personal
token is neither revoked nor expired. Tokens are never logged. A granted
request logs who opened which path.

NOTE: DASHBOARD_TOKEN is still one shared secret, so the log can only name
it "district token", not the person who used it.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from aiohttp import web
from sqlalchemy import or_, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dashboard_viewers import any_active_viewer, viewer_by_token
from bot.settings import Settings
from models import DashboardViewer

log = logging.getLogger("bot.dashboard")

# Maximum age of a viewer's last-used time before a request rewrites it, so
# reading the dashboard writes once a minute at most, however often pages reload.
LAST_USED_INTERVAL = timedelta(minutes=1)


class Access(Enum):
    DISABLED = "disabled"
    MISSING = "missing"
    WRONG = "wrong"


@dataclass(frozen=True, slots=True)
class Viewer:
    """The person behind a granted request and the area they may see. No area means the whole district."""

    # The name written to the log: a viewer's id and name, or "district token".
    label: str
    street_id: int | None = None
    community_id: int | None = None

    @property
    def whole_district(self) -> bool:
        return self.street_id is None and self.community_id is None


DISTRICT = Viewer("district token")


def request_token(request: web.Request) -> tuple[str, bool]:
    """Return the token a request carries and whether it came in the query string.

    The Authorization header wins over the `token` query parameter.
    """
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip(), False
    token = request.query.get("token", "")
    return token, bool(token)


async def check_access(
    request: web.Request, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> Access | Viewer:
    """Return the viewer a request's token belongs to, or why it is denied.

    DASHBOARD_TOKEN is compared in constant time. A personal token is found
    by its SHA-256, so the lookup reveals nothing about stored tokens. A
    revoked or expired token gets the same denial as a wrong one, and only
    the log records which it was.
    """
    district = settings.dashboard_token.get_secret_value()
    presented, _from_query = request_token(request)
    async with sessionmaker() as session:
        if not presented:
            if not district and not await any_active_viewer(session, now):
                return Access.DISABLED
            log.info("dashboard request from %s rejected: no token", request.remote)
            return Access.MISSING

        # aiohttp passes request bytes that are not UTF-8 on as lone surrogates
        # (in headers, and in the query under its pure-Python parser).
        # surrogatepass encodes every one of them instead of raising.
        if district and hmac.compare_digest(presented.encode("utf-8", "surrogatepass"), district.encode()):
            log.info("dashboard %s opened by %s", request.path, DISTRICT.label)
            return DISTRICT

        viewer = await viewer_by_token(session, presented)
        reason = _denial_reason(viewer, now)
        if reason:
            if not district and not await any_active_viewer(session, now):
                return Access.DISABLED
            log.warning("dashboard request from %s rejected: %s", request.remote, reason)
            return Access.WRONG

    assert viewer is not None
    granted = Viewer(f"viewer {viewer.id} {viewer.name}", viewer.street_id, viewer.community_id)
    log.info("dashboard %s opened by %s", request.path, granted.label)
    if viewer.last_used_at is None or now - viewer.last_used_at >= LAST_USED_INTERVAL:
        await _record_use(sessionmaker, viewer.id, now)
    return granted


async def _record_use(sessionmaker: async_sessionmaker[AsyncSession], viewer_id: int, now: datetime) -> None:
    """Set a viewer's last-used time unless another request did so within the interval.

    It runs in a transaction of its own after the read, and a failure only
    logs, because bookkeeping must not keep a page from its viewer.
    """
    stale = or_(DashboardViewer.last_used_at.is_(None), DashboardViewer.last_used_at <= now - LAST_USED_INTERVAL)
    statement = update(DashboardViewer).where(DashboardViewer.id == viewer_id, stale).values(last_used_at=now)
    try:
        async with sessionmaker() as session, session.begin():
            await session.execute(statement)
    except SQLAlchemyError:
        log.warning("last-used time of dashboard viewer %s not recorded", viewer_id, exc_info=True)


def _denial_reason(viewer: DashboardViewer | None, now: datetime) -> str:
    """Return why a found viewer's token opens nothing, or "" when it opens the dashboard."""
    if viewer is None:
        return "wrong token"
    if viewer.revoked:
        return f"token of viewer {viewer.id} was revoked"
    if viewer.expired(now):
        return f"token of viewer {viewer.id} expired"
    return ""
