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

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_figures import COUNTED, ENDED_OUTCOMES, FALSE_ALARM_CASE, false_alarm_case
from models import Case, CaseEvent, CaseOutcome, CaseRound, CaseStatus, Compound
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
        overdue: Cases being worked on at the reading time (see compute_stats) whose
            acknowledge or resolve limit had passed.
        escalated: Cases being worked on at the reading time that had climbed at least one rung.
        ended: Rounds that ended in the period in any way but a merge, as 统计 counts 办结.
        resolved: Rounds resolved in the period, the 已解决 part of `ended`.
        awaiting_rating: Resolved cases the reporter had not rated yet at the reading time.
        categories: Cases opened in the period, by category key.
        parties: Response and resolution times by route key.
        by_route: Cases opened in the period, by the route key of their first
            handling round, so a later hand-over does not move them.
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

    Closures and response times come from the handling rounds (see
    handlers.rounds), so a digest of a past period reads the same after a
    case of it is reopened. The current figures (overdue, escalated,
    awaiting rating) are as of `now`, the present, when it is given. A
    digest sent hours late passes the send time, or it would leave out every
    case opened or overdue since `end`. Without `now` they are as of `end`,
    replayed from the audit trail for cases changed since.
    """
    stats = DigestStats()
    if not compound_ids:
        return stats
    as_of = max(now or end, end)
    cases = list(
        await session.scalars(
            select(Case)
            .where(
                Case.compound_id.in_(compound_ids),
                Case.opened_at < as_of,
                or_(
                    Case.opened_at >= start,
                    Case.status.in_([*WORKING_STATUSES, CaseStatus.RESOLVED]),
                    # Changed since `as_of`: its state then is replayed from its events.
                    Case.updated_at >= as_of,
                ),
            )
            # Categories with equal counts keep the order of their first case.
            .order_by(Case.id)
        )
    )
    rounds = list(
        await session.scalars(
            select(CaseRound)
            .where(
                CaseRound.compound_id.in_(compound_ids),
                CaseRound.ended_at >= start,
                CaseRound.started_at < as_of,
                ~false_alarm_case(CaseRound.case_id),
            )
            .order_by(CaseRound.case_id, CaseRound.number)
        )
    )
    false_alarms = await _false_alarm_cases(session, [case.id for case in cases])
    # `now` is the present, so the stored state is its state and nothing is replayed.
    changed: dict[int, _Change] = {}
    if now is None:
        changed = await _changes_since(session, [case.id for case in cases if case.updated_at >= end], end)
    # A case opened in the period started its first round then, so `rounds`
    # contains that round once it has ended. Until then the case row has its route.
    first_routes = {ended.case_id: ended.route for ended in rounds if ended.number == 1}
    for case in cases:
        if case.id not in false_alarms:
            first_route = first_routes.get(case.id, case.route)
            _count_case(stats, case, (start, end, as_of), changed.get(case.id), rounds, first_route)
    for ended in rounds:
        _count_round(stats, ended, start, end)
    return stats


async def _false_alarm_cases(session: AsyncSession, case_ids: list[int]) -> set[int]:
    """Return the cases whose first closing act was an officer's false alarm (误报)."""
    if not case_ids:
        return set()
    rows = await session.scalars(select(Case.id).where(Case.id.in_(case_ids), FALSE_ALARM_CASE))
    return set(rows)


@dataclass(slots=True)
class _Change:
    """The state of a case at the end of a period, for a case changed since."""

    status: CaseStatus | None = None
    escalation_level: int | None = None


async def _changes_since(session: AsyncSession, case_ids: list[int], end: datetime) -> dict[int, _Change]:
    """Replay each case's state and escalation level at `end` from its audit trail."""
    if not case_ids:
        return {}
    changes = {case_id: _Change() for case_id in case_ids}
    events = await session.execute(
        select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.at, CaseEvent.data)
        .where(CaseEvent.case_id.in_(case_ids))
        .order_by(CaseEvent.case_id, CaseEvent.at, CaseEvent.id)
    )
    for case_id, kind, at, data in events:
        change = changes[case_id]
        data = data or {}
        # A reporter's location_corrected event stores two places under "from" and "to", not two states.
        if at < end and "to" in data and kind != "location_corrected":
            change.status = CaseStatus(data["to"])
        elif at < end and kind == "opened":
            change.status = CaseStatus.TRIAGE if data.get("triage") else CaseStatus.NEW
        elif at >= end and kind == "escalated" and change.escalation_level is None:
            change.escalation_level = int(data.get("from_level", 0))
    return changes


def _count_case(
    stats: DigestStats,
    case: Case,
    times_of: tuple[datetime, datetime, datetime],
    change: _Change | None,
    rounds: Sequence[CaseRound],
    first_route: str,
) -> None:
    """Count one case: new in the period, and its state as of `as_of` for the current figures.

    A new case counts under `first_route`, the route of the round it was opened in.
    """
    start, end, as_of = times_of
    if start <= case.opened_at < end:
        stats.new += 1
        stats.categories[case.category] += 1
        stats.by_route[first_route] += 1
    status = CaseStatus(case.status)
    escalation_level = case.escalation_level
    # The limits and acknowledgement of the round that ran at `as_of`.
    response_due, resolve_due, acknowledged = case.response_due_at, case.resolve_due_at, case.acknowledged_at
    if change is not None:
        status = change.status or status
        if change.escalation_level is not None:
            escalation_level = change.escalation_level
        later = next((r for r in rounds if r.case_id == case.id and r.ended_at >= as_of), None)
        if later is not None:
            response_due, resolve_due, acknowledged = later.response_due_at, later.resolve_due_at, later.responded_at
    if status in WORKING_STATUSES:
        unacknowledged = acknowledged is None or acknowledged >= as_of
        if (resolve_due is not None and resolve_due < as_of) or (
            unacknowledged and response_due is not None and response_due < as_of
        ):
            stats.overdue += 1
        if escalation_level > 0:
            stats.escalated += 1
    if status is CaseStatus.RESOLVED:
        stats.awaiting_rating += 1
    # The running round's acknowledgement; an ended round's is counted from its row.
    if CaseStatus(case.status).is_open and case.acknowledged_at is not None and start <= case.acknowledged_at < end:
        times = stats.parties[case.route]
        times.acknowledged += 1
        began = case.round_started_at or case.opened_at
        times.response_hours += (case.acknowledged_at - began).total_seconds() / 3600


def _count_round(stats: DigestStats, ended: CaseRound, start: datetime, end: datetime) -> None:
    """Count one ended round: its closure and its response, each in the period it happened.

    Times run from the round's start, so the days a case stood resolved
    before a reopen never count as the party's delay.
    """
    if ended.outcome == CaseOutcome.NOT_A_CASE:
        return
    times = stats.parties[ended.route]
    if ended.responded_at is not None and start <= ended.responded_at < end:
        times.acknowledged += 1
        times.response_hours += (ended.responded_at - ended.started_at).total_seconds() / 3600
    if not start <= ended.ended_at < end or ended.outcome not in ENDED_OUTCOMES:
        return
    stats.ended += 1
    if ended.outcome == CaseOutcome.RESOLVED:
        stats.resolved += 1
        times.resolved += 1
        times.resolution_hours += (ended.ended_at - ended.started_at).total_seconds() / 3600


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
            f"{CATEGORY_LABELS.get(key, key)} {count} 件" for key, count in stats.categories.most_common(TOP_CATEGORIES)
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


def compound_digest(compound: Compound, stats: DigestStats, *, end: datetime, zone: ZoneInfo, weekly: bool) -> str:
    """Return the digest of one compound for its branch secretary and liaison officer."""
    title = "每周简报" if weekly else "每日简报"
    period_word = "近7天" if weekly else "自上一工作日简报以来"
    lines = [f"【{title}】{compound.name} {_day(end, zone)}", *stats_lines(stats, period_word)]
    if not stats.new and not stats.overdue and not stats.awaiting_rating:
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
                COUNTED,
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
