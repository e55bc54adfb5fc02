"""Reminders for a case awaiting triage (待分类), which the liaison officer must classify.

A case the classifier was unsure of has no acting party yet: the party its
guess routes to never received it. So neither the party's reminders nor the
escalation ladder apply. The liaison officer is reminded once the case has
waited `TimerConfig.triage_limit`. One such span later the branch secretary
and the officer both get a chaser, and another at the same local time on
each following working day, until the case is classified.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import notices
from handlers.calendar import WorkCalendar
from handlers.ladder import Target, role_targets
from models import Case, PartyKind, RoleKind
from scheduler.config import TimerConfig
from scheduler.drafts import Draft, stamp

OFFICER_ROLES = [RoleKind.LIAISON_OFFICER]
CHASER_ROLES = [RoleKind.BRANCH_SECRETARY, RoleKind.LIAISON_OFFICER]


async def advance_triage(
    session: AsyncSession, case: Case, now: datetime, config: TimerConfig
) -> tuple[list[Draft], datetime]:
    """Return the triage reminder due at `now`, if any, and when the next one is due.

    Only the latest passed point is reminded, so a service that was down
    sends one reminder on its return, not one per missed point.
    """
    latest: tuple[int, datetime] | None = None
    upcoming = now
    for index, point in enumerate(_points(case.opened_at, config.triage_limit, config.calendar)):
        if point > now:
            upcoming = point
            break
        latest = (index, point)
    if latest is None:
        return [], upcoming

    index, point = latest
    if index == 0:
        text = notices.triage_reminder(case, config.zone)
        targets = await _targets(session, case, OFFICER_ROLES)
    else:
        text = notices.triage_chaser(case, config.zone)
        targets = await _targets(session, case, CHASER_ROLES)
    draft = Draft(
        key=f"triage:{case.id}:{stamp(point)}",
        kind="triage",
        text=text,
        targets=targets,
        due_at=point,
        urgent=case.urgent,
        case_id=case.id,
        compound_id=case.compound_id,
    )
    return [draft], upcoming


def _points(opened_at: datetime, limit: timedelta, calendar: WorkCalendar) -> Iterator[datetime]:
    """Yield the reminder points of a triage case: the officer's, then the chasers."""
    yield opened_at + limit
    point = opened_at + 2 * limit
    while True:
        yield point
        local = point.astimezone(calendar.zone)
        day = calendar.next_workday(local.date() + timedelta(days=1))
        point = datetime.combine(day, local.time(), tzinfo=calendar.zone)


async def _targets(session: AsyncSession, case: Case, roles: list[RoleKind]) -> list[Target]:
    """Return the accounts of `roles` in the case's compound, or else its party branch.

    A compound whose officers are not registered still has its branch, which
    got the intake's triage notice. The outbox reaches the branch's members,
    or addresses it by name on the replay and the console.
    """
    targets = await role_targets(session, roles, compound_id=case.compound_id)
    if targets:
        return targets
    branch = case.compound.party(PartyKind.PARTY)
    if branch is None:
        return []
    return [{"kind": "party", "party_id": branch.id, "name": branch.name}]
