"""The commands staff use to move a case along.

受理, 处理中, 办结, 无法解决, 非本方职责, 转派, 重开 and 升级.
"""

from __future__ import annotations

from handlers import notices, workflow
from handlers.commands.base import CommandContext, CommandSpec
from handlers.commands.common import (
    case_by_number,
    case_number_argument,
    command_access,
    party_by_word,
    respond,
    sender_accounts,
    text_after,
    unstaffed_warning,
    urgent_reasons,
)
from handlers.commands.outside import hand_outside, split_target
from handlers.commands.timers import end_pause_on_resolve
from handlers.errors import BadCommand
from handlers.ladder import RUNG_LABELS, climb_by_command, escalation_label
from handlers.messages import PartyTarget, Reply, UserTarget
from handlers.permissions import Access, Level, deny, is_reporter, require_officer, require_staff
from handlers.replies import group_excerpt, party_name, update_for_group, update_for_party, update_for_reporter
from models import PARTY_KIND_LABELS, ROLE_LABELS, Case, CaseOutcome, PartyKind, RoleKind


async def _staff_case(ctx: CommandContext, command: str, verb: str, usage: str) -> Case:
    case, _access = await _staff_case_and_access(ctx, command, verb, usage)
    return case


async def _staff_case_and_access(
    ctx: CommandContext, command: str, verb: str, usage: str
) -> tuple[Case, Access]:
    number = await case_number_argument(ctx, usage, one_case_verb=usage.split()[0])
    compound, access = await command_access(ctx)
    case = await case_by_number(ctx, compound, number)
    require_staff(access, case, command, verb)
    return case, access


def acting_for(access: Access, case: Case) -> str:
    """Name who acted on a case as residents should read it: the party, or the officer's role.

    A liaison officer or community staff member who accepts a case on the
    property firm's behalf is not the property firm.
    """
    if case.party_id is not None and case.party_id in access.party_ids:
        return party_name(case)
    for role in OFFICER_ROLES:
        if role in access.roles:
            return ROLE_LABELS[role]
    return party_name(case)


# Roles that reach a whole compound, most local first.
OFFICER_ROLES = (
    RoleKind.LIAISON_OFFICER,
    RoleKind.BRANCH_SECRETARY,
    RoleKind.COMMUNITY_STAFF,
    RoleKind.STREET_STAFF,
)


async def acknowledge(ctx: CommandContext) -> list[Reply]:
    case, access = await _staff_case_and_access(ctx, "acknowledge", "受理", "受理 0034")
    note = text_after(ctx, 1)
    workflow.acknowledge(ctx.session, case, actor=ctx.member, now=ctx.now, note=note)
    actor = acting_for(access, case)
    return await respond(
        ctx,
        case,
        confirmation=(
            f"已受理工单 {case.number}，请及时处理，"
            f"办结后发送“办结 {case.number} 处理结果”。"
        ),
        group_note=update_for_group(case, f"{actor}已响应，正在处理。"),
        detail=update_for_reporter(case, f"已由{actor}响应，正在处理。", note),
    )


async def start(ctx: CommandContext) -> list[Reply]:
    case = await _staff_case(ctx, "start", "更新", "处理中 0034 师傅已到现场")
    note = text_after(ctx, 1)
    workflow.start(ctx.session, case, actor=ctx.member, now=ctx.now, note=note)
    return await respond(
        ctx,
        case,
        confirmation=f"工单 {case.number} 已标记为处理中。",
        group_note=update_for_group(case, f"正在处理中{'，' + group_excerpt(case, note) if note else '。'}"),
        detail=update_for_reporter(case, "正在处理中。", note),
    )


async def resolve(ctx: CommandContext) -> list[Reply]:
    case = await _staff_case(ctx, "resolve", "办结", "办结 0034 已更换控制板")
    note = text_after(ctx, 1)
    workflow.resolve(ctx.session, case, actor=ctx.member, now=ctx.now, note=note)
    await end_pause_on_resolve(ctx.session, case, ctx.now)
    return await respond(
        ctx,
        case,
        confirmation=f"工单 {case.number} 已办结，系统将请反映人评价。",
        group_note=update_for_group(
            case, f"已办结，{group_excerpt(case, note)}。如问题仍在，反映人可发送“评价 {case.number} 不满意”。"
        ),
        detail=update_for_reporter(
            case,
            "已办结。",
            f"{note}\n请您评价：发送“评价 {case.number} 满意”“评价 {case.number} 基本满意”"
            f"或“评价 {case.number} 不满意”，也可以打1-5分并附上意见。",
        ),
        branch_note=update_for_party(case, "已办结", note),
    )


async def cannot_resolve(ctx: CommandContext) -> list[Reply]:
    case = await _staff_case(ctx, "cannot_resolve", "标记无法解决", "无法解决 0034 原因")
    reason = text_after(ctx, 1)
    workflow.cannot_resolve(ctx.session, case, actor=ctx.member, now=ctx.now, reason=reason)
    return await respond(
        ctx,
        case,
        confirmation=f"工单 {case.number} 已标记为无法解决。",
        group_note=update_for_group(case, f"暂无法解决，原因：{group_excerpt(case, reason)}。"),
        detail=update_for_reporter(case, "暂无法解决。", reason),
        branch_note=update_for_party(case, "无法解决", reason),
        told="原因",
    )


async def not_our_duty(ctx: CommandContext) -> list[Reply]:
    """非本方职责 0034 [转 业委会] 原因: hand on inside the compound, or close as handed outside."""
    case = await _staff_case(
        ctx, "not_our_duty", "标记非本方职责", "非本方职责 0034 转业委会 属于公共收益问题"
    )
    rest = text_after(ctx, 1)
    # "转 业委会 原因" as well as "转业委会 原因".
    target, tail = split_target(rest)
    kind = party_by_word(target) if target else None
    if kind is not None:
        party = case.compound.party(kind)
        if party is None:
            msg = f"本小区没有{PARTY_KIND_LABELS[kind]}，请改转其他承办方或联系小区专员。"
            raise BadCommand(msg)
        reason = tail.strip()
        if not reason:
            # The receiving party reads this reason to learn why the case is now its own.
            msg = f"请写明转交原因，格式：非本方职责 {case.number} 转{target} 原因"
            raise BadCommand(msg)
        previous = party_name(case)
        workflow.hand_on(ctx.session, case, party, actor=ctx.member, now=ctx.now, reason=reason)
        return await respond(
            ctx,
            case,
            confirmation=f"工单 {case.number} 已从{previous}转交{party.name}。{await unstaffed_warning(ctx, case)}",
            group_note=update_for_group(case, f"已转由{party.name}处理。"),
            detail=update_for_reporter(case, f"已转由{party.name}处理。", reason),
            party_note=update_for_party(
                case, "转交工单", f"{previous}：{reason}。回复“受理 {case.number}”确认受理。"
            )
            + await urgent_reasons(ctx, case),
            branch_note=update_for_party(case, "转交工单", f"{previous}转交{party.name}：{reason}"),
        )
    return await hand_outside(ctx, case, rest)


async def assign(ctx: CommandContext) -> list[Reply]:
    number = await case_number_argument(ctx, "转派 0034 业委会")
    compound, access = await command_access(ctx)
    case = await case_by_number(ctx, compound, number)
    require_officer(access, "assign", "转派工单")
    if len(ctx.args) < 2:
        msg = f"请写上承办方，例如：转派 {case.number} 业委会（可选：物业、业委会、党组织）"
        raise BadCommand(msg)
    kind = party_by_word(ctx.args[1])
    party = compound.party(kind) if kind is not None else None
    if party is None:
        msg = f"“{ctx.args[1]}”不是本小区的承办方，可选：物业、业委会、党组织。"
        raise BadCommand(msg)
    reason = text_after(ctx, 2)
    workflow.hand_on(
        ctx.session,
        case,
        party,
        actor=ctx.member,
        now=ctx.now,
        reason=reason,
        action=workflow.Action.ASSIGN,
    )
    return await respond(
        ctx,
        case,
        confirmation=f"工单 {case.number} 已转派{party.name}。{await unstaffed_warning(ctx, case)}",
        group_note=update_for_group(case, f"已转由{party.name}处理。"),
        detail=update_for_reporter(case, f"已转由{party.name}处理。", reason),
        party_note=update_for_party(
            case, "派单", f"{reason + '。' if reason else ''}回复“受理 {case.number}”确认受理。"
        )
        + await urgent_reasons(ctx, case),
    )


async def reopen(ctx: CommandContext) -> list[Reply]:
    number = await case_number_argument(ctx, "重开 0034 维修后仍漏水", one_case_verb="重开")
    compound, access = await command_access(ctx)
    case = await case_by_number(ctx, compound, number)
    await _require_reporter_or_staff(ctx, access, case)
    reason = text_after(ctx, 1)
    workflow.reopen(ctx.session, case, actor=ctx.member, now=ctx.now, reason=reason)
    return await respond(
        ctx,
        case,
        confirmation=f"工单 {case.number} 已重新打开，已通知{party_name(case)}。",
        group_note=update_for_group(case, "已重新打开，将继续跟进。"),
        detail=update_for_reporter(case, "已重新打开，将继续跟进。", reason),
        party_note=update_for_party(
            case, "工单重开", f"{reason}。回复“受理 {case.number}”确认受理。"
        ),
    )


async def _require_reporter_or_staff(ctx: CommandContext, access: Access, case: Case) -> None:
    """Refuse a reopen unless the sender reported the case or may act on it as staff.

    The replies tell a resident to send 重开 when a problem is still there,
    so the case's reporters and co-reporters may reopen it, as 评价 不满意
    does. Other residents may not. A case an officer closed as a false
    alarm (误报) is reopened only by staff, because a reporter's reopen would
    put it back into the statistics and the party's work.

    Raises:
        PermissionDenied: The sender neither reported the case nor acts on
            it, or the case was closed as a false alarm and the sender is not staff.
    """
    if access.can_act_on(case):
        return
    if case.outcome == CaseOutcome.NOT_A_CASE:
        msg = (
            f"工单 {case.number} 已由小区专员核实为误报并关闭，只有工作人员可以重新打开。"
            "如问题确实存在，请直接重新描述问题，将登记为新工单；也可以联系小区专员说明情况。"
        )
        raise deny(access, "reopen", msg)
    if await is_reporter(ctx.session, ctx.member, case):
        return
    if access.party_ids:
        # Staff of another party get the message that names the case's party.
        require_staff(access, case, "reopen", "重新打开")
    msg = (
        f"抱歉，只有工单 {case.number} 的反映人、承办方工作人员或小区专员可以重新打开。"
        f"发送“查询 {case.number}”可了解进度。"
    )
    raise deny(access, "reopen", msg)


async def escalate(ctx: CommandContext) -> list[Reply]:
    number = await case_number_argument(ctx, "升级 0034 物业三天未响应", one_case_verb="升级")
    compound, access = await command_access(ctx)
    case = await case_by_number(ctx, compound, number)
    require_officer(access, "escalate", "升级工单")
    reason = text_after(ctx, 1)
    step = await climb_by_command(ctx.session, case, actor=ctx.member, now=ctx.now, reason=reason)
    rung, targets = step.rung, step.targets
    label = escalation_label(case)

    # The new rung supervises the case from now on. It reaches the same
    # people as the sweep's automatic escalation.
    actor = ctx.member.display_name or "工作人员"
    rung_note = notices.escalated_by_command(case, rung, actor, reason)
    branch = compound.party(PartyKind.PARTY)
    branch_note = update_for_party(case, f"督办·{label}", reason)
    rung_replies: list[Reply] = []
    own_accounts = await sender_accounts(ctx)
    for target in targets:
        if target["kind"] == "party":
            if target["party_id"] == case.party_id:
                continue
            if branch is not None and target["party_id"] == branch.id:
                branch_note = rung_note
                continue
            party = PartyTarget(target["party_id"], target["name"])
            rung_replies.append(Reply(party, rung_note, case.id, "officer"))
        elif (target["platform"], target["user_id"]) not in own_accounts:
            user = UserTarget(target["platform"], target["user_id"])
            rung_replies.append(Reply(user, rung_note, case.id, "officer"))

    skipped = notices.skipped_rungs(step.skipped)
    replies = await respond(
        ctx,
        case,
        confirmation=f"工单 {case.number} 已升级为{label}，已通知{RUNG_LABELS[rung]}。{skipped}",
        group_note=update_for_group(case, f"已升级为{label}，将加快处理。"),
        detail=update_for_reporter(case, f"已升级为{label}，将加快处理。", reason),
        party_note=update_for_party(case, f"督办·{label}", reason),
        branch_note=branch_note,
    )
    return replies + rung_replies



SPECS = (
    CommandSpec("ack", ("受理",), acknowledge, "受理工单", "受理 0034", Level.PARTY),
    CommandSpec(
        "progress",
        ("处理中", "跟进"),
        start,
        "标记工单为处理中",
        "处理中 0034 师傅已到现场",
        Level.PARTY,
    ),
    CommandSpec(
        "resolve", ("办结",), resolve, "办结工单并说明结果", "办结 0034 已更换控制板", Level.PARTY
    ),
    CommandSpec(
        "cannot",
        ("无法解决",),
        cannot_resolve,
        "标记工单无法解决并说明原因",
        "无法解决 0034 需业主大会表决",
        Level.PARTY,
    ),
    CommandSpec(
        "notours",
        ("非本方职责", "不归我管"),
        not_our_duty,
        "不属于本方职责时，转交其他承办方或小区外的部门",
        "非本方职责 0034 转业委会 属于公共收益问题",
        Level.PARTY,
    ),
    CommandSpec(
        "reopen",
        ("重开", "重新打开"),
        reopen,
        "重新打开已办结或已关闭的工单（限反映人和承办方）",
        "重开 0034 维修后仍漏水",
    ),
    CommandSpec(
        "assign", ("转派", "派单"), assign, "把工单转派给承办方", "转派 0034 业委会", Level.OFFICER
    ),
    CommandSpec(
        "escalate",
        ("升级", "督办"),
        escalate,
        "升级督办工单",
        "升级 0034 物业三天未响应",
        Level.OFFICER,
    ),
)
