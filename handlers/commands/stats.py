"""统计: a compound's case counts and the three rates for a period."""

from __future__ import annotations

from handlers.commands.base import CommandContext, CommandSpec, reply_here
from handlers.commands.common import command_access
from handlers.messages import Reply
from handlers.permissions import Level, deny
from handlers.statistics import PartyFigures, compound_statistics, parse_period, rate
from models import OUTCOME_LABELS, CaseOutcome

RATE_DEFINITIONS = (
    "口径：响应率＝按时受理数÷应响应数；解决率＝已解决数÷办结总数（无法解决、非本方职责、撤回单列，不算已解决）；"
    "满意率＝（满意＋基本满意）÷评价数，未评价的不计入。"
)


async def stats(ctx: CommandContext) -> list[Reply]:
    compound, access = await command_access(ctx)
    if access.level is Level.RESIDENT:
        raise deny(access, "stats", "抱歉，统计仅供承办方和小区专员查看。")
    period = parse_period(ctx.rest, ctx.now, ctx.zone)
    figures = await compound_statistics(ctx.session, compound, period, ctx.now)

    resolved = figures.ended[CaseOutcome.RESOLVED]
    satisfied = figures.ratings["satisfied"] + figures.ratings["basic"]
    others = "，".join(
        f"{OUTCOME_LABELS[outcome]} {figures.ended[outcome]} 件"
        for outcome in (CaseOutcome.CANNOT_RESOLVE, CaseOutcome.NOT_OUR_DUTY, CaseOutcome.WITHDRAWN)
        if figures.ended[outcome]
    )
    lines = [
        f"{compound.name} {period.label}工单统计",
        f"新登记 {figures.opened} 件（另有 {figures.co_reporters} 人次重复反映已并入）",
        f"办结 {figures.ended_total} 件：已解决 {resolved} 件{'，' + others if others else ''}",
        f"当前未办结 {figures.open_now} 件，其中超时 {figures.overdue_now} 件",
        f"响应率 {rate(figures.responded_in_time, figures.response_due)}"
        f"（{figures.responded_in_time}/{figures.response_due}）",
        f"解决率 {rate(resolved, figures.ended_total)}（{resolved}/{figures.ended_total}）",
        f"满意率 {rate(satisfied, figures.rated_total)}（{satisfied}/{figures.rated_total}）",
    ]
    # Every party gets a line, so a party with nothing open still shows it.
    for party in compound.parties:
        party_figures = figures.by_party.get(party.id) or PartyFigures()
        lines.append(
            f"· {party.name}：未办结{party_figures.open}件，超时{party_figures.overdue}件，"
            f"已解决{party_figures.resolved}件，不满意{party_figures.unsatisfied}次"
        )
    lines.append(RATE_DEFINITIONS)
    return [reply_here(ctx, "\n".join(lines))]


SPEC = CommandSpec(
    name="stats",
    verbs=("统计",),
    handler=stats,
    help="查看小区某一时段的工单统计",
    example="统计 本月",
    audience=Level.PARTY,
)
