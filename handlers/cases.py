"""Opening cases, finding duplicates, adding co-reporters and writing the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.limits import Deadlines, deadlines_for
from handlers.routing import party_for, route_for
from handlers.similarity import same_topic, similar
from models import Case, CaseEvent, CaseReporter, CaseStatus, Compound, Member
from nlp.findings import Finding, Location

# Co-reporter counts at which the acting party hears about the case again.
NUDGE_COUNTS = frozenset({2, 3, 5, 10, 20, 50})
# How long a group keeps talking about one problem without naming it again:
# anyone's reply within minutes, or the reporter's own or a "me too" within the hour.
QUICK_REPLY_WINDOW = timedelta(minutes=15)
CONVERSATION_WINDOW = timedelta(hours=1)

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


async def find_duplicate(
    session: AsyncSession,
    compound: Compound,
    finding: Finding,
    *,
    now: datetime,
    window: timedelta,
    chat_group_id: int | None = None,
    reporter_id: int | None = None,
    follow_up: bool = False,
    tentative: bool = False,
    accept: Callable[[Case], bool] | None = None,
) -> Case | None:
    """Return the open case of this compound that a new finding is about, if any.

    A finding joins a case of the same category whose location overlaps, or
    whose text is close; a location that clearly differs (another building)
    keeps them apart whatever the text says. A finding with no location also
    joins a case of its category opened in the same chat within the last
    15 minutes, or within the hour when it comes from that case's reporter or
    opens with "我也是": that is a conversation going on, not a new problem.
    A tentative finding (one the classifier is unsure of) with no location,
    or the case's own, joins the case opened last in the same chat within
    those 15 minutes, whatever its category: "这个要管管了" is a comment on
    that case.

    Candidates are tried newest first. When `accept` is given, a matching
    case it returns False for is passed over and older candidates are tried,
    so a caller's own rule can reject a match without losing an older one.
    """
    candidates = await session.scalars(
        select(Case)
        .where(
            Case.compound_id == compound.id,
            Case.status.in_(CaseStatus.open_statuses()),
            Case.opened_at >= now - window,
        )
        .order_by(Case.opened_at.desc())
        .limit(200)
    )
    for case in candidates:
        if not _matches(case, finding, now, chat_group_id, reporter_id, follow_up=follow_up, tentative=tentative):
            continue
        if accept is None or accept(case):
            return case
    return None


def _matches(
    case: Case,
    finding: Finding,
    now: datetime,
    chat_group_id: int | None,
    reporter_id: int | None,
    *,
    follow_up: bool,
    tentative: bool,
) -> bool:
    """Tell whether a finding is about a case by the rules of find_duplicate."""
    case_location = Location(case.building, case.unit, case.room, case.place)
    if _locations_conflict(case_location, finding.location):
        return False
    same_category = case.category == finding.category

    # An unsure comment right after a report in the same chat joins it.
    if (
        tentative
        and (finding.location.is_empty or case_location.overlaps(finding.location))
        and chat_group_id is not None
        and case.chat_group_id == chat_group_id
        and case.opened_at >= now - QUICK_REPLY_WINDOW
    ):
        return True

    if _elaborates(case, case_location, finding, same_category, now, chat_group_id, reporter_id):
        return True

    # A message of the same category with no place follows the report it replies to.
    if (
        same_category
        and finding.location.is_empty
        and chat_group_id is not None
        and case.chat_group_id == chat_group_id
        and (
            case.opened_at >= now - QUICK_REPLY_WINDOW
            or (
                case.opened_at >= now - CONVERSATION_WINDOW
                and (follow_up or case.reporter_id == reporter_id)
            )
        )
    ):
        return True

    # Two problems of one category in one building ("5栋电梯坏了",
    # "5栋门禁也坏了") stay apart unless they name a common thing.
    if same_category and case_location.overlaps(finding.location) and same_topic(case.summary, finding.text):
        return True
    if same_category and similar(case.summary, finding.text, threshold=0.3):
        return True
    return similar(case.summary, finding.text, threshold=0.6)


def _elaborates(
    case: Case,
    case_location: Location,
    finding: Finding,
    same_category: bool,
    now: datetime,
    chat_group_id: int | None,
    reporter_id: int | None,
) -> bool:
    """Tell whether a finding is its reporter adding the place to their own recent case.

    "电梯坏了" and then "3栋的电梯一直停着" from the same person in the same
    chat is one problem, while "3栋楼道灯也不亮了" names another thing and is
    a second one. The first case may still await triage under another
    category, so a triage case accepts the finding whatever category it got.
    """
    place_agrees = case_location.place is None or case_location.place == finding.location.place
    return (
        case_location.building is None
        and finding.location.building is not None
        and place_agrees
        and reporter_id is not None
        and case.reporter_id == reporter_id
        and chat_group_id is not None
        and case.chat_group_id == chat_group_id
        and case.opened_at >= now - CONVERSATION_WINDOW
        and (same_category or case.status == CaseStatus.TRIAGE)
        and same_topic(case.summary, finding.text)
    )


def fill_location(session: AsyncSession, case: Case, location: Location, actor: Member, now: datetime) -> bool:
    """Give a case with no building the address a later message names; return whether it changed.

    A place the case already has (楼道, 东门) is kept; the building, unit
    and room come from the new message.
    """
    if case.building is not None or location.building is None:
        return False
    case.building, case.unit, case.room = location.building, location.unit, location.room
    case.place = case.place or location.place
    case.updated_at = now
    where = Location(case.building, case.unit, case.room, case.place).describe()
    record_event(session, case, "location_added", actor=actor, at=now, data={"location": where})
    return True


def correct_location(session: AsyncSession, case: Case, location: Location, actor: Member, now: datetime) -> bool:
    """Replace a case's address with the one its reporter gives again; return whether it changed."""
    if location.building is None or location.building == case.building:
        return False
    before = Location(case.building, case.unit, case.room, case.place).describe()
    case.building, case.unit, case.room = location.building, location.unit, location.room
    case.updated_at = now
    where = Location(case.building, case.unit, case.room, case.place).describe()
    record_event(session, case, "location_corrected", actor=actor, at=now, data={"from": before, "to": where})
    return True


def _locations_conflict(a: Location, b: Location) -> bool:
    for mine, theirs in ((a.building, b.building), (a.unit, b.unit), (a.room, b.room)):
        if mine and theirs and mine != theirs:
            return True
    return False


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
        building=finding.location.building,
        unit=finding.location.unit,
        room=finding.location.room,
        place=finding.location.place,
        summary=finding.text,
        status=CaseStatus.TRIAGE if triage else CaseStatus.NEW,
        reporter_id=reporter.id,
        chat_group_id=chat_group_id,
        opened_at=now,
        updated_at=now,
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
