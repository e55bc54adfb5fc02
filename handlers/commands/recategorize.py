"""改类 after triage and 误报: officers correct a case the classifier routed wrongly.

A new category may move an open case to another party: the new party gets
the usual new-case notice and the old one a short notice that the case
left it. 误报 closes a case whose message was no problem at all. Both
corrections are appended to the corrections CSV after the commit.
"""

from __future__ import annotations

from handlers.commands.base import CommandContext, CommandSpec
from handlers.commands.common import (
    case_by_number,
    case_number_argument,
    command_access,
    reporter_name,
    respond,
    text_after,
    unstaffed_warning,
    urgent_reasons,
)
from handlers.corrections import append_after_commit
from handlers.limits import deadlines_for
from handlers.messages import PartyTarget, Reply
from handlers.notices import local_time
from handlers.officer_corrections import Recategorized, mark_false_alarm, recategorize
from handlers.permissions import Level, require_officer
from handlers.replies import (
    group_summary,
    opened_for_party,
    party_name,
    update_for_group,
    update_for_party,
    update_for_reporter,
)
from models import Case, CaseStatus
from nlp.labels import CATEGORY_LABELS


async def change_category(ctx: CommandContext, case: Case, category: str) -> list[Reply]:
    """Change the category of a case past triage and tell everyone it concerns."""
    result = await recategorize(ctx.session, case, category, actor=ctx.member, now=ctx.now)
    append_after_commit(ctx.session, ctx.corrections_path, result.event)
    old = CATEGORY_LABELS.get(result.previous_category, result.previous_category)
    new = CATEGORY_LABELS[category]
    change = f"工单 {case.number} 的类别已由“{old}”更正为“{new}”"

    if result.handed_on:
        return await _announce_hand_on(ctx, case, result, change)
    if not CaseStatus(case.status).is_open:
        return await respond(
            ctx,
            case,
            confirmation=f"{change}，统计将按新类别计算。",
            group_note=update_for_group(case, f"类别由“{old}”更正为“{new}”。"),
            detail=None,
        )
    due = local_time(case.resolve_due_at, ctx.zone) if case.resolve_due_at else "未设定"
    return await respond(
        ctx,
        case,
        confirmation=f"{change}，仍由{party_name(case)}处理，办结期限按新类别调整为{due}。",
        group_note=update_for_group(case, f"类别由“{old}”更正为“{new}”，仍由{party_name(case)}处理。"),
        detail=None,
        party_note=update_for_party(case, "类别更正", f"类别由“{old}”更正为“{new}”，办结期限调整为{due}。"),
    )


async def _announce_hand_on(ctx: CommandContext, case: Case, result: Recategorized, change: str) -> list[Reply]:
    """Tell the new party, the old party, the group and the reporters that the case moved."""
    new = CATEGORY_LABELS[case.category]
    old = CATEGORY_LABELS.get(result.previous_category, result.previous_category)
    previous = result.previous_party
    phrase = deadlines_for(case.category, case.urgent, ctx.now).response_phrase
    replies = await respond(
        ctx,
        case,
        confirmation=(
            f"{change}，已从{previous.name if previous else '原承办方'}改派{party_name(case)}处理。"
            + await unstaffed_warning(ctx, case)
        ),
        group_note=update_for_group(case, f"类别由“{old}”更正为“{new}”，已转{party_name(case)}处理，{phrase}。"),
        detail=update_for_reporter(case, f"类别已由“{old}”更正为“{new}”，已转由{party_name(case)}处理，{phrase}。"),
        party_note=opened_for_party(case, await reporter_name(ctx, case), phrase) + await urgent_reasons(ctx, case),
    )
    if previous is not None:
        note = (
            f"【工单转出】{case.compound.name} 工单 {case.number}：类别更正为“{new}”，"
            f"已改由{party_name(case)}承办，贵方无需再处理。"
        )
        replies.append(Reply(PartyTarget(previous.id, previous.name), note, case.id, "party"))
    return replies


async def false_alarm(ctx: CommandContext) -> list[Reply]:
    """误报 0034 [说明]: close a case that is no problem at all, such as chat or a joke."""
    number = await case_number_argument(ctx, "误报 0034 只是闲聊", one_case_verb="误报")
    compound, access = await command_access(ctx)
    case = await case_by_number(ctx, compound, number)
    require_officer(access, "false_alarm", "把工单标记为误报")
    note = text_after(ctx, 1)
    # A case in triage never reached its party, so the party needs no notice.
    party_had_it = CaseStatus(case.status) is not CaseStatus.TRIAGE
    event = mark_false_alarm(ctx.session, case, actor=ctx.member, now=ctx.now, note=note)
    append_after_commit(ctx.session, ctx.corrections_path, event)

    party_note = None
    if party_had_it:
        explained = f"小区专员说明：{note}" if note else ""
        party_note = update_for_party(
            case, "工单撤销", f"经小区专员核实为误报（不是需要处理的问题），工单已撤销，无需处理。{explained}"
        )
    detail = (
        f"您好，您的消息登记为工单 {case.number} 后，经小区专员核实不是需要处理的问题，已撤销登记。"
        "如确有问题需要反映，请直接描述问题。"
    )
    return await respond(
        ctx,
        case,
        confirmation=f"工单 {case.number} 已作为误报（非诉求）关闭，不计入统计。",
        group_note=f"工单 {case.number}{group_summary(case)}：经核实不是需要处理的问题，已撤销登记，打扰大家了。",
        detail=f"{detail}\n说明：{note}" if note else detail,
        party_note=party_note,
    )


SPECS = (
    CommandSpec(
        name="false_alarm",
        verbs=("误报", "不是问题"),
        handler=false_alarm,
        help="把误登记为工单的闲聊关闭为误报",
        example="误报 0034 只是闲聊",
        audience=Level.OFFICER,
    ),
)
