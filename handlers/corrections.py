"""Category corrections made in triage, exported as labelled examples for retraining.

When a liaison officer picks the category of a case the classifier was unsure
of, the "classified" CaseEvent keeps the case's text, the chosen label and the
classifier's guess. This module reads those events back as rows of the
labelled CSV the classifier is trained on (text,label).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseEvent

# TODO: hand corrections to nlp.corrections as well once that module exists;
# until then the CaseEvent rows below are the only store.
CORRECTION_EVENT = "classified"


@dataclass(frozen=True, slots=True)
class LabelledExample:
    """One corrected message: its text, the right label and the classifier's guess."""

    text: str
    label: str
    previous_label: str
    compound_id: int
    case_number: str
    at: datetime


async def export_corrections(
    session: AsyncSession, *, since: datetime | None = None
) -> list[LabelledExample]:
    """Return every triage correction, oldest first, optionally from a point in time."""
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
        examples.append(
            LabelledExample(
                text=str(data.get("text", "")),
                label=str(data.get("label", "")),
                previous_label=str(data.get("previous_label", "")),
                compound_id=case.compound_id,
                case_number=case.number,
                at=event.at,
            )
        )
    return examples


def write_corrections_csv(examples: Iterable[LabelledExample], stream: TextIO) -> int:
    """Write examples as a text,label CSV with a header; return the number of rows."""
    writer = csv.writer(stream)
    writer.writerow(["text", "label"])
    count = 0
    for example in examples:
        if example.text and example.label:
            writer.writerow([example.text, example.label])
            count += 1
    return count
