"""Deciding the working-morning and weekly digests of compounds and streets.

Each digest has a key per recipient group and day (or ISO week), so the
sweep may call this on every pass. After the digest time on a working day it
decides the digests not decided yet. A service that was down at digest time
therefore sends them once when it starts.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.calendar import WorkCalendar
from handlers.charts import render_weekly_chart
from handlers.digests import (
    DigestStats,
    compound_digest,
    compute_stats,
    street_digest,
    weekly_trend,
)
from handlers.ladder import role_targets
from models import Community, Compound, Notification, RoleKind, Street
from scheduler.config import TimerConfig
from scheduler.drafts import Draft

log = logging.getLogger("scheduler.digests")

DIGEST_ROLES = [RoleKind.BRANCH_SECRETARY, RoleKind.LIAISON_OFFICER]


def previous_workday(calendar: WorkCalendar, day: date) -> date:
    day -= timedelta(days=1)
    while not calendar.is_workday(day):
        day -= timedelta(days=1)
    return day


def first_workday_of_week(calendar: WorkCalendar, day: date) -> bool:
    """Return whether no earlier day of the same ISO week is a working day."""
    monday = day - timedelta(days=day.weekday())
    return all(not calendar.is_workday(monday + timedelta(days=i)) for i in range(day.weekday()))


def digest_window_open(now: datetime, config: TimerConfig) -> bool:
    """Return whether `now` is on a working day at or after the digest time."""
    local = now.astimezone(config.zone)
    return (
        config.calendar.is_workday(local.date())
        and local.timetz().replace(tzinfo=None) >= config.digest_time
    )


async def digest_drafts(
    session: AsyncSession, now: datetime, config: TimerConfig, *, render_charts: bool = True
) -> list[Draft]:
    """Return the digests due at `now` that were not decided before.

    Weekly digests carry a chart rendered to config.chart_dir, unless
    `render_charts` is False (a dry run writes no file) or the digest has no
    recipients.
    """
    calendar = config.calendar
    today = now.astimezone(config.zone).date()
    if not digest_window_open(now, config):
        return []
    end = datetime.combine(today, config.digest_time, tzinfo=config.zone)
    start = datetime.combine(
        previous_workday(calendar, today), config.digest_time, tzinfo=config.zone
    )
    periods = [("daily", start, end, today.isoformat())]
    if config.weekly_digest and first_workday_of_week(calendar, today):
        year, week, _ = today.isocalendar()
        periods.append(("weekly", end - timedelta(days=7), end, f"{year}-W{week:02d}"))

    wanted: dict[str, tuple[str, datetime, datetime, str, str, int]] = {}
    compounds = list(await session.scalars(select(Compound).order_by(Compound.id)))
    streets = list(await session.scalars(select(Street).order_by(Street.id)))
    for kind, period_start, period_end, label in periods:
        for compound in compounds:
            wanted[f"digest:{kind}:compound:{compound.id}:{label}"] = (
                kind,
                period_start,
                period_end,
                label,
                "compound",
                compound.id,
            )
        for street in streets:
            wanted[f"digest:{kind}:street:{street.id}:{label}"] = (
                kind,
                period_start,
                period_end,
                label,
                "street",
                street.id,
            )
    if not wanted:
        return []
    done = set(
        await session.scalars(select(Notification.key).where(Notification.key.in_(list(wanted))))
    )

    by_id = {c.id: c for c in compounds}
    streets_by_id = {s.id: s for s in streets}
    drafts: list[Draft] = []
    for key, (kind, period_start, period_end, _label, scope, scope_id) in wanted.items():
        if key in done:
            continue
        weekly = kind == "weekly"
        if scope == "compound":
            drafts.append(
                await compound_draft(
                    session,
                    by_id[scope_id],
                    key,
                    period_start,
                    period_end,
                    config,
                    now=now,
                    weekly=weekly,
                    render_charts=render_charts,
                )
            )
        else:
            drafts.append(
                await street_draft(
                    session,
                    streets_by_id[scope_id],
                    key,
                    period_start,
                    period_end,
                    config,
                    now=now,
                    weekly=weekly,
                    render_charts=render_charts,
                )
            )
    return drafts


async def compound_draft(
    session: AsyncSession,
    compound: Compound,
    key: str,
    start: datetime,
    end: datetime,
    config: TimerConfig,
    *,
    now: datetime | None = None,
    weekly: bool,
    render_charts: bool = True,
) -> Draft:
    """Build one compound's digest for its branch secretary and liaison officer."""
    stats = await compute_stats(session, [compound.id], start, end, now=now)
    text = compound_digest(compound, stats, end=end, zone=config.zone, weekly=weekly)
    targets = await role_targets(session, DIGEST_ROLES, compound_id=compound.id)
    image = None
    if weekly and targets and render_charts:
        image = await _chart(
            session, f"{compound.name} 每周工单", [compound.id], stats, key, end, config
        )
    return Draft(
        key=key,
        kind="digest",
        text=text,
        targets=targets,
        due_at=end,
        compound_id=compound.id,
        image_path=image,
        no_recipient_reason=(
            ""
            if targets
            else f"compound {compound.id} ({compound.name}) has no branch secretary or liaison officer"
        ),
    )


async def street_draft(
    session: AsyncSession,
    street: Street,
    key: str,
    start: datetime,
    end: datetime,
    config: TimerConfig,
    *,
    now: datetime | None = None,
    weekly: bool,
    render_charts: bool = True,
) -> Draft:
    """Build the digest of every compound of a street for its tri-party office."""
    compounds = list(
        await session.scalars(
            select(Compound)
            .join(Community, Compound.community_id == Community.id)
            .where(Community.street_id == street.id)
            .order_by(Compound.id)
        )
    )
    ids = [c.id for c in compounds]
    rows = [
        (compound, await compute_stats(session, [compound.id], start, end, now=now))
        for compound in compounds
    ]
    total = await compute_stats(session, ids, start, end, now=now)
    text = street_digest(street.name, rows, total, end=end, zone=config.zone, weekly=weekly)
    targets = await role_targets(session, [RoleKind.STREET_STAFF], street_id=street.id)
    image = None
    if weekly and ids and targets and render_charts:
        image = await _chart(session, f"{street.name} 每周工单", ids, total, key, end, config)
    return Draft(
        key=key,
        kind="digest",
        text=text,
        targets=targets,
        due_at=end,
        street_id=street.id,
        image_path=image,
        no_recipient_reason="" if targets else f"street {street.id} ({street.name}) has no street staff",
    )


async def _chart(
    session: AsyncSession,
    title: str,
    ids: list[int],
    stats: DigestStats,
    key: str,
    end: datetime,
    config: TimerConfig,
) -> str:
    trend = await weekly_trend(session, ids, end)
    path = Path(config.chart_dir) / (key.replace(":", "_") + ".png")
    render_weekly_chart(title, stats, trend, path, zone=config.zone)
    return str(path)
