"""The district report behind the dashboard: every compound of a scope ranked by its index.

Only aggregates leave this module: counts, rates and category keys per
compound, never a case's text, a resident's name, phone or room.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_figures import (
    CompoundStatistics,
    categories_by_compound,
    statistics_by_compound,
    street_escalations_by_compound,
)
from handlers.errors import NotFound
from handlers.governance_index import RATE_NAMES, Fraction, IndexScore, governance_index, rates_of
from handlers.statistics import Period
from models import Community, Compound, Street
from nlp.labels import CATEGORY_LABELS

TOP_CATEGORIES = 3

# Orders the ranking table accepts; every one is descending.
SORT_KEYS = ("index", "response", "resolution", "satisfaction", "on_time", "repeat", "opened", "open", "overdue")
# The column headings of the ranking table, by sort key.
SORT_NAMES: dict[str, str] = {
    "index": "微治理指数",
    **RATE_NAMES,
    "opened": "新登记",
    "open": "未办结",
    "overdue": "超时",
}

# The definitions (口径) shown under every table and in the JSON.
DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        "微治理指数",
        "（响应率×25%＋解决率×30%＋满意率×25%＋按时办结率×20%）×100。响应率、解决率、按时办结率任一项分母不足5件的小区"
        "显示“样本不足”，不参与排名，排在最后；评价不足5条时满意率不计入，其余三项按权重比例折算。",
    ),
    (
        "响应率",
        "按时响应的轮次数÷应响应的轮次数。工单登记、重新打开、转派给另一方时各开始一轮，每轮用本轮的响应时限，算在本轮承办方名下。"
        "承办方受理，或直接办结、转出（非本方职责），都算响应。本期内首次按时响应，或响应时限已届满的轮次计入应响应数；"
        "在响应时限前撤回、被合并或转给另一方且未响应的不计入。",
    ),
    (
        "解决率",
        "已解决数÷办结总数，按次计入办结当时的时段，工单日后重开不改变已过时段的数字。"
        "无法解决、非本方职责、反映人撤回单列，计入办结总数但不算已解决；并入其他工单的不计入。",
    ),
    ("满意率", "（满意＋基本满意）÷本期评价数，未评价的工单分子分母都不计入。"),
    (
        "按时办结率",
        "在办理时限内办结的轮次数÷本期由承办方办结（已解决、无法解决、非本方职责）且有办理时限的轮次数，"
        "算在办结时的承办方名下；反映人撤回的不计入。",
    ),
    (
        "重复投诉率",
        "本期新登记工单中，在本期结束前被重新打开或作为重复反映并入其他工单的件数÷本期新登记件数；"
        "本期结束后才重开或合并的不计入，已过时段的数字不再变化。不计入指数。",
    ),
    ("未办结、超时", "截至查询时的件数。超时指未受理且已过响应时限，或已过办理时限。"),
    ("升级至街道（吹哨）", "本期内升级到街道三方办督办，或由街道向职能部门吹哨的工单件数，每件只计一次。"),
)


@dataclass(frozen=True, slots=True)
class CategoryCount:
    key: str
    label: str
    count: int


@dataclass(slots=True)
class CompoundRow:
    """One compound's line of the ranking table."""

    id: int
    code: str
    name: str
    community: str
    street: str
    rates: dict[str, Fraction]
    index: IndexScore
    opened: int
    open_now: int
    overdue_now: int
    escalated_to_street: int
    top_categories: list[CategoryCount]
    # Position by index among compounds with enough cases; None for 样本不足.
    rank: int | None = None


@dataclass(slots=True)
class DistrictReport:
    """Ranked compounds of a street, a community or the whole district, with totals."""

    period: Period
    generated_at: datetime
    street: Street | None
    community: Community | None
    sort: str
    rows: list[CompoundRow]
    totals: CompoundRow
    definitions: tuple[tuple[str, str], ...] = field(default=DEFINITIONS)


async def build_report(
    session: AsyncSession,
    period: Period,
    now: datetime,
    *,
    street_id: int | None = None,
    community_id: int | None = None,
    sort: str = "index",
) -> DistrictReport:
    """Rank the compounds of a street, a community or the district for a period.

    Raises:
        NotFound: The street or community id does not exist, or the community
            lies in another street.
        ValueError: `sort` is not one of SORT_KEYS.
    """
    if sort not in SORT_KEYS:
        msg = f"unknown sort key {sort!r}; expected one of {', '.join(SORT_KEYS)}"
        raise ValueError(msg)
    street, community = await load_area(session, street_id, community_id)
    scope = compound_scope(street, community)
    stats = await statistics_by_compound(session, scope, period, now)
    categories = await categories_by_compound(session, scope, period)
    escalated = await street_escalations_by_compound(session, scope, period)

    rows: list[CompoundRow] = []
    total = CompoundStatistics()
    for compound_id, code, name, community_name, street_name in await session.execute(_compound_list(scope)):
        figures = stats.get(compound_id) or CompoundStatistics()
        _add_to_total(total, figures)
        rates = rates_of(figures)
        rows.append(
            CompoundRow(
                id=compound_id,
                code=code,
                name=name,
                community=community_name or "",
                street=street_name or "",
                rates=rates,
                index=governance_index(rates),
                opened=figures.opened,
                open_now=figures.open_now,
                overdue_now=figures.overdue_now,
                escalated_to_street=escalated.get(compound_id, 0),
                top_categories=_top_categories(categories.get(compound_id, Counter())),
            )
        )
    _rank(rows)
    rows.sort(key=lambda row: _sort_key(row, sort))

    total_rates = rates_of(total)
    totals = CompoundRow(
        id=0,
        code="",
        name="合计",
        community=community.name if community else "",
        street=street.name if street else "",
        rates=total_rates,
        index=governance_index(total_rates),
        opened=total.opened,
        open_now=total.open_now,
        overdue_now=total.overdue_now,
        escalated_to_street=sum(escalated.values()),
        top_categories=_top_categories(sum(categories.values(), Counter())),
    )
    return DistrictReport(period, now, street, community, sort, rows, totals)


async def load_area(
    session: AsyncSession, street_id: int | None, community_id: int | None
) -> tuple[Street | None, Community | None]:
    """Load the street and community a request filters on.

    Raises:
        NotFound: An id does not exist, or the community lies in another street.
    """
    street = community = None
    if street_id is not None:
        street = await session.get(Street, street_id)
        if street is None:
            msg = f"没有编号为 {street_id} 的街道，请从筛选列表中选择。"
            raise NotFound(msg)
    if community_id is not None:
        community = await session.get(Community, community_id)
        if community is None:
            msg = f"没有编号为 {community_id} 的社区，请从筛选列表中选择。"
            raise NotFound(msg)
        if street is not None and community.street_id != street.id:
            msg = f"社区“{community.name}”不属于街道“{street.name}”，请重新选择。"
            raise NotFound(msg)
    return street, community


def compound_scope(street: Street | None, community: Community | None) -> Select[tuple[int]]:
    """Select the ids of the compounds in a community, else a street, else the whole district."""
    query = select(Compound.id)
    if community is not None:
        return query.where(Compound.community_id == community.id)
    if street is not None:
        return query.join(Community, Community.id == Compound.community_id).where(Community.street_id == street.id)
    return query


def _compound_list(scope: Select[tuple[int]]) -> Select:
    return (
        select(Compound.id, Compound.code, Compound.name, Community.name, Street.name)
        .outerjoin(Community, Community.id == Compound.community_id)
        .outerjoin(Street, Street.id == Community.street_id)
        .where(Compound.id.in_(scope))
        .order_by(Compound.code)
    )


def _add_to_total(total: CompoundStatistics, figures: CompoundStatistics) -> None:
    total.opened += figures.opened
    total.response_due += figures.response_due
    total.responded_in_time += figures.responded_in_time
    total.ended.update(figures.ended)
    total.ratings.update(figures.ratings)
    total.open_now += figures.open_now
    total.overdue_now += figures.overdue_now
    total.co_reporters += figures.co_reporters
    total.closed_with_limit += figures.closed_with_limit
    total.closed_on_time += figures.closed_on_time
    total.repeated += figures.repeated


def _top_categories(counts: Counter[str]) -> list[CategoryCount]:
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_CATEGORIES]
    return [CategoryCount(key, CATEGORY_LABELS.get(key, key), count) for key, count in ranked]


def _rank(rows: list[CompoundRow]) -> None:
    # Equal scores share a rank (1, 2, 2, 4), as league tables do.
    scored = sorted((row for row in rows if row.index.score is not None), key=lambda row: -(row.index.score or 0))
    previous: float | None = None
    for position, row in enumerate(scored, 1):
        if row.index.score != previous:
            rank = position
        row.rank = rank
        previous = row.index.score


def _sort_key(row: CompoundRow, sort: str) -> tuple[bool, float, str]:
    # Rows without a value (样本不足, or no case behind a rate) go last, then by code.
    if sort == "index":
        value = row.index.score
    elif sort in row.rates:
        value = row.rates[sort].value
    else:
        value = {"opened": row.opened, "open": row.open_now, "overdue": row.overdue_now}[sort]
    return (value is None, -(value or 0.0), row.code)

