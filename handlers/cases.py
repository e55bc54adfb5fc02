"""Opening cases, adding co-reporters, placing cases and writing the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.limits import Deadlines, deadlines_for
from handlers.register_address import is_valid_building
from handlers.routing import party_for, route_for
from models import Case, CaseEvent, CaseReporter, CaseStatus, Compound, Member
from nlp.findings import Finding, Location

# Co-reporter counts at which the acting party hears about the case again.
NUDGE_COUNTS = frozenset({2, 3, 5, 10, 20, 50})
# Reporter counts from which a case gets priority 1 (high) and 2 (highest).
PRIORITY_STEPS = (3, 5)


def priority_for(reporter_count: int) -> int:
    """Return the priority that a number of reporters earns: 0, 1 or 2."""
    return sum(1 for step in PRIORITY_STEPS if reporter_count >= step)


def record_event(
    session: AsyncSession,
    case: Case,
    kind: str,
    *,
    actor: Member | None = None,
    actor_label: str = "",
    note: str = "",
    at: datetime,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """Add one entry to a case's audit trail."""
    event = CaseEvent(
        case_id=case.id,
        kind=kind,
        actor_id=actor.id if actor else None,
        actor_label=actor_label or (actor.display_name if actor else "bot"),
        note=note,
        data=data or {},
        at=at,
    )
    session.add(event)
    return event


async def next_case_seq(session: AsyncSession, compound: Compound) -> int:
    """Reserve the next case number of a compound.

    The counter is bumped with one UPDATE ... RETURNING, so two messages
    handled at once can never get the same number; the row stays locked
    until the transaction ends.
    """
    seq = await session.scalar(
        update(Compound)
        .where(Compound.id == compound.id)
        .values(last_case_seq=Compound.last_case_seq + 1)
        .returning(Compound.last_case_seq)
    )
    if seq is None:
        msg = f"compound {compound.id} vanished while opening a case"
        raise LookupError(msg)
    compound.last_case_seq = seq
    return seq


def fill_location(session: AsyncSession, case: Case, location: Location, actor: Member, now: datetime) -> bool:
    """Give a case with no building the address a later message names; return whether it changed.

    The building comes from the new message. A unit, room or place that
    the message does not name stays as the case has it: "1502楼上吵", then
    "是13栋的", is about 13栋1502室.
    """
    if case.building is not None or location.building is None or not is_valid_building(location.building):
        return False
    case.building = location.building
    case.unit = location.unit or case.unit
    case.room = location.room or case.room
    case.place = case.place or location.place
    case.updated_at = now
    where = Location(case.building, case.unit, case.room, case.place).describe()
    record_event(session, case, "location_added", actor=actor, at=now, data={"location": where})
    return True


def correct_location(session: AsyncSession, case: Case, location: Location, actor: Member, now: datetime) -> bool:
    """Replace a case's building with the one its reporter gives again; return whether it changed.

    A unit or room that the correction does not name is kept, because
    "不对，是13栋的" corrects the building of 1502室, not the flat.
    """
    if location.building is None or location.building == case.building or not is_valid_building(location.building):
        return False
    before = Location(case.building, case.unit, case.room, case.place).describe()
    case.building = location.building
    case.unit = location.unit or case.unit
    case.room = location.room or case.room
    case.updated_at = now
    where = Location(case.building, case.unit, case.room, case.place).describe()
    record_event(session, case, "location_corrected", actor=actor, at=now, data={"from": before, "to": where})
    return True


async def open_case(
    session: AsyncSession,
    compound: Compound,
    finding: Finding,
    *,
    reporter: Member,
    chat_group_id: int | None,
    raw_message_id: int | None,
    now: datetime,
    triage: bool,
    thread_id: str | None = None,
) -> tuple[Case, Deadlines]:
    """Open a case for a finding, routed by the compound's table, with its first events."""
    route = await route_for(session, compound, finding.category, external=finding.external)
    party = party_for(compound, route)
    deadlines = deadlines_for(finding.category, finding.urgent, now)
    case = Case(
        compound_id=compound.id,
        seq=await next_case_seq(session, compound),
        category=finding.category,
        urgent=finding.urgent,
        confidence=finding.confidence,
        route=route,
        party_id=party.id if party else None,
        external=finding.external,
        # Building 0 or one over MAX_BUILDING_NUMBER is a typo, so the case opens without a building.
        building=finding.location.building if is_valid_building(finding.location.building) else None,
        unit=finding.location.unit,
        room=finding.location.room,
        place=finding.location.place,
        summary=finding.text,
        status=CaseStatus.TRIAGE if triage else CaseStatus.NEW,
        reporter_id=reporter.id,
        chat_group_id=chat_group_id,
        thread_id=thread_id,
        opened_at=now,
        updated_at=now,
        round_started_at=now,
        response_due_at=deadlines.response_due,
        first_response_due_at=deadlines.response_due,
        resolve_due_at=deadlines.resolve_due,
    )
    case.compound = compound
    case.party = party
    session.add(case)
    await session.flush()
    session.add(
        CaseReporter(case_id=case.id, member_id=reporter.id, raw_message_id=raw_message_id, joined_at=now)
    )
    record_event(
        session,
        case,
        "opened",
        actor=reporter,
        at=now,
        data={"confidence": round(finding.confidence, 3), "route": route, "triage": triage},
    )
    return case, deadlines


async def add_reporter(
    session: AsyncSession,
    case: Case,
    reporter: Member,
    *,
    raw_message_id: int | None,
    now: datetime,
) -> bool:
    """Add a co-reporter to a case; return False when they had already reported it."""
    existing = await session.scalar(
        select(CaseReporter.id).where(
            CaseReporter.case_id == case.id, CaseReporter.member_id == reporter.id
        )
    )
    if existing is not None:
        record_event(session, case, "reported_again", actor=reporter, at=now)
        return False
    session.add(
        CaseReporter(case_id=case.id, member_id=reporter.id, raw_message_id=raw_message_id, joined_at=now)
    )
    case.reporter_count += 1
    case.updated_at = now
    data: dict[str, Any] = {"count": case.reporter_count}
    priority = priority_for(case.reporter_count)
    if priority > case.priority:
        data["priority"] = {"from": case.priority, "to": priority}
        case.priority = priority
    record_event(session, case, "co_reporter_added", actor=reporter, at=now, data=data)
    return True


async def follow_merges(session: AsyncSession, case: Case) -> Case:
    """Return the case a merged case now lives in, following a chain of merges."""
    seen = {case.id}
    while case.status == CaseStatus.MERGED and case.merged_into_id is not None:
        target = await session.get(Case, case.merged_into_id)
        if target is None or target.id in seen:
            break
        seen.add(target.id)
        case = target
    return case
