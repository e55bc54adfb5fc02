"""Read-side queries shared by the CLI, the commands and the scheduler."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.case import Case, CaseStatus
from models.codes import normalize_code
from models.org import Compound


@dataclass(frozen=True, slots=True)
class CaseListing:
    """One case as listed by `python -m bot cases`."""

    number: str
    compound_code: str
    compound_name: str
    category: str
    urgent: bool
    route: str
    status: str
    opened_at: datetime
    text: str
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    place: str | None = None
    reporter_count: int = 1

    def as_json(self, zone: ZoneInfo) -> dict[str, Any]:
        return {
            "number": self.number,
            "compound": self.compound_code,
            "compound_name": self.compound_name,
            "category": self.category,
            "urgency": "urgent" if self.urgent else "normal",
            "route": self.route,
            "status": self.status,
            "opened_at": self.opened_at.astimezone(zone).isoformat(),
            "text": self.text,
            "location": {
                "building": self.building,
                "unit": self.unit,
                "room": self.room,
                "place": self.place,
            },
            "reporters": self.reporter_count,
        }


async def list_cases(
    session: AsyncSession, *, compound_code: str | None = None, only_open: bool = False, limit: int = 0
) -> list[CaseListing]:
    """Return cases ordered by compound and number; with a limit, the newest ones."""
    query = select(Case, Compound.code, Compound.name).join(Compound, Case.compound_id == Compound.id)
    if compound_code:
        # People type the name as often as the code.
        query = query.where(
            or_(func.upper(Compound.code) == normalize_code(compound_code), Compound.name == compound_code)
        )
    if only_open:
        query = query.where(Case.status.in_(CaseStatus.open_statuses()))
    if limit > 0:
        query = query.order_by(Case.opened_at.desc(), Case.id.desc()).limit(limit)
    else:
        query = query.order_by(Compound.code, Case.seq)
    rows = (await session.execute(query)).all()
    return [
        CaseListing(
            number=case.number,
            compound_code=code,
            compound_name=name,
            category=case.category,
            urgent=case.urgent,
            route=case.route,
            status=case.status,
            opened_at=case.opened_at,
            text=case.summary,
            building=case.building,
            unit=case.unit,
            room=case.room,
            place=case.place,
            reporter_count=case.reporter_count,
        )
        for case, code, name in rows
    ]
