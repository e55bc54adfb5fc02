"""The escalation ladder: who gets an overdue case next.

Rungs, bottom to top: property firm, owners' committee, party branch and
liaison officer, community office, street tri-party office. A case starts on
the rung of the party it was routed to and climbs one rung each time the
limit of its rung runs out. The first party stays on the case (首接负责): its
party_id never changes here, and it is copied on every escalation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.cases import record_event
from handlers.errors import BadCommand, NotFound
from handlers.limits import Limit, current_table
from handlers.routing import party_has_staff
from handlers.rungs import RUNG_LABELS, Rung, current_rung, start_rung
from handlers.workflow import Action, check_transition, escalate
from models import Case, CaseTimer, Community, DepartmentCall, Identity, Member, PartyKind, Role, RoleKind

log = logging.getLogger("handlers.ladder")


# Departments the street office can call in (吹哨), by the names people type.
DEPARTMENTS = frozenset(
    {"住建", "城管", "消防", "公安", "市场监管", "供水", "供电", "燃气", "供热"}
)

Target = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Step:
    """A climb up the ladder.

    Attributes:
        rung: The rung the case reached.
        targets: Who acts for that rung, as outbox targets.
        skipped: The rungs passed over on the way because they have no registered staff.
    """

    rung: Rung
    targets: list[Target]
    skipped: tuple[Rung, ...] = ()


class RungLimit(Protocol):
    """The limit a rung has before the sweep climbs again, by rung and urgency."""

    def __call__(self, rung: Rung, *, urgent: bool) -> Limit: ...


# The scheduler installs its configured rung limits at start, the way it
# installs the time-limit table of handlers.limits, so that a climb by hand
# gives the new rung its full limit, as a climb by the sweep does.
_rung_limit: RungLimit | None = None


def use_rung_limits(rung_limit: RungLimit | None) -> None:
    """Make `rung_limit` the rung limits that climbs by hand restart the ladder clock with."""
    global _rung_limit
    _rung_limit = rung_limit


def escalation_label(case: Case) -> str:
    """Name the level an escalated case is supervised at, e.g. 社区督办."""
    return f"{RUNG_LABELS[current_rung(case)]}督办"


def party_target(case: Case) -> Target | None:
    """Return the outbox target of the case's acting party, if it has one."""
    if case.party_id is None:
        return None
    name = case.party.name if case.party is not None else ""
    return {"kind": "party", "party_id": case.party_id, "name": name}


async def rung_targets(session: AsyncSession, case: Case, rung: Rung) -> list[Target]:
    """Return who acts for a rung of the case's compound, as outbox targets.

    A compound without a committee (some old compounds have none), or a
    party with no registered staff, yields no targets for that rung; the
    caller moves on to the next one.
    """
    compound = case.compound
    if rung in (Rung.PROPERTY, Rung.COMMITTEE, Rung.PARTY):
        kind = {Rung.PROPERTY: PartyKind.PROPERTY, Rung.COMMITTEE: PartyKind.COMMITTEE}.get(
            rung, PartyKind.PARTY
        )
        party = compound.party(kind)
        if party is None or not await party_has_staff(session, party):
            return []
        return [{"kind": "party", "party_id": party.id, "name": party.name}]
    if compound.community_id is None:
        return []
    if rung is Rung.COMMUNITY:
        return await role_targets(
            session, [RoleKind.COMMUNITY_STAFF], community_id=compound.community_id
        )
    community = await session.get(Community, compound.community_id)
    if community is None or community.street_id is None:
        return []
    return await role_targets(session, [RoleKind.STREET_STAFF], street_id=community.street_id)


async def role_targets(
    session: AsyncSession,
    roles: list[RoleKind],
    *,
    compound_id: int | None = None,
    community_id: int | None = None,
    street_id: int | None = None,
) -> list[Target]:
    """Return the platform accounts of members holding any of `roles` in one scope."""
    query = (
        select(Identity.platform, Identity.platform_user_id)
        .join(Role, Role.member_id == Identity.member_id)
        .where(Role.role.in_([r.value for r in roles]))
        .distinct()
        .order_by(Identity.platform, Identity.platform_user_id)
    )
    if compound_id is not None:
        query = query.where(Role.compound_id == compound_id)
    if community_id is not None:
        query = query.where(Role.community_id == community_id)
    if street_id is not None:
        query = query.where(Role.street_id == street_id)
    rows = await session.execute(query)
    return [{"kind": "user", "platform": p, "user_id": u} for p, u in rows]


async def next_rung(session: AsyncSession, case: Case, current: Rung) -> Step | None:
    """Return the step to the next rung above `current` with reachable members, or None at the top."""
    skipped: list[Rung] = []
    for rung in (Rung(value) for value in range(current + 1, Rung.STREET + 1)):
        targets = await rung_targets(session, case, rung)
        if targets:
            return Step(rung, targets, tuple(skipped))
        log.warning("case %s: rung %s has no reachable members; skipping it", case.id, rung.name)
        skipped.append(rung)
    return None


def climb(
    session: AsyncSession,
    case: Case,
    rung: Rung,
    *,
    now: datetime,
    reason: str,
    actor: Member | None = None,
    skipped: tuple[Rung, ...] = (),
) -> None:
    """Record one escalation of a case onto `rung` as a case event.

    The escalation level counts the rungs climbed from the case's start rung.
    Without an actor the event is the scheduler's. The event names the rungs
    skipped on the way, so the case's history shows why a level was passed over.
    """
    level = max(case.escalation_level + 1, int(rung) - int(start_rung(case)))
    label = "scheduler" if actor is None else ""
    event = escalate(session, case, label, reason, now, actor=actor, level=level)
    data = {**event.data, "rung": rung.name.lower(), "rung_label": RUNG_LABELS[rung]}
    if skipped:
        data["skipped_rungs"] = [r.name.lower() for r in skipped]
    event.data = data


def overdue_reason(rung: Rung) -> str:
    """Return the reason recorded when the sweep escalates an overdue case onto `rung`."""
    return f"超过办理时限，升级至{RUNG_LABELS[rung]}督办"


async def step_up(
    session: AsyncSession,
    case: Case,
    *,
    now: datetime,
    reason: str | None = None,
    actor: Member | None = None,
) -> Step | None:
    """Climb a case from its current rung to the next one with reachable members.

    Both the sweep and the 升级 command climb through here, so an escalation
    by hand and a later one by the clock continue one ladder. Without a reason
    the overdue reason of the new rung is recorded; without an actor the event
    is the scheduler's.

    Returns:
        The step to the new rung, or None when no rung above has reachable
        members; then nothing is recorded.
    """
    found = await next_rung(session, case, current_rung(case))
    if found is None:
        return None
    if reason is None:
        reason = overdue_reason(found.rung)
    climb(session, case, found.rung, now=now, reason=reason, actor=actor, skipped=found.skipped)
    return found


async def climb_by_command(
    session: AsyncSession, case: Case, *, actor: Member, now: datetime, reason: str
) -> Step:
    """Move a case to the next rung on an officer's 升级 and return the step taken.

    The command takes the same ladder as the sweep: it skips rungs without
    reachable members, and a running ladder timer moves up with the case, so
    the sweep does not escalate to the same rung a second time.

    Raises:
        InvalidTransition: The case is final or awaits triage.
        BadCommand: The reason is empty, or no rung above has reachable members.
    """
    check_transition(case, Action.ESCALATE)
    found = await step_up(session, case, now=now, reason=reason, actor=actor)
    if found is None:
        rung = current_rung(case)
        if rung is Rung.STREET:
            msg = (
                f"工单 {case.number} 已处于街道三方办督办，这是最高一级，无法继续升级。"
                "如需职能部门处理，可由街道三方办发送“吹哨”指令。"
            )
        else:
            msg = (
                f"工单 {case.number} 已处于{RUNG_LABELS[rung]}督办，"
                "上级没有登记工作人员，无法继续升级。请联系社区或街道登记人员。"
            )
        raise BadCommand(msg)
    rung = found.rung

    timer = await session.get(CaseTimer, case.id)
    if timer is not None and timer.rung is not None and timer.rung < rung:
        timer.rung = int(rung)
        if timer.rung_due_at is not None and _rung_limit is not None:
            # The ladder is running, so the new rung's limit starts now. With
            # the old deadline, the sweep could climb again within minutes.
            timer.rung_due_at = _rung_limit(rung, urgent=case.urgent).due(now, current_table().calendar)
        timer.updated_at = now
    return found


async def whistle(
    session: AsyncSession,
    case: Case,
    department: str,
    *,
    now: datetime,
    note: str = "",
    actor: Member | None = None,
) -> DepartmentCall:
    """Record that the street office called a department in on a case (吹哨).

    The event names the member who recorded the call, or the street office
    when no member did.

    Raises:
        BadCommand: The department is not one the street office can call.
    """
    if department not in DEPARTMENTS:
        known = "、".join(sorted(DEPARTMENTS))
        msg = f"“{department}”不是可吹哨的职能部门，可选：{known}。"
        raise BadCommand(msg)
    call = await session.scalar(
        select(DepartmentCall).where(
            DepartmentCall.case_id == case.id, DepartmentCall.department == department
        )
    )
    if call is None:
        call = DepartmentCall(case_id=case.id, department=department, called_at=now, note=note)
        session.add(call)
    record_event(
        session,
        case,
        "department_called",
        actor=actor,
        actor_label="" if actor is not None else "street",
        note=department,
        at=now,
        data={"department": department},
    )
    return call


async def report_in(
    session: AsyncSession,
    case: Case,
    department: str,
    *,
    now: datetime,
    note: str = "",
    actor: Member | None = None,
) -> DepartmentCall:
    """Record that a called department reported in on a case (报到), by `actor` or else the street office.

    Raises:
        NotFound: The department was never called on this case.
    """
    call = await session.scalar(
        select(DepartmentCall).where(
            DepartmentCall.case_id == case.id, DepartmentCall.department == department
        )
    )
    if call is None:
        msg = f"工单 {case.number} 没有向“{department}”吹哨的记录，请先发送“吹哨 {case.number} {department}”。"
        raise NotFound(msg)
    call.reported_at = now
    if note:
        call.note = note
    record_event(
        session,
        case,
        "department_reported",
        actor=actor,
        actor_label="" if actor is not None else "street",
        note=f"{department}，{note}" if note else department,
        at=now,
        data={"department": department},
    )
    return call
