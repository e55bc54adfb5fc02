"""Digests of where compounds stand: the numbers, and the Chinese text people read.

A digest covers a period (since the previous working morning, or the last
seven days) and one compound or every compound of a street. The numbers come
from one query over the cases involved, and the texts name what each count means.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseEvent, CaseOutcome, CaseStatus, Compound
from nlp.labels import CATEGORY_LABELS, ROUTE_LABELS

# States in which a case is still being worked on; RESOLVED waits for a rating.
WORKING_STATUSES = tuple(s for s in CaseStatus.open_statuses())
TOP_CATEGORIES = 3
WEEKDAYS = "一二三四五六日"


@dataclass(slots=True)
class PartyTimes:
    """Average response and resolution times of one party in a period."""

    acknowledged: int = 0
    response_hours: float = 0.0
    resolved: int = 0
    resolution_hours: float = 0.0

    @property
    def mean_response_hours(self) -> float | None:
        return self.response_hours / self.acknowledged if self.acknowledged else None

    @property
    def mean_resolution_hours(self) -> float | None:
        return self.resolution_hours / self.resolved if self.resolved else None


@dataclass(slots=True)
class DigestStats:
    """The numbers of one digest.

    Attributes:
        new: Cases opened in the period. False alarms (误报) count nowhere.
        overdue: Cases being worked on whose acknowledge or resolve limit has passed.
        escalated: Cases being worked on that climbed at least one rung.
        ended: Cases that ended in the period in any way but a merge, as 统计 counts 办结.
        resolved: Cases resolved in the period, the 已解决 part of `ended`.
        awaiting_rating: Resolved cases the reporter has not rated yet.
        categories: Cases opened in the period, by category key.
        parties: Response and resolution times by route key.
        by_route: Cases opened in the period, by route key.
    """

    new: int = 0
    overdue: int = 0
    escalated: int = 0
    ended: int = 0
    resolved: int = 0
    awaiting_rating: int = 0
    categories: Counter[str] = field(default_factory=Counter)
    parties: dict[str, PartyTimes] = field(default_factory=lambda: defaultdict(PartyTimes))
    by_route: Counter[str] = field(default_factory=Counter)


async def compute_stats(
    session: AsyncSession,
    compound_ids: Sequence[int],
    start: datetime,
    end: datetime,
    *,
    now: datetime | None = None,
) -> DigestStats:
    """Count a period's cases of some compounds.

    The period's figures (new, ended, resolved, times) are as of `end`. The
    current figures (overdue, escalated, awaiting rating) read the stored
    status, so they count the cases opened before `now` and the limits passed
    by `now`. `now` defaults to `end`. A digest sent hours late passes the
    send time, or it would leave out every case opened since `end`.
    """
    stats = DigestStats()
    if not compound_ids:
        return stats
    in_period = and_(Case.opened_at >= start, Case.opened_at < end)
    last_reopen = (
        select(CaseEvent.case_id.label("case_id"), func.max(CaseEvent.at).label("at"))
        .where(CaseEvent.kind == "reopened", CaseEvent.at < end)
        .group_by(CaseEvent.case_id)
        .subquery()
    )
    query = (
        select(Case, last_reopen.c.at)
        .outerjoin(last_reopen, last_reopen.c.case_id == Case.id)
        .where(
            Case.compound_id.in_(compound_ids),
            # False alarms (误报) count nowhere, as in 统计.
            Case.outcome.is_distinct_from(CaseOutcome.NOT_A_CASE),
            or_(
                Case.status.in_([*WORKING_STATUSES, CaseStatus.RESOLVED]),
                in_period,
                and_(Case.acknowledged_at >= start, Case.acknowledged_at < end),
                and_(Case.resolved_at >= start, Case.resolved_at < end),
                and_(Case.closed_at >= start, Case.closed_at < end),
            ),
        )
    )
    for case, reopened_at in await session.execute(query):
        _count(stats, case, start, end, reopened_at, now=now or end)
    return stats


def _round_start(case: Case, reopened_at: datetime | None, done_at: datetime) -> datetime:
    """Return when the round of work that ended at `done_at` began.

    A reopened case is a new round for the party: its new acknowledgement
    and resolution are measured from the reopen, not from the first report,
    which would count the days the case stood resolved as the party's delay.
    """
    if reopened_at is not None and case.opened_at <= reopened_at <= done_at:
        return reopened_at
    return case.opened_at


def _count(
    stats: DigestStats,
    case: Case,
    start: datetime,
    end: datetime,
    reopened_at: datetime | None = None,
    *,
    now: datetime,
) -> None:
    status = CaseStatus(case.status)
    if start <= case.opened_at < end:
        stats.new += 1
        stats.categories[case.category] += 1
        stats.by_route[case.route] += 1
    if status in WORKING_STATUSES and case.opened_at < now:
        unacknowledged = case.acknowledged_at is None and case.response_due_at is not None
        if (case.resolve_due_at is not None and case.resolve_due_at < now) or (
            unacknowledged and case.response_due_at is not None and case.response_due_at < now
        ):
            stats.overdue += 1
        if case.escalation_level > 0:
            stats.escalated += 1
    ended = case.closed_at is not None and start <= case.closed_at < end
    if ended and case.outcome is not None and case.outcome != CaseOutcome.MERGED:
        stats.ended += 1
    if status is CaseStatus.RESOLVED and case.rating is None:
        stats.awaiting_rating += 1
    times = stats.parties[case.route]
    if case.acknowledged_at is not None and start <= case.acknowledged_at < end:
        times.acknowledged += 1
        began = _round_start(case, reopened_at, case.acknowledged_at)
        times.response_hours += (case.acknowledged_at - began).total_seconds() / 3600
    if case.resolved_at is not None and start <= case.resolved_at < end:
        stats.resolved += 1
        times.resolved += 1
        began = _round_start(case, reopened_at, case.resolved_at)
        times.resolution_hours += (case.resolved_at - began).total_seconds() / 3600


def _hours(value: float | None) -> str:
    """Render a mean duration: 25分钟 under an hour, 3.5小时 under two days, else 2.5天."""
    if value is None:
        return "—"
    if value < 1:
        minutes = round(value * 60)
        return f"{minutes}分钟" if minutes else "不到1分钟"
    if value < 48:
        return f"{value:.1f}小时"
    return f"{value / 24:.1f}天"


def _day(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local.month}月{local.day}日（周{WEEKDAYS[local.weekday()]}）"


def stats_lines(stats: DigestStats, period_word: str) -> list[str]:
    """Return the lines shared by compound and street digests."""
    lines = [
        f"{period_word}新增工单 {stats.new} 件，办结 {stats.ended} 件（已解决 {stats.resolved} 件）；",
        f"当前超时未办 {stats.overdue} 件，升级督办中 {stats.escalated} 件，待居民评价 {stats.awaiting_rating} 件。",
    ]
    if stats.categories:
        top = "、".join(
            f"{CATEGORY_LABELS.get(key, key)} {count} 件"
            for key, count in stats.categories.most_common(TOP_CATEGORIES)
        )
        lines.append(f"问题较多的类别：{top}。")
    party_lines = [
        f"· {ROUTE_LABELS.get(route, route)}："
        f"平均响应用时 {_hours(times.mean_response_hours)}（{times.acknowledged} 件），"
        f"平均办结用时 {_hours(times.mean_resolution_hours)}（{times.resolved} 件）"
        for route, times in sorted(stats.parties.items())
        if times.acknowledged or times.resolved
    ]
    if party_lines:
        lines.append("各方响应与办结：")
        lines.extend(party_lines)
    return lines


def compound_digest(
    compound: Compound, stats: DigestStats, *, end: datetime, zone: ZoneInfo, weekly: bool
) -> str:
    """Return the digest of one compound for its branch secretary and liaison officer."""
    title = "每周简报" if weekly else "每日简报"
    period_word = "近7天" if weekly else "自上一工作日简报以来"
    lines = [f"【{title}】{compound.name} {_day(end, zone)}", *stats_lines(stats, period_word)]
    if not stats.new and not stats.overdue and not stats.escalated and not stats.awaiting_rating:
        lines.append("本期没有需要跟进的工单。")
    return "\n".join(lines)


def street_digest(
    street_name: str,
    rows: Sequence[tuple[Compound, DigestStats]],
    total: DigestStats,
    *,
    end: datetime,
    zone: ZoneInfo,
    weekly: bool,
) -> str:
    """Return the digest of every compound of a street, totals first, then one line each."""
    title = "每周简报" if weekly else "每日简报"
    period_word = "近7天" if weekly else "自上一工作日简报以来"
    lines = [
        f"【{title}】{street_name}（{len(rows)}个小区） {_day(end, zone)}",
        *stats_lines(total, period_word),
    ]
    lines.append("各小区：")
    for compound, stats in rows:
        lines.append(
            f"· {compound.name}：新增 {stats.new}，办结 {stats.ended}（已解决 {stats.resolved}），"
            f"超时 {stats.overdue}，督办 {stats.escalated}，待评价 {stats.awaiting_rating}"
        )
    return "\n".join(lines)


async def weekly_trend(
    session: AsyncSession, compound_ids: Sequence[int], end: datetime, weeks: int = 8
) -> list[tuple[datetime, int]]:
    """Return the number of cases opened in each of the last `weeks` seven-day spans, oldest first."""
    start = end - timedelta(days=7 * weeks)
    opened = list(
        await session.scalars(
            select(Case.opened_at).where(
                Case.compound_id.in_(compound_ids),
                Case.outcome.is_distinct_from(CaseOutcome.NOT_A_CASE),
                Case.opened_at >= start,
                Case.opened_at < end,
            )
        )
    )
    buckets = [0] * weeks
    for moment in opened:
        index = int((moment - start) / timedelta(days=7))
        buckets[min(index, weeks - 1)] += 1
    return [(start + timedelta(days=7 * i), buckets[i]) for i in range(weeks)]
