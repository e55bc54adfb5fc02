"""The quarterly assessment of property firms (物业服务企业季度考核).

A firm is the property party of one or more compounds. Compounds whose
property parties carry the same name count as one firm, so a firm that
manages several compounds is assessed once over all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_figures import PartyFigures, categories_by_compound, statistics_by_compound
from handlers.district_report import compound_scope, load_area
from handlers.governance_index import Fraction
from handlers.statistics import Period
from models import Community, Compound, Party, PartyKind, Street

FEE_CATEGORY = "fees"

ASSESSMENT_DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("考核对象", "各小区的物业服务企业（小区三方中的物业方）；名称相同的物业方视为同一企业，合并其服务的全部小区。"),
    (
        "业主评价",
        "本季度居民对物业方承办工单的评价条数，按满意、基本满意、不满意分列；满意率＝（满意＋基本满意）÷评价数。",
    ),
    (
        "按时办结率",
        "物业方在办理时限内办结的轮次数÷本季度物业方办结（已解决、无法解决、非本方职责）且有办理时限的轮次数；"
        "工单转派或重开后，每一轮算在当时承办方的名下。",
    ),
    ("物业收费投诉", "本季度新登记、类别为“物业收费”的工单件数，不论派给哪一方；误报不计入。"),
)


@dataclass(slots=True)
class FirmCompound:
    code: str
    name: str
    fee_complaints: int


@dataclass(slots=True)
class FirmAssessment:
    """One property firm's figures for a quarter."""

    name: str
    compounds: list[FirmCompound] = field(default_factory=list)
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0
    closed_with_limit: int = 0
    closed_on_time: int = 0
    fee_complaints: int = 0
    # Fee complaints above which the firm gets a fee-collection warning.
    fee_threshold: int = 0

    @property
    def satisfaction(self) -> Fraction:
        return Fraction(self.satisfied + self.basic, self.satisfied + self.basic + self.unsatisfied)

    @property
    def on_time(self) -> Fraction:
        return Fraction(self.closed_on_time, self.closed_with_limit)

    @property
    def fee_warning(self) -> bool:
        return self.fee_complaints > self.fee_threshold

    def add(self, figures: PartyFigures) -> None:
        self.satisfied += figures.ratings["satisfied"]
        self.basic += figures.ratings["basic"]
        self.unsatisfied += figures.ratings["unsatisfied"]
        self.closed_with_limit += figures.closed_with_limit
        self.closed_on_time += figures.closed_on_time


@dataclass(slots=True)
class PropertyAssessment:
    period: Period
    generated_at: datetime
    street: Street | None
    community: Community | None
    fee_threshold_per_compound: int
    firms: list[FirmAssessment]
    definitions: tuple[tuple[str, str], ...] = ASSESSMENT_DEFINITIONS


async def assess_property_firms(
    session: AsyncSession,
    period: Period,
    now: datetime,
    *,
    fee_threshold_per_compound: int,
    street_id: int | None = None,
    community_id: int | None = None,
) -> PropertyAssessment:
    """Assess the property firms of a street, a community or the district for a quarter.

    A firm gets a fee-collection warning when its fee complaints exceed
    `fee_threshold_per_compound` times the number of its compounds.

    Raises:
        NotFound: The street or community id does not exist, or the community
            lies in another street.
    """
    street, community = await load_area(session, street_id, community_id)
    scope = compound_scope(street, community)
    stats = await statistics_by_compound(session, scope, period, now)
    categories = await categories_by_compound(session, scope, period)

    firms: dict[str, FirmAssessment] = {}
    for party_id, firm_name, compound_id, code, name in await session.execute(_property_parties(scope)):
        firm = firms.setdefault(firm_name.strip(), FirmAssessment(name=firm_name.strip()))
        fees = categories.get(compound_id, {}).get(FEE_CATEGORY, 0)
        firm.compounds.append(FirmCompound(code, name, fees))
        firm.fee_complaints += fees
        firm.fee_threshold += fee_threshold_per_compound
        figures = stats.get(compound_id)
        if figures is not None and party_id in figures.by_party:
            firm.add(figures.by_party[party_id])

    ordered = sorted(firms.values(), key=lambda firm: (not firm.fee_warning, firm.name))
    return PropertyAssessment(period, now, street, community, fee_threshold_per_compound, ordered)


def _property_parties(scope: Select[tuple[int]]) -> Select:
    return (
        select(Party.id, Party.name, Compound.id, Compound.code, Compound.name)
        .join(Compound, Compound.id == Party.compound_id)
        .where(Party.kind == PartyKind.PROPERTY.value, Compound.id.in_(scope))
        .order_by(Compound.code)
    )
