"""Case statistics for one compound and period: counts and the three rates.

The rates follow the product's stated definitions, which every message that
shows them repeats:
- response rate: cases acknowledged within their response limit / cases
  whose response limit fell in the period and has passed (a case withdrawn
  or merged before its limit was never due);
- resolution rate: cases that ended as resolved / cases that ended in the
  period. Cannot-resolve, not-our-duty and withdrawn cases are counted
  apart. Merged cases are left out because their target counts;
- satisfaction rate: 满意 + 基本满意 / ratings given in the period.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import BadCommand
from models import Case, CaseEvent, CaseOutcome, CaseStatus, Compound

_MONTH = re.compile(r"^(\d{4})[-年/.](\d{1,2})月?$")


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open span of time [start, end) and how people call it."""

    start: datetime
    end: datetime
    label: str


def parse_period(word: str, now: datetime, zone: ZoneInfo) -> Period:
    """Read 今天, 本周, 上周, 本月, 上月, 今年, 近7天, 近30天 or 2026-03 in the given zone.

    Raises:
        BadCommand: The word names no period.
    """
    local = now.astimezone(zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    month_start = midnight.replace(day=1)
    word = word.strip() or "本月"
    if word == "今天":
        return Period(midnight, midnight + timedelta(days=1), "今天")
    if word == "本周":
        start = midnight - timedelta(days=midnight.weekday())
        return Period(start, start + timedelta(days=7), "本周")
    if word == "上周":
        start = midnight - timedelta(days=midnight.weekday() + 7)
        return Period(start, start + timedelta(days=7), "上周")
    if word == "本月":
        return Period(month_start, _next_month(month_start), "本月")
    if word == "上月":
        start = (month_start - timedelta(days=1)).replace(day=1)
        return Period(start, month_start, "上月")
    if word == "今年":
        start = month_start.replace(month=1)
        return Period(start, start.replace(year=start.year + 1), "今年")
    days = re.fullmatch(r"近(\d{1,3})天", word)
    if days:
        count = int(days.group(1))
        return Period(
            midnight - timedelta(days=count - 1), midnight + timedelta(days=1), f"近{count}天"
        )
    month = _MONTH.match(word)
    if month and 1 <= int(month.group(2)) <= 12:
        start = month_start.replace(year=int(month.group(1)), month=int(month.group(2)))
        return Period(start, _next_month(start), f"{start.year}年{start.month}月")
    msg = f"“{word}”不是可用的统计时段，可选：今天、本周、上周、本月、上月、今年、近7天、2026-03。"
    raise BadCommand(msg)


def _next_month(start: datetime) -> datetime:
    if start.month == 12:
        return start.replace(year=start.year + 1, month=1)
    return start.replace(month=start.month + 1)


@dataclass(slots=True)
class PartyFigures:
    """Counts of one party's cases."""

    open: int = 0
    overdue: int = 0
    resolved: int = 0
    unsatisfied: int = 0


@dataclass(slots=True)
class CompoundStatistics:
    """Counts and rates of one compound in one period."""

    opened: int = 0
    response_due: int = 0
    responded_in_time: int = 0
    ended: Counter[str] = field(default_factory=Counter)
    ratings: Counter[str] = field(default_factory=Counter)
    open_now: int = 0
    overdue_now: int = 0
    co_reporters: int = 0
    by_party: dict[int, PartyFigures] = field(default_factory=dict)

    @property
    def ended_total(self) -> int:
        return sum(self.ended.values())

    @property
    def rated_total(self) -> int:
        return sum(self.ratings.values())

    def party(self, party_id: int | None) -> PartyFigures:
        return self.by_party.setdefault(party_id or 0, PartyFigures())


def _gone_before(case: Case, due: datetime) -> bool:
    # A case withdrawn or merged before its response limit was never due for a response.
    gone = case.outcome in (CaseOutcome.WITHDRAWN, CaseOutcome.MERGED)
    return (
        gone
        and case.closed_at is not None
        and case.closed_at <= due
        and case.acknowledged_at is None
    )


async def _first_acknowledgements(session: AsyncSession, case_ids: list[int]) -> dict[int, datetime]:
    if not case_ids:
        return {}
    rows = await session.execute(
        select(CaseEvent.case_id, func.min(CaseEvent.at))
        .where(CaseEvent.case_id.in_(case_ids), CaseEvent.kind == "acknowledged")
        .group_by(CaseEvent.case_id)
    )
    # min() keeps the column's type, so the values come back time-zone aware.
    return {case_id: at for case_id, at in rows}


def rate(part: int, whole: int) -> str:
    """Format a rate as 87.5%, or 无 when nothing was counted."""
    if whole == 0:
        return "无"
    return f"{part * 100 / whole:.1f}%"


async def compound_statistics(
    session: AsyncSession, compound: Compound, period: Period, now: datetime
) -> CompoundStatistics:
    """Count the cases of a compound for a period; open and overdue counts are as of now."""
    stats = CompoundStatistics()
    # NOTE: every case of the compound is loaded and counted in Python, which
    # suits one compound's few thousand cases but not a street-wide report.
    cases = list(await session.scalars(select(Case).where(Case.compound_id == compound.id)))
    first_acknowledged = await _first_acknowledgements(session, [c.id for c in cases])
    for case in cases:
        if period.start <= case.opened_at < period.end:
            stats.opened += 1
            stats.co_reporters += case.reporter_count - 1
        due = case.response_due_at
        acknowledged = first_acknowledged.get(case.id)
        on_time = acknowledged is not None and due is not None and acknowledged <= due
        # A case counts in the period of its first on-time acknowledgement, or
        # else in the period its limit ran out. A reopened case keeps its first
        # acknowledgement, because the firm did respond in time.
        counted_at = acknowledged if on_time else due
        if (
            due is not None
            and counted_at is not None
            and period.start <= counted_at < period.end
            and counted_at <= now
            and not _gone_before(case, due)
        ):
            stats.response_due += 1
            if on_time:
                stats.responded_in_time += 1
        if case.outcome and case.outcome != CaseOutcome.MERGED and case.closed_at is not None:
            if period.start <= case.closed_at < period.end:
                stats.ended[case.outcome] += 1
                if case.outcome == CaseOutcome.RESOLVED:
                    stats.party(case.party_id).resolved += 1
        if CaseStatus(case.status).is_open:
            stats.open_now += 1
            figures = stats.party(case.party_id)
            figures.open += 1
            late = (case.acknowledged_at is None and due is not None and due < now) or (
                case.resolve_due_at is not None and case.resolve_due_at < now
            )
            if late:
                stats.overdue_now += 1
                figures.overdue += 1

    case_ids = [c.id for c in cases]
    if case_ids:
        ratings = await session.scalars(
            select(CaseEvent).where(
                CaseEvent.case_id.in_(case_ids),
                CaseEvent.kind == "rated",
                CaseEvent.at >= period.start,
                CaseEvent.at < period.end,
            )
        )
        for event in ratings:
            rating = str(event.data.get("rating", ""))
            stats.ratings[rating] += 1
            if rating == "unsatisfied":
                stats.party(event.data.get("party_id")).unsatisfied += 1
    return stats
