"""查询: a case's status and, for its reporters and staff, its timeline."""

from __future__ import annotations

from sqlalchemy import or_, select

from handlers.cases import follow_merges
from handlers.commands.base import CommandContext, CommandSpec, reply_here
from handlers.commands.common import case_by_number, command_access, first_arg
from handlers.ladder import escalation_label
from handlers.masking import mask_for_group, mask_name
from handlers.messages import Reply
from handlers.permissions import is_reporter
from handlers.replies import case_location, case_title, group_summary, party_name, priority_phrase, quoted
from handlers.workflow import status_label
from models import OUTCOME_LABELS, ROLE_LABELS, Case, CaseEvent, CaseOutcome, CaseStatus, ChatKind, Role, RoleKind

TIMELINE_LENGTH = 10

EVENT_LABELS: dict[str, str] = {
    "opened": "登记",
    "co_reporter_added": "新增反映人",
    "co_reporter_removed": "撤回反映",
    "reported_again": "再次反映",
    "location_added": "补充位置",
    "location_corrected": "更正位置",
    "classified": "确认类别",
    "acknowledged": "受理",
    "started": "处理中",
    "resolved": "办结",
    "cannot_resolve": "无法解决",
    "not_our_duty": "非本方职责",
    "handed_on": "转交",
    "assigned": "转派",
    "withdrawn": "撤回",
    "reopened": "重新打开",
    "merged": "合并",
    "merged_in": "并入",
    "split": "拆分",
    "closed": "关闭",
    "escalated": "升级",
    "rated": "评价",
    "rating_replaced": "旧评价",
    "info_added": "补充信息",
    "delivery_failed": "消息发送失败",
    "department_called": "吹哨",
    "department_reported": "部门报到",
    "clock_paused": "挂起",
    "clock_resumed": "恢复计时",
    "message_withdrawn": "撤回消息",
}


async def query(ctx: CommandContext) -> list[Reply]:
    number = first_arg(ctx, "查询 0034")
    compound, access = await command_access(ctx)
    case = await case_by_number(ctx, compound, number)
    lines: list[str] = []
    if CaseStatus(case.status) is CaseStatus.MERGED:
        target = await follow_merges(ctx.session, case)
        lines.append(
            f"工单 {case.number} 与工单 {target.number} 是同一问题，已合并，"
            f"以下是工单 {target.number} 的进度。"
        )
        case = target

    private = ctx.chat.kind == ChatKind.PRIVATE
    entitled = access.can_act_on(case) or await is_reporter(ctx.session, ctx.member, case)
    lines.extend(_summary_lines(case, full=private and entitled))
    if entitled:
        lines.append("办理记录：")
        lines.extend(await _timeline(ctx, case, masked=not private))
    return [reply_here(ctx, "\n".join(lines), case_id=case.id)]


def _summary_lines(case: Case, *, full: bool) -> list[str]:
    where = case_location(case) if full else ""
    head = f"工单 {case.number}（{case_title(case)}）"
    head += f"{where}{quoted(case.summary[:200])}" if full else group_summary(case)
    status = status_label(case)
    if case.outcome and case.outcome != CaseOutcome.RESOLVED:
        status = f"{status}（{OUTCOME_LABELS[CaseOutcome(case.outcome)]}）"
    lines = [
        head,
        f"状态：{status}；承办：{party_name(case)}；反映人数：{case.reporter_count}{priority_phrase(case)}",
    ]
    if case.escalation_level:
        label = escalation_label(case)
        lines.append(f"督办：{label}")
    return lines


async def _timeline(ctx: CommandContext, case: Case, *, masked: bool) -> list[str]:
    events = list(
        await ctx.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id)
            .order_by(CaseEvent.at.desc(), CaseEvent.id.desc())
            .limit(TIMELINE_LENGTH)
        )
    )
    staff_roles = await _staff_roles(ctx, case, {e.actor_id for e in events if e.actor_id is not None})
    lines = []
    for event in reversed(events):
        when = event.at.astimezone(ctx.zone).strftime("%m-%d %H:%M")
        actor = event.actor_label
        if masked and event.actor_id in staff_roles:
            # Staff act in their role; a group needs no name to trust it.
            actor = staff_roles[event.actor_id]
        elif masked and event.actor_id is not None:
            actor = mask_name(actor)
        if actor in ("", "bot", "scheduler"):
            actor = "系统"
        label = EVENT_LABELS.get(event.kind, event.kind)
        note = mask_for_group(event.note) if masked else event.note
        lines.append(f"· {when} {label}（{actor}）{'：' + note if note else ''}")
    return lines


async def _staff_roles(ctx: CommandContext, case: Case, member_ids: set[int]) -> dict[int, str]:
    """Return the role label of each member who acts for the case's compound as staff."""
    if not member_ids:
        return {}
    rows = await ctx.session.execute(
        select(Role.member_id, Role.role).where(
            Role.member_id.in_(member_ids),
            Role.role != RoleKind.RESIDENT,
            or_(Role.compound_id == case.compound_id, Role.compound_id.is_(None)),
        )
    )
    return {member_id: ROLE_LABELS[RoleKind(role)] for member_id, role in rows}


SPEC = CommandSpec(
    name="case",
    verbs=("查询", "查看"),
    handler=query,
    help="查看工单的状态和办理记录",
    example="查询 0034",
)
