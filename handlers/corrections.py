"""Officer corrections of the classifier, kept as labelled examples for retraining.

An officer corrects the classifier in three ways: 分类 picks the category
of a case in triage ("classified"), 改类 changes the category of a routed
case ("recategorized"), and 误报 closes a case that was only chat
("not_a_case"). Each correction is written twice. Its CaseEvent keeps the
case's text, the new label and the classifier's guess in the database. The
same example is appended to the corrections CSV of nlp.corrections (text,
category, urgency, route) once the transaction commits.
`export_corrections` rebuilds the examples from the events, so
`python -m bot corrections-export` can always write the file again, for
`python -m nlp train --data`.
"""

from __future__ import annotations

import csv
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event as orm_event
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from models import Case, CaseEvent, CaseOutcome
from nlp.corrections import COLUMNS, Correction, append_correction, check_correction, latest_per_text

log = logging.getLogger("handlers.corrections")

CLASSIFIED = "classified"
RECATEGORIZED = "recategorized"
NOT_A_CASE = "not_a_case"
CORRECTION_EVENTS = (CLASSIFIED, RECATEGORIZED, NOT_A_CASE)


@dataclass(frozen=True, slots=True)
class LabelledExample:
    """One corrected message with the case it came from and the kind of correction."""

    correction: Correction
    previous_label: str
    compound_id: int
    case_number: str
    at: datetime
    kind: str = CLASSIFIED


def correction_from_event(data: dict[str, Any]) -> Correction:
    """Build the labelled example that a correction event's data stores."""
    return Correction(
        text=str(data.get("text", "")),
        category=str(data.get("label", "")),
        urgency="urgent" if data.get("urgent") else "normal",
        route=str(data.get("route", "")),
    )


def append_after_commit(session: AsyncSession, path: Path | None, event: CaseEvent) -> None:
    """Append a correction event's example to the CSV once the session's transaction commits.

    The row is built now and written only if the commit succeeds, so a
    command that fails later leaves no row whose CaseEvent was rolled back.
    A rollback cancels the write for good, even if the session later commits
    other work.
    """
    if path is None:
        return
    correction = correction_from_event(event.data or {})
    case_id = event.case_id
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
    """Return every officer correction from the case events, oldest first.

    A false alarm counts only while its case is still closed as one: a
    reporter who reopens it shows that the message was a problem after all.
    An event whose example cannot train the model (empty text, unknown
    label) is logged and left out.
    """
    query = (
        select(CaseEvent, Case)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.kind.in_(CORRECTION_EVENTS))
        .order_by(CaseEvent.at, CaseEvent.id)
    )
    if since is not None:
        query = query.where(CaseEvent.at >= since)
    examples = []
    for event, case in (await session.execute(query)).all():
        if event.kind == NOT_A_CASE and case.outcome != CaseOutcome.NOT_A_CASE:
            continue
        data = event.data or {}
        correction = correction_from_event(data)
        try:
            check_correction(correction)
        except ValueError as exc:
            log.warning("correction skipped: case=%s event=%s reason=%s", case.id, event.id, exc)
            continue
        examples.append(
            LabelledExample(
                correction=correction,
                previous_label=str(data.get("previous_label", "")),
                compound_id=case.compound_id,
                case_number=case.number,
                at=event.at,
                kind=event.kind,
            )
        )
    return examples


def write_corrections_csv(examples: list[LabelledExample], path: Path) -> int:
    """Write examples as a training CSV, one row per text, and return the number of rows.

    The last correction of a text wins (nlp.corrections.latest_per_text). The
    file is written under a temporary name and then renamed, so a failed
    write leaves any earlier file as it was.

    Raises:
        OSError: The file or its folder cannot be written.
    """
    rows = latest_per_text([example.correction for example in examples])
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", newline="", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(COLUMNS)
            for row in rows:
                writer.writerow([row.text, row.category, row.urgency, row.route])
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return len(rows)
