"""The place a reporter split off into a case of their own (拆分) gave for their problem."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseReporter
from nlp.findings import Location
from nlp.locate import extract_location
from nlp.normalize import normalize


async def reported_place(session: AsyncSession, source: Case, moving: CaseReporter, text: str) -> Location:
    """Return the place of the moving reporter's own report, or an empty Location.

    A reporter who reached `source` through a merge had a case of their
    own, and that case may know the place from a later message ("9栋的")
    or an officer's 改位置 while their first message names none. When they
    opened that case, its place is theirs. Otherwise the place in their own
    words comes first, and the place of the case they joined comes next.
    The source's place is never used, because the split marks the
    reporter's problem as another one.
    """
    merged = await _merged_case_of(session, source, moving)
    if merged is not None and merged.reporter_id == moving.member_id and not _place_of(merged).is_empty:
        return _place_of(merged)
    own = extract_location(normalize(text)) if text else Location()
    if not own.is_empty or merged is None:
        return own
    return _place_of(merged)


async def _merged_case_of(session: AsyncSession, source: Case, moving: CaseReporter) -> Case | None:
    """Return the case merged into `source`, at any depth, that brought in the moving reporter.

    A merge copies the reporter rows (workflow.merge), so the merged case
    still has a row for the member. The row with the same message wins over
    one that only has the same member.
    """
    rows = await session.execute(
        select(Case, CaseReporter.raw_message_id)
        .join(CaseReporter, CaseReporter.case_id == Case.id)
        .where(
            CaseReporter.member_id == moving.member_id,
            Case.compound_id == source.compound_id,
            Case.merged_into_id.is_not(None),
        )
        .order_by(Case.id)
    )
    candidates = [
        (case, raw_message_id) for case, raw_message_id in rows if await _merged_into(session, case, source)
    ]
    for case, raw_message_id in candidates:
        if raw_message_id is not None and raw_message_id == moving.raw_message_id:
            return case
    return candidates[0][0] if candidates else None


async def _merged_into(session: AsyncSession, case: Case, target: Case) -> bool:
    """Tell whether `case` was merged into `target`, directly or through other merged cases."""
    seen: set[int] = set()
    while case.merged_into_id is not None and case.id not in seen:
        if case.merged_into_id == target.id:
            return True
        seen.add(case.id)
        case = await session.get(Case, case.merged_into_id)
        if case is None:
            return False
    return False


def _place_of(case: Case) -> Location:
    return Location(case.building, case.unit, case.room, case.place)
