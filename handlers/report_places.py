"""Where an address line puts the cases of its sender's last report: 「是5栋的」, 「不对，是6栋的」.

One message may open several cases (「5栋电梯坏了，另外楼道灯也不亮，还有东门道闸坏了」),
and the resident's next line gives or corrects the building of all of them
at once. A place outside the buildings (东门, 地下车库) and a compound-wide
matter (a fee rise) keep their place, and the reply names them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import replies as texts
from handlers.cases import correct_location, fill_location
from handlers.messages import ChatTarget, InboundMessage, PartyTarget, Reply
from models import Case, CaseReporter, CaseStatus, Member, PartyKind
from nlp.findings import PLACES_IN_BUILDING, Location
from nlp.labels import COMPOUND_WIDE


@dataclass(slots=True)
class ReportCorrection:
    """The result of a correction such as 「不对，是6栋的」 on the cases of a report with several problems.

    Attributes:
        moved: Cases whose building changed, by number.
        replies: The one reply to the group, then the notes to the liaison
            officer about cases that neighbours joined.
    """

    moved: list[Case] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)


def keeps_place(case: Case, report_size: int) -> bool:
    """Tell whether an address line about a report leaves a case's place alone.

    A compound-wide matter never gets a building. A place outside the
    buildings (东门, 地下车库) keeps its place when the report had other
    problems, because the line is about those. The only problem of a report
    takes the address even there: 「地库漏水」, then 「是5栋的」, is about the
    basement of 5栋.
    """
    if case.category in COMPOUND_WIDE:
        return True
    outside = case.place is not None and case.place not in PLACES_IN_BUILDING
    return report_size > 1 and outside


async def _cases_opened_with(session: AsyncSession, case: Case, member: Member) -> list[Case]:
    """Return the member's other open cases that the message which opened `case` opened too."""
    opening = await session.scalar(
        select(CaseReporter.raw_message_id).where(CaseReporter.case_id == case.id, CaseReporter.member_id == member.id)
    )
    if opening is None:
        return []
    siblings = await session.scalars(
        select(Case)
        .join(CaseReporter, CaseReporter.case_id == Case.id)
        .where(
            CaseReporter.raw_message_id == opening,
            CaseReporter.member_id == member.id,
            Case.reporter_id == member.id,
            Case.id != case.id,
            Case.status.in_(CaseStatus.open_statuses()),
        )
        .order_by(Case.seq)
    )
    return list(siblings)


async def cases_of_report(session: AsyncSession, case: Case, member: Member) -> list[Case]:
    """Return `case` and the member's other open cases that the message which opened it opened too, by number."""
    return sorted([case, *await _cases_opened_with(session, case, member)], key=lambda c: c.seq)


def place_awaiting(
    session: AsyncSession, report: list[Case], location: Location, member: Member, now: datetime
) -> list[Case]:
    """Give an address line's building to the cases of one report that await one; return those it placed.

    After 「楼道灯不亮了，另外垃圾桶也满了，还有地库有积水」, the line
    「是5栋1单元的」 names where the problems that named no place, or a
    place inside a building (楼道), are: the resident's building. The
    garage was already named as the place of its problem, and a garage or
    a gate serves the whole compound, so the line does not make it
    5栋1单元地库.
    This is the rule nlp.findings.carry_places applies when the address
    comes first in the message. A report with one problem gets the address
    even at such a place, because the line can only be about that problem:
    「地库漏水」, then 「是5栋的」, is about the basement of 5栋. A
    compound-wide matter such as a fee rise never gets a building.
    """
    awaiting = [c for c in report if c.building is None and not keeps_place(c, len(report))]
    return [c for c in awaiting if fill_location(session, c, location, member, now)]


def disputed_location(
    case: Case, location: Location, member: Member, group: ChatTarget, message: InboundMessage
) -> list[Reply]:
    """Tell the reporter that a joined case keeps its place, and ask the liaison officer to check theirs.

    The place proposed to the officer is the one the reporter's correction
    would have given: their building, and the unit and room of the case
    unless they named others.
    """
    proposed = Location(location.building, location.unit or case.unit, location.room or case.room, case.place)
    branch = case.compound.party(PartyKind.PARTY)
    answer = texts.location_unchanged(case, location, officer_notified=branch is not None)
    replies = [Reply(group, answer, case.id, "group", message.message_id)]
    if branch is not None:
        note = texts.location_disputed_for_officer(case, proposed, member.display_name)
        replies.append(Reply(PartyTarget(branch.id, branch.name), note, case.id, "officer"))
    return replies


def correct_report(
    session: AsyncSession,
    report: list[Case],
    location: Location,
    member: Member,
    group: ChatTarget,
    message: InboundMessage,
    now: datetime,
) -> ReportCorrection | None:
    """Move the cases of a report with several problems from the building it named to the corrected one.

    The cases at the report's building move. A case that neighbours
    joined stays, and the liaison officer is asked to check it, as for a
    report with one problem (see disputed_location). A case that named no
    building and no place outside the buildings (「楼上天天半夜拖椅子，另外5栋电梯坏了」)
    takes the corrected building too, by the rule of place_awaiting: the
    report named one building, and the line names the one the resident meant.
    When the report's cases are in different buildings, the line cannot
    tell which one was wrong, so nothing moves and the reply lists where
    each case is.

    Returns None when the cases are already at that building, or when no
    case has a building yet, so the line names the building for the first
    time and place_awaiting applies.
    """
    inside = [case for case in report if not keeps_place(case, len(report))]
    buildings = {case.building for case in inside if case.building is not None}
    if not buildings:
        return None
    if len(buildings) > 1:
        text = texts.report_buildings_differ(inside, location)
        return ReportCorrection(replies=[Reply(group, text, inside[0].id, "group", message.message_id)])

    original = buildings.pop()
    if original == location.building:
        return None
    at_original = [case for case in inside if case.building == original]
    lines: list[str] = []
    notes: list[Reply] = []
    moved: list[Case] = []
    for case in at_original:
        if case.reporter_count > 1:
            disputed = disputed_location(case, location, member, group, message)
            lines.append(disputed[0].text)
            notes.extend(disputed[1:])
        elif correct_location(session, case, location, member, now):
            moved.append(case)
    moved += place_awaiting(session, report, location, member, now)
    moved.sort(key=lambda case: case.seq)

    if moved:
        lines.insert(0, texts.locations_corrected(moved))
        kept = [case for case in report if keeps_place(case, len(report))]
        if kept:
            lines.append(texts.places_kept(kept))
    first = moved[0] if moved else at_original[0]
    reply = Reply(group, "\n".join(lines), first.id, "group", message.message_id)
    return ReportCorrection(moved=moved, replies=[reply, *notes])


def unplaced_reply(report: list[Case], location: Location, group: ChatTarget, message: InboundMessage) -> Reply | None:
    """Tell a resident that an address line changed no case, because every case of the report keeps its place.

    After 「东门道闸坏了，另外地下车库有积水」, the line 「3栋2单元」 is about
    neither problem. Returns None when some case of the report could take
    a building.
    """
    if not all(case.building is None and keeps_place(case, len(report)) for case in report):
        return None
    text = texts.address_not_applied(report, location)
    return Reply(group, text, report[0].id, "group", message.message_id)
