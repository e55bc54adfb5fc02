"""Case counts of many compounds for one period, computed with GROUP BY in the database.

The 统计 command and the district dashboard share these queries, so a rate
means the same in a chat reply and on the dashboard. The definitions are the
ones handlers.statistics states; each aggregate below repeats its rule.

Closures, on-time closures and responses are counted per handling round
(models.CaseRound): in the period in which the round's act happened and for
the party whose round it was. Ended rounds are never rewritten, so a reopen
or a hand-over leaves a past period's figures as they were. The round still
running is read from the case row. Figures about the cases opened in a
period (repeated cases, co-reporters) count only what happened before the
period ended, so they too stay as they were once it is over.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy import case as when
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models import Case, CaseEvent, CaseOutcome, CaseReporter, CaseRound, CaseStatus, DepartmentCall

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


def first_closing(round_: type[CaseRound]) -> ColumnElement[bool]:
    """True for a round that no earlier round of its case closed before.

    A round handed to another party (转派, 改类) ends without an outcome and
    closes nothing, so the case's first closing act may come in a later round.
    """
    earlier = aliased(CaseRound)
    return ~exists().where(
        earlier.case_id == round_.case_id, earlier.number < round_.number, earlier.outcome.is_not(None)
    )


def false_alarm_case(case_id: ColumnElement[int]) -> ColumnElement[bool]:
    """True for a case whose first closing act was 误报.

    It was never a problem, so no count or rate includes it or any of its
    rounds. A false-alarm round after a real closing (a reopen that was no
    problem) leaves the case and its earlier rounds counted, and counts
    nowhere itself.
    """
    alarm = aliased(CaseRound)
    return exists().where(alarm.case_id == case_id, alarm.outcome == CaseOutcome.NOT_A_CASE, first_closing(alarm))


FALSE_ALARM_CASE = false_alarm_case(Case.id)
COUNTED = ~FALSE_ALARM_CASE

CompoundScope = Select[tuple[int]] | Iterable[int]


@dataclass(slots=True)
class PartyFigures:
    """Counts of one party's cases.

    Open and overdue cases are the party's as of now. Resolved and on-time
    counts follow the party whose round it was. Ratings count against the
    party rated, as the event stores it.
    """

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
    # Residents who joined the cases opened in the period, before it ended.
    co_reporters: int = 0
    # On-time rate: rounds the acting party closed in the period with a resolution limit.
    closed_with_limit: int = 0
    closed_on_time: int = 0
    # Cases opened in the period that were reopened or merged into another case before it ended.
    repeated: int = 0
    # Cases whose first round was closed in the period as a false alarm (误报),
    # which every other figure leaves out.
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


def _scope_filter(scope: CompoundScope, column: ColumnElement[int] = Case.compound_id) -> ColumnElement[bool]:
    if isinstance(scope, Select):
        return column.in_(scope)
    return column.in_(list(scope))


async def statistics_by_compound(
    session: AsyncSession, scope: CompoundScope, period: Period, now: datetime
) -> dict[int, CompoundStatistics]:
    """Count the cases of every compound in `scope` for a period, keyed by compound id.

    `scope` is a list of compound ids or a SELECT of them. A compound
    without cases is missing from the result; callers treat it as empty.
    """
    result: dict[int, CompoundStatistics] = {}
    for row in await session.execute(_case_counts(_scope_filter(scope), period, now)):
        _add_case_row(result.setdefault(row.compound_id, CompoundStatistics()), row)
    for row in await session.execute(_round_counts(_scope_filter(scope, CaseRound.compound_id), period, now)):
        _add_round_row(result.setdefault(row.compound_id, CompoundStatistics()), row)
    for row in await session.execute(_rating_counts(_scope_filter(scope), period)):
        stats = result.setdefault(row.compound_id, CompoundStatistics())
        stats.ratings[row.rating or ""] += row.count
        figures = stats.party(row.party_id)
        figures.ratings[row.rating or ""] += row.count
        if row.rating == "unsatisfied":
            figures.unsatisfied += row.count
    return result


def _response_terms(
    responded: ColumnElement[datetime],
    due: ColumnElement[datetime],
    period: Period,
    now: datetime,
) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """Return (due in the period, responded in time) for one round's response.

    A round counts in the period of its first on-time response, or else in
    the period its response limit ran out, once that moment has passed.
    """
    on_time = and_(responded.is_not(None), due.is_not(None), responded <= due)
    counted_at = when((on_time, responded), else_=due)
    response_due = and_(due.is_not(None), _within(counted_at, period), counted_at <= now)
    return response_due, on_time


def _case_counts(in_scope: ColumnElement[bool], period: Period, now: datetime) -> Select:
    """Count cases opened in the period, cases open now, and the responses of running rounds."""
    is_open = Case.status.in_(CaseStatus.open_statuses())
    # Every count below needs one of these, so the other cases are never
    # joined or evaluated.
    in_scope = and_(in_scope, or_(_within(Case.opened_at, period), is_open))
    # A reopen is a "reopened" event and a merge ends the merged case's round,
    # both written once with their time. Counting only those before the
    # period's end keeps a past period's figure from growing when one of its
    # cases is reopened or merged later.
    reopened = (
        select(CaseEvent.case_id.label("case_id"))
        .join(Case, Case.id == CaseEvent.case_id)
        .where(in_scope, _within(Case.opened_at, period), CaseEvent.kind == "reopened", CaseEvent.at < period.end)
        .group_by(CaseEvent.case_id)
        .subquery()
    )
    merged = exists().where(
        CaseRound.case_id == Case.id, CaseRound.outcome == CaseOutcome.MERGED, CaseRound.ended_at < period.end
    )
    # Co-reporters are the reporter rows besides the opener's, by when they joined.
    joined = (
        select(CaseReporter.case_id.label("case_id"), func.count().label("count"))
        .join(Case, Case.id == CaseReporter.case_id)
        .where(
            in_scope,
            _within(Case.opened_at, period),
            CaseReporter.member_id != Case.reporter_id,
            CaseReporter.joined_at < period.end,
        )
        .group_by(CaseReporter.case_id)
        .subquery()
    )
    # The running round: the party responds by acknowledging the case, since
    # any closing act would have ended the round.
    response_due, on_time = _response_terms(Case.acknowledged_at, Case.response_due_at, period, now)
    response_due = and_(is_open, response_due)

    opened = and_(_within(Case.opened_at, period), COUNTED)
    late = or_(
        and_(Case.acknowledged_at.is_(None), Case.response_due_at < now),
        and_(Case.resolve_due_at.is_not(None), Case.resolve_due_at < now),
    )
    columns = [
        Case.compound_id.label("compound_id"),
        Case.party_id.label("party_id"),
        _count_if(opened).label("opened"),
        func.coalesce(func.sum(when((opened, func.coalesce(joined.c.count, 0)), else_=0)), 0).label("co_reporters"),
        _count_if(response_due).label("response_due"),
        _count_if(and_(response_due, on_time)).label("responded_in_time"),
        _count_if(is_open).label("open_now"),
        _count_if(and_(is_open, late)).label("overdue_now"),
        _count_if(and_(opened, or_(merged, reopened.c.case_id.is_not(None)))).label("repeated"),
    ]
    return (
        select(*columns)
        .select_from(Case)
        .outerjoin(reopened, reopened.c.case_id == Case.id)
        .outerjoin(joined, joined.c.case_id == Case.id)
        .where(in_scope)
        .group_by(Case.compound_id, Case.party_id)
    )


def _round_counts(in_scope: ColumnElement[bool], period: Period, now: datetime) -> Select:
    """Count the closures and responses of the rounds that ended, by the party whose round it was."""
    round_ = CaseRound
    # A round's closure and response both happened before it ended and after
    # it started, so no other round can count in the period.
    in_scope = and_(in_scope, round_.ended_at >= period.start, round_.started_at < period.end)
    ended = _within(round_.ended_at, period)
    real = and_(round_.outcome.is_distinct_from(CaseOutcome.NOT_A_CASE), ~false_alarm_case(round_.case_id))
    response_due, on_time = _response_terms(round_.responded_at, round_.response_due_at, period, now)
    # A round that ended without a response before its limit was never due:
    # withdrawn, merged or handed to another party in time.
    gone_before = and_(
        round_.responded_at.is_(None), round_.response_due_at.is_not(None), round_.ended_at <= round_.response_due_at
    )
    response_due = and_(real, response_due, ~gone_before)
    closed_with_limit = and_(ended, round_.outcome.in_(PARTY_OUTCOMES), round_.resolve_due_at.is_not(None))

    columns = [
        round_.compound_id.label("compound_id"),
        round_.party_id.label("party_id"),
        _count_if(response_due).label("response_due"),
        _count_if(and_(response_due, on_time)).label("responded_in_time"),
        _count_if(closed_with_limit).label("closed_with_limit"),
        _count_if(and_(closed_with_limit, round_.ended_at <= round_.resolve_due_at)).label("closed_on_time"),
        _count_if(and_(ended, round_.outcome == CaseOutcome.NOT_A_CASE, first_closing(round_))).label("false_alarms"),
    ]
    columns += [_count_if(and_(ended, round_.outcome == outcome)).label(outcome.value) for outcome in ENDED_OUTCOMES]
    return select(*columns).where(in_scope).group_by(round_.compound_id, round_.party_id)


def _add_case_row(stats: CompoundStatistics, row) -> None:  # noqa: ANN001 - a Row of _case_counts
    stats.opened += row.opened
    stats.co_reporters += row.co_reporters
    stats.response_due += row.response_due
    stats.responded_in_time += row.responded_in_time
    stats.open_now += row.open_now
    stats.overdue_now += row.overdue_now
    stats.repeated += row.repeated
    figures = stats.party(row.party_id)
    figures.open += row.open_now
    figures.overdue += row.overdue_now


def _add_round_row(stats: CompoundStatistics, row) -> None:  # noqa: ANN001 - a Row of _round_counts
    stats.response_due += row.response_due
    stats.responded_in_time += row.responded_in_time
    stats.closed_with_limit += row.closed_with_limit
    stats.closed_on_time += row.closed_on_time
    stats.false_alarms += row.false_alarms
    for outcome in ENDED_OUTCOMES:
        count = getattr(row, outcome.value)
        if count:
            stats.ended[outcome] += count
    figures = stats.party(row.party_id)
    figures.resolved += getattr(row, CaseOutcome.RESOLVED.value)
    figures.closed_with_limit += row.closed_with_limit
    figures.closed_on_time += row.closed_on_time


def _rating_counts(in_scope: ColumnElement[bool], period: Period) -> Select:
    # Only a resolved round is rated, never a false-alarm one, so every
    # rating counts. The rating and the rated party live in the event's JSON data. Grouping
    # happens on a subquery's plain columns, because PostgreSQL does not match
    # two JSON path expressions with separate bound parameters in GROUP BY.
    rated = (
        select(
            Case.compound_id.label("compound_id"),
            CaseEvent.data["rating"].as_string().label("rating"),
            CaseEvent.data["party_id"].as_integer().label("party_id"),
        )
        .join(Case, Case.id == CaseEvent.case_id)
        .where(in_scope, CaseEvent.kind == "rated", _within(CaseEvent.at, period))
        .subquery()
    )
    return select(rated.c.compound_id, rated.c.rating, rated.c.party_id, func.count().label("count")).group_by(
        rated.c.compound_id, rated.c.rating, rated.c.party_id
    )


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


async def street_escalations_by_compound(session: AsyncSession, scope: CompoundScope, period: Period) -> dict[int, int]:
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
