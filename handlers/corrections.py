"""Category corrections made in triage, kept as labelled examples for retraining.

When a liaison officer picks the category of a case the classifier was unsure
of, two records are written. The "classified" CaseEvent keeps the case's
text, the chosen label and the classifier's guess in the database. The same
example is appended to the corrections CSV of nlp.corrections (text,
category, urgency, route), which `python -m nlp train` reads once the file is
copied into nlp/data/. `export_corrections` rebuilds that CSV from the events,
so a lost or stale file can always be written again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import event as orm_event
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from models import Case, CaseEvent
from nlp.corrections import Correction, append_correction

log = logging.getLogger("handlers.corrections")

CORRECTION_EVENT = "classified"


@dataclass(frozen=True, slots=True)
class LabelledExample:
    """One corrected message with the case it came from."""

    correction: Correction
    previous_label: str
    compound_id: int
    case_number: str
    at: datetime


def correction_for(case: Case) -> Correction:
    """Build the labelled example for a case whose category an officer just set."""
    return Correction(
        text=case.summary,
        category=case.category,
        urgency="urgent" if case.urgent else "normal",
        route=case.route,
    )


def append_after_commit(session: AsyncSession, path: Path | None, case: Case) -> None:
    """Append a case's correction to the CSV once the session's transaction commits.

    The row is built now, while the case is loaded, and written only if the
    commit succeeds, so a command that fails later leaves no row whose
    CaseEvent was rolled back. A rollback cancels the write for good, even if
    the session later commits other work.
    """
    if path is None:
        return
    correction = correction_for(case)
    case_id = case.id
    cancelled = False

    def write(_session: Session) -> None:
        if cancelled:
            return
        try:
            append_correction(path, correction)
        except (OSError, ValueError):
            log.exception("correction not written: case=%s path=%s", case_id, path)

    def cancel(_session: Session) -> None:
        nonlocal cancelled
        cancelled = True

    sync_session = session.sync_session
    orm_event.listen(sync_session, "after_commit", write, once=True)
    orm_event.listen(sync_session, "after_soft_rollback", cancel, once=True)


async def export_corrections(
    session: AsyncSession, *, since: datetime | None = None
) -> list[LabelledExample]:
    """Return every triage correction from the case events, oldest first."""
    query = (
        select(CaseEvent, Case)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.kind == CORRECTION_EVENT)
        .order_by(CaseEvent.at, CaseEvent.id)
    )
    if since is not None:
        query = query.where(CaseEvent.at >= since)
    examples = []
    for event, case in (await session.execute(query)).all():
        data = event.data or {}
        correction = Correction(
            text=str(data.get("text", "")),
            category=str(data.get("label", "")),
            urgency="urgent" if data.get("urgent") else "normal",
            route=str(data.get("route", "")),
        )
        examples.append(
            LabelledExample(
                correction=correction,
                previous_label=str(data.get("previous_label", "")),
                compound_id=case.compound_id,
                case_number=case.number,
                at=event.at,
            )
        )
    return examples


def write_corrections_csv(examples: list[LabelledExample], path: Path) -> int:
    """Write examples to a new corrections CSV in the nlp.corrections format; return the count.

    Raises:
        ValueError: An example has empty text or an unknown label.
    """
    if path.exists():
        path.unlink()
    for example in examples:
        append_correction(path, example.correction)
    return len(examples)
