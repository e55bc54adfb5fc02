"""Case counts of many compounds for one period, computed with GROUP BY in the database.

The 统计 command and the district dashboard share these queries, so a rate
means the same in a chat reply and on the dashboard. The definitions are the
ones handlers.statistics states; each aggregate below repeats its rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy import case as when
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseEvent, CaseOutcome, CaseStatus, DepartmentCall

if TYPE_CHECKING:
    from handlers.statistics import Period

# Outcomes a case can end with in the resolution rate; merged cases are left
# out because the case they were merged into counts.
ENDED_OUTCOMES = (
    CaseOutcome.RESOLVED,
    CaseOutcome.CANNOT_RESOLVE,
    CaseOutcome.NOT_OUR_DUTY,
    CaseOutcome.WITHDRAWN,
)
# Outcomes the acting party decides. The on-time rate counts only these,
# because a withdrawal is the resident's act, not the party's.
PARTY_OUTCOMES = (CaseOutcome.RESOLVED, CaseOutcome.CANNOT_RESOLVE, CaseOutcome.NOT_OUR_DUTY)
# A false alarm (误报) was never a problem, so no count or rate includes it.
# An open case has no outcome, hence IS DISTINCT FROM rather than !=.
COUNTED = Case.outcome.is_distinct_from(CaseOutcome.NOT_A_CASE)

CompoundScope = Select[tuple[int]] | Iterable[int]

# Event kinds by which the acting party responds to a case; the first one counts.
RESPONSE_EVENTS = ("acknowledged", "resolved", "cannot_resolve", "not_our_duty")


@dataclass(slots=True)
class PartyFigures:
    """Counts of one party's cases; ratings count against the party rated, as the event stores it."""

    open: int = 0
    overdue: int = 0
    resolved: int = 0
    unsatisfied: int = 0
    closed_with_limit: int = 0
    closed_on_time: int = 0
    ratings: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class CompoundStatistics:
    """Counts and rates of one compound in one period; open and overdue counts are as of now."""

    opened: int = 0
    response_due: int = 0
    responded_in_time: int = 0
    ended: Counter[str] = field(default_factory=Counter)
    ratings: Counter[str] = field(default_factory=Counter)
    open_now: int = 0
    overdue_now: int = 0
    co_reporters: int = 0
    # On-time rate: party-decided closures in the period that had a resolution limit.
    closed_with_limit: int = 0
    closed_on_time: int = 0
    # Cases opened in the period that were later reopened or merged into another case.
    # NOTE: counted as of the query, so a past period's figure grows when an old case is reopened.
    repeated: int = 0
    # Cases closed in the period as false alarms (误报), which every other figure leaves out.
    false_alarms: int = 0
    by_party: dict[int, PartyFigures] = field(default_factory=dict)

    @property
    def ended_total(self) -> int:
        return sum(self.ended.values())

    @property
    def rated_total(self) -> int:
        return sum(self.ratings.values())

    @property
    def satisfied(self) -> int:
        return self.ratings["satisfied"] + self.ratings["basic"]

    def party(self, party_id: int | None) -> PartyFigures:
        return self.by_party.setdefault(party_id or 0, PartyFigures())


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    # CASE turns a NULL condition into 0, so a NULL column never drops a row from a sum.
    return func.coalesce(func.sum(when((condition, 1), else_=0)), 0)


def _within(column: ColumnElement[datetime], period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


def _scope_filter(scope: CompoundScope) -> ColumnElement[bool]:
    if isinstance(scope, Select):
        return Case.compound_id.in_(scope)
    return Case.compound_id.in_(list(scope))


async def statistics_by_compound(
    session: AsyncSession, scope: CompoundScope, period: Period, now: datetime
) -> dict[int, CompoundStatistics]:
    """Count the cases of every compound in `scope` for a period, keyed by compound id.

    `scope` is a list of compound ids or a SELECT of them. A compound
    without cases is missing from the result; callers treat it as empty.
    """
    in_scope = _scope_filter(scope)
    result: dict[int, CompoundStatistics] = {}
    for row in await session.execute(_case_counts(in_scope, period, now)):
        stats = result.setdefault(row.compound_id, CompoundStatistics())
        _add_case_row(stats, row)
    for row in await session.execute(_rating_counts(in_scope, period)):
        stats = result.setdefault(row.compound_id, CompoundStatistics())
        stats.ratings[row.rating or ""] += row.count
        figures = stats.party(row.party_id)
        figures.ratings[row.rating or ""] += row.count
        if row.rating == "unsatisfied":
            figures.unsatisfied += row.count
    return result


def _relevant(period: Period) -> ColumnElement[bool]:
    # Every count below needs one of these, so the other cases are never
    # joined or evaluated. A case whose response is counted in the period has
    # opened_at <= counted_at < end and start <= counted_at <= response_due_at.
    return or_(
        _within(Case.opened_at, period),
        _within(Case.closed_at, period),
        Case.status.in_(CaseStatus.open_statuses()),
        and_(Case.opened_at < period.end, Case.response_due_at >= period.start),
        and_(Case.opened_at < period.end, Case.first_response_due_at >= period.start),
    )


def _case_counts(in_scope: ColumnElement[bool], period: Period, now: datetime) -> Select:
    in_scope = and_(in_scope, _relevant(period))
    # A party responds by acknowledging the case, or by closing it at once:
    # resolving it, or passing it to an outside body as not its duty.
    first_ack = (
        select(CaseEvent.case_id.label("case_id"), func.min(CaseEvent.at).label("at"))
        .join(Case, Case.id == CaseEvent.case_id)
        .where(in_scope, CaseEvent.kind.in_(RESPONSE_EVENTS))
        .group_by(CaseEvent.case_id)
        .subquery()
    )

    reopened = (
        select(CaseEvent.case_id.label("case_id"))
        .join(Case, Case.id == CaseEvent.case_id)
        .where(in_scope, CaseEvent.kind == "reopened")
        .group_by(CaseEvent.case_id)
        .subquery()
    )

    acknowledged = first_ack.c.at
    # The limit the case was opened with: a reopen or a handover sets a new
    # response_due_at, which would make a late first acknowledgement on time.
    due = func.coalesce(Case.first_response_due_at, Case.response_due_at)
    on_time = and_(acknowledged.is_not(None), due.is_not(None), acknowledged <= due)
    # A case counts in the period of its first on-time acknowledgement, or
    # else in the period its limit ran out. A reopened case keeps its first
    # acknowledgement, because the party did respond in time.
    counted_at = when((on_time, acknowledged), else_=due)
    # A case withdrawn or merged before its response limit was never due for a response.
    gone_before = and_(
        Case.outcome.in_([CaseOutcome.WITHDRAWN, CaseOutcome.MERGED]),
        Case.closed_at.is_not(None),
        Case.closed_at <= due,
        Case.acknowledged_at.is_(None),
    )
    response_due = and_(
        COUNTED,
        due.is_not(None),
        counted_at.is_not(None),
        _within(counted_at, period),
        counted_at <= now,
        when((gone_before, 1), else_=0) == 0,
    )

    opened = and_(COUNTED, _within(Case.opened_at, period))
    # NOTE: closures are read from the case's current state, so a case closed
    # in one period and reopened later drops out of that period's figures.
    closed = _within(Case.closed_at, period)
    is_open = Case.status.in_(CaseStatus.open_statuses())
    late = or_(
        and_(Case.acknowledged_at.is_(None), Case.response_due_at < now),
        and_(Case.resolve_due_at.is_not(None), Case.resolve_due_at < now),
    )
    closed_with_limit = and_(
        closed, Case.outcome.in_(PARTY_OUTCOMES), Case.resolve_due_at.is_not(None)
    )

    columns = [
        Case.compound_id.label("compound_id"),
        Case.party_id.label("party_id"),
        _count_if(opened).label("opened"),
        func.coalesce(func.sum(when((opened, Case.reporter_count - 1), else_=0)), 0).label("co_reporters"),
        _count_if(response_due).label("response_due"),
        _count_if(and_(response_due, on_time)).label("responded_in_time"),
        _count_if(is_open).label("open_now"),
        _count_if(and_(is_open, late)).label("overdue_now"),
        _count_if(closed_with_limit).label("closed_with_limit"),
        _count_if(and_(closed_with_limit, Case.closed_at <= Case.resolve_due_at)).label("closed_on_time"),
        _count_if(
            and_(opened, or_(Case.outcome == CaseOutcome.MERGED, reopened.c.case_id.is_not(None)))
        ).label("repeated"),
        _count_if(and_(closed, Case.outcome == CaseOutcome.NOT_A_CASE)).label("false_alarms"),
    ]
    columns += [_count_if(and_(closed, Case.outcome == outcome)).label(outcome.value) for outcome in ENDED_OUTCOMES]
    return (
        select(*columns)
        .select_from(Case)
        .outerjoin(first_ack, first_ack.c.case_id == Case.id)
        .outerjoin(reopened, reopened.c.case_id == Case.id)
        .where(in_scope)
        .group_by(Case.compound_id, Case.party_id)
    )


def _add_case_row(stats: CompoundStatistics, row) -> None:  # noqa: ANN001 - a Row of _case_counts
    stats.opened += row.opened
    stats.co_reporters += row.co_reporters
    stats.response_due += row.response_due
    stats.responded_in_time += row.responded_in_time
    stats.open_now += row.open_now
    stats.overdue_now += row.overdue_now
    stats.closed_with_limit += row.closed_with_limit
    stats.closed_on_time += row.closed_on_time
    stats.repeated += row.repeated
    stats.false_alarms += row.false_alarms
    for outcome in ENDED_OUTCOMES:
        count = getattr(row, outcome.value)
        if count:
            stats.ended[outcome] += count
    figures = stats.party(row.party_id)
    figures.open += row.open_now
    figures.overdue += row.overdue_now
    figures.resolved += getattr(row, CaseOutcome.RESOLVED.value)
    figures.closed_with_limit += row.closed_with_limit
    figures.closed_on_time += row.closed_on_time


def _rating_counts(in_scope: ColumnElement[bool], period: Period) -> Select:
    # The rating and the rated party live in the event's JSON data. Grouping
    # happens on a subquery's plain columns, because PostgreSQL does not match
    # two JSON path expressions with separate bound parameters in GROUP BY.
    rated = (
        select(
            Case.compound_id.label("compound_id"),
            CaseEvent.data["rating"].as_string().label("rating"),
            CaseEvent.data["party_id"].as_integer().label("party_id"),
        )
        .join(Case, Case.id == CaseEvent.case_id)
        .where(in_scope, COUNTED, CaseEvent.kind == "rated", _within(CaseEvent.at, period))
        .subquery()
    )
    return select(
        rated.c.compound_id, rated.c.rating, rated.c.party_id, func.count().label("count")
    ).group_by(rated.c.compound_id, rated.c.rating, rated.c.party_id)


async def categories_by_compound(
    session: AsyncSession, scope: CompoundScope, period: Period
) -> dict[int, Counter[str]]:
    """Count the cases opened in a period by category key, per compound, leaving out false alarms."""
    rows = await session.execute(
        select(Case.compound_id, Case.category, func.count())
        .where(_scope_filter(scope), COUNTED, _within(Case.opened_at, period))
        .group_by(Case.compound_id, Case.category)
    )
    result: dict[int, Counter[str]] = {}
    for compound_id, category, count in rows:
        result.setdefault(compound_id, Counter())[category] = count
    return result


async def street_escalations_by_compound(
    session: AsyncSession, scope: CompoundScope, period: Period
) -> dict[int, int]:
    """Count the cases that reached the street tri-party office in a period, per compound.

    A case counts once when, in the period, it was escalated onto the street
    rung of the ladder or the street office called a department in (吹哨).
    """
    escalated = select(CaseEvent.case_id).where(
        CaseEvent.kind == "escalated",
        _within(CaseEvent.at, period),
        CaseEvent.data["rung"].as_string() == "street",
    )
    called = select(DepartmentCall.case_id).where(_within(DepartmentCall.called_at, period))
    rows = await session.execute(
        select(Case.compound_id, func.count(Case.id))
        .where(_scope_filter(scope), COUNTED, or_(Case.id.in_(escalated), Case.id.in_(called)))
        .group_by(Case.compound_id)
    )
    return {compound_id: count for compound_id, count in rows}
