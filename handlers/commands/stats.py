"""统计: a compound's case counts and the three rates for a period."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.case_figures import statistics_by_compound
from handlers.commands.base import CommandContext, CommandSpec, reply_here
from handlers.commands.common import command_access, staff_compounds
from handlers.messages import Reply
from handlers.permissions import Level, deny
from handlers.statistics import (
    PERIOD_WORD,
    CompoundStatistics,
    PartyFigures,
    compound_statistics,
    parse_period,
    rate,
)
from models import OUTCOME_LABELS, CaseOutcome, Compound

RATE_DEFINITIONS = (
    "口径：按办理轮次计，重开、转派后的新一轮单独计入；响应率＝按时响应数（受理或直接办结、转出）÷应响应数；"
    "解决率＝已解决数÷办结总数（无法解决、非本方职责、撤回单列，不算已解决）；"
    "满意率＝（满意＋基本满意）÷评价数，未评价的不计入；误报不计入任何一项。"
)


async def stats(ctx: CommandContext) -> list[Reply]:
    """统计 [时段] [小区编码]: case counts and rates of a period.

    In a private chat, community and street staff get one line per compound
    they cover and a total, unless they name one compound by its code.
    """
    reached = [(c, a) for c, a in await staff_compounds(ctx) if a.level is not Level.RESIDENT]
    if not reached:
        _compound, access = await command_access(ctx)
        raise deny(access, "stats", "抱歉，统计仅供承办方和小区专员查看。")
    period = parse_period(" ".join(ctx.args), ctx.now, ctx.zone)
    if len(reached) == 1:
        compound, _access = reached[0]
        figures = await compound_statistics(ctx.session, compound, period, ctx.now)
        return [reply_here(ctx, "\n".join(_compound_lines(compound, period.label, figures)))]

    lines = [f"您负责的{len(reached)}个小区 {period.label}工单统计"]
    total = AreaTotals()
    by_compound = await statistics_by_compound(ctx.session, [c.id for c, _a in reached], period, ctx.now)
    for compound, _access in reached:
        figures = by_compound.get(compound.id) or CompoundStatistics()
        total.add(figures)
        lines.append(f"· {compound.name}（{compound.code}）：{_short_line(figures)}")
    lines.append(f"合计：{total.line()}")
    lines.append(RATE_DEFINITIONS)
    return [reply_here(ctx, "\n".join(lines))]


def _compound_lines(compound: Compound, label: str, figures: CompoundStatistics) -> list[str]:
    resolved = figures.ended[CaseOutcome.RESOLVED]
    satisfied = _satisfied(figures)
    others = "，".join(
        f"{OUTCOME_LABELS[outcome]} {figures.ended[outcome]} 件"
        for outcome in (CaseOutcome.CANNOT_RESOLVE, CaseOutcome.NOT_OUR_DUTY, CaseOutcome.WITHDRAWN)
        if figures.ended[outcome]
    )
    lines = [
        f"{compound.name} {label}工单统计",
        f"新登记 {figures.opened} 件（另有 {figures.co_reporters} 人次重复反映已并入）",
        f"办结 {figures.ended_total} 件：已解决 {resolved} 件{'，' + others if others else ''}",
        f"当前未办结 {figures.open_now} 件，其中超时 {figures.overdue_now} 件",
        f"响应率 {rate(figures.responded_in_time, figures.response_due)}"
        f"（{figures.responded_in_time}/{figures.response_due}）",
        f"解决率 {rate(resolved, figures.ended_total)}（{resolved}/{figures.ended_total}）",
        f"满意率 {rate(satisfied, figures.rated_total)}（{satisfied}/{figures.rated_total}）",
    ]
    if figures.false_alarms:
        lines.insert(3, f"另有误报 {figures.false_alarms} 件（闲聊等误登记为工单），不计入统计")
    # Every party gets a line, so a party with nothing open still shows it.
    for party in compound.parties:
        party_figures = figures.by_party.get(party.id) or PartyFigures()
        lines.append(
            f"· {party.name}：未办结{party_figures.open}件，超时{party_figures.overdue}件，"
            f"已解决{party_figures.resolved}件，不满意{party_figures.unsatisfied}次"
        )
    lines.append(RATE_DEFINITIONS)
    return lines


def _satisfied(figures: CompoundStatistics) -> int:
    return figures.ratings["satisfied"] + figures.ratings["basic"]


def _short_line(figures: CompoundStatistics) -> str:
    resolved = figures.ended[CaseOutcome.RESOLVED]
    satisfied = _satisfied(figures)
    return (
        f"新登记{figures.opened}件，办结{figures.ended_total}件，未办结{figures.open_now}件"
        f"（超时{figures.overdue_now}件），响应率{rate(figures.responded_in_time, figures.response_due)}，"
        f"解决率{rate(resolved, figures.ended_total)}，满意率{rate(satisfied, figures.rated_total)}"
    )


@dataclass(slots=True)
class AreaTotals:
    """Sums over the compounds of a community or street, for the total line of 统计."""

    opened: int = 0
    ended: int = 0
    resolved: int = 0
    open_now: int = 0
    overdue_now: int = 0
    response_due: int = 0
    responded_in_time: int = 0
    rated: int = 0
    satisfied: int = 0

    def add(self, figures: CompoundStatistics) -> None:
        self.opened += figures.opened
        self.ended += figures.ended_total
        self.resolved += figures.ended[CaseOutcome.RESOLVED]
        self.open_now += figures.open_now
        self.overdue_now += figures.overdue_now
        self.response_due += figures.response_due
        self.responded_in_time += figures.responded_in_time
        self.rated += figures.rated_total
        self.satisfied += _satisfied(figures)

    def line(self) -> str:
        return (
            f"新登记{self.opened}件，办结{self.ended}件，未办结{self.open_now}件（超时{self.overdue_now}件），"
            f"响应率{rate(self.responded_in_time, self.response_due)}（{self.responded_in_time}/{self.response_due}），"
            f"解决率{rate(self.resolved, self.ended)}（{self.resolved}/{self.ended}），"
            f"满意率{rate(self.satisfied, self.rated)}（{self.satisfied}/{self.rated}）"
        )


SPEC = CommandSpec(
    name="stats",
    verbs=("统计",),
    handler=stats,
    help="查看小区某一时段的工单统计",
    example="统计 本月",
    audience=Level.PARTY,
    glued=PERIOD_WORD,
)
