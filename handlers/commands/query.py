"""查询: a case's status and, for its reporters and staff, its timeline."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select

from handlers.cases import follow_merges
from handlers.commands.base import PROGRESS_SUFFIX, CommandContext, CommandSpec, reply_here
from handlers.commands.common import case_by_number, case_number_argument, command_access, parse_case_number
from handlers.errors import BadCommand, DomainError, PermissionDenied
from handlers.ladder import escalation_label
from handlers.masking import mask_for_group, mask_for_private_chat, mask_name
from handlers.messages import Reply
from handlers.outbox import PLATFORM_LABELS
from handlers.permissions import Access, is_reporter
from handlers.replies import (
    TRIAGE_HOLDER,
    case_location,
    case_title,
    group_summary,
    party_name,
    priority_phrase,
    quoted,
)
from handlers.workflow import status_label
from models import (
    OUTCOME_LABELS,
    ROLE_LABELS,
    Case,
    CaseEvent,
    CaseOutcome,
    CaseStatus,
    ChatKind,
    Compound,
    Role,
    RoleKind,
)

# The maximum number of events 查询 lists: the first event and the latest ones.
TIMELINE_LENGTH = 10

# Labels stored with events that no member performed (CaseEvent.actor_label),
# as people read them. Any other such label also reads as 系统.
MACHINE_ACTORS: dict[str, str] = {
    "bot": "系统",
    "scheduler": "系统",
    "street": "街道",
    "wecom_archive": "企业微信",
}
# Department rows stored by earlier versions start their note with the verb again.
_REPEATED_PREFIXES = {"department_called": "吹哨：", "department_reported": "报到："}

EVENT_LABELS: dict[str, str] = {
    "opened": "登记",
    "co_reporter_added": "新增反映人",
    "co_reporter_removed": "撤回反映",
    "reported_again": "再次反映",
    "location_added": "补充位置",
    "location_corrected": "更正位置",
    "relocated": "更正位置",
    "classified": "确认类别",
    "recategorized": "更正类别",
    "not_a_case": "误报",
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
    "urgent_raised": "转为紧急",
    "delivery_failed": "消息发送失败",
    "department_called": "吹哨",
    "department_reported": "部门报到",
    "clock_paused": "挂起",
    "clock_resumed": "恢复计时",
    "message_withdrawn": "撤回消息",
    "reporters_merged": "合并重复反映人",
}


async def query(ctx: CommandContext) -> list[Reply]:
    number = await _queried_number(ctx)
    compound, access = await command_access(ctx)
    case = await case_by_number(ctx, compound, number)
    return await _answer(ctx, case, compound, access)


async def progress_question(ctx: CommandContext) -> list[Reply]:
    """Reply to a bare "0007进度怎么样了" as to 查询 0007 when the bot is addressed.

    In a residents' group such a line is neighbours talking. A number the
    sender cannot query there may be a flat. Both get no reply rather than
    an error, and the line opens no case either. A private chat talks only
    to the bot, so a number the sender cannot query gets the error 查询
    gives, or, for another resident's case, a reply that shows nothing of it.

    Raises:
        DomainError: In a private chat, 查询 would reject the number too.
        PermissionDenied: In a private chat, the case is neither the
            sender's report nor one the sender acts on.
    """
    private = ctx.message.is_private
    if not (private or ctx.message.mentions_bot):
        return []
    try:
        compound, access = await command_access(ctx)
        case = await case_by_number(ctx, compound, ctx.args[0])
    except DomainError:
        if private:
            raise
        return []
    if not (access.can_act_on(case) or await is_reporter(ctx.session, ctx.member, case)):
        if private:
            msg = f"您反映过的工单中没有工单 {case.number}，请核对工单号。发送“我的工单”可查看您反映过的工单。"
            raise PermissionDenied(msg)
        return []
    return await _answer(ctx, case, compound, access)


async def _queried_number(ctx: CommandContext) -> str:
    """Return the number 查询 names, without the words residents add (查询0007进度).

    查询 takes no note, so a second case number is one the sender expects a
    reply for. It is rejected rather than dropped.
    """
    number = await case_number_argument(ctx, "查询 0034", one_case_verb="查询")
    number = PROGRESS_SUFFIX.sub("", number) or number
    for word in ctx.args[1:2]:
        second = PROGRESS_SUFFIX.sub("", word)
        if second and _is_number(second):
            msg = f"一条指令只能查询一个工单，请分开发送：“查询 {number}”和“查询 {second}”。"
            raise BadCommand(msg)
    return number


def _is_number(word: str) -> bool:
    try:
        parse_case_number(word)
    except BadCommand:
        return False
    return True


async def _answer(ctx: CommandContext, case: Case, compound: Compound, access: Access) -> list[Reply]:
    lines: list[str] = []
    if CaseStatus(case.status) is CaseStatus.MERGED:
        target = await follow_merges(ctx.session, case)
        lines.append(
            f"工单 {case.number} 与工单 {target.number} 是同一问题，已合并，"
            f"以下是工单 {target.number} 的进度。"
        )
        case = target

    private = ctx.chat.kind == ChatKind.PRIVATE
    staff = access.can_act_on(case)
    entitled = staff or await is_reporter(ctx.session, ctx.member, case)
    # In a private chat, phone numbers stay whole only for the staff who call
    # the resident back and for the person who wrote them. Lists mask them.
    handler = access.handles(case)
    summary = None
    if private and entitled:
        summary = mask_for_private_chat(case.summary, full_phone=handler or case.reporter_id == ctx.member.id)
    if case.compound_id != compound.id:
        # The sender's own case in another compound, as after a rebinding.
        lines.append(f"{case.compound.name}的工单：")
    lines.extend(_summary_lines(case, summary))
    if entitled:
        lines.append("办理记录：")
        lines.extend(
            await _timeline(ctx, case, masked=not private, full_phones=handler, with_deliveries=staff)
        )
    return [reply_here(ctx, "\n".join(lines), case_id=case.id)]


def _summary_lines(case: Case, private_summary: str | None) -> list[str]:
    """Describe a case, with its place and the given private_summary, or as a group reads it when that is None."""
    head = f"工单 {case.number}（{case_title(case)}）"
    if private_summary is None:
        head += group_summary(case)
    else:
        head += f"{case_location(case)}{quoted(private_summary[:200])}"
    status = status_label(case)
    if case.outcome and case.outcome != CaseOutcome.RESOLVED:
        status = f"{status}（{OUTCOME_LABELS[CaseOutcome(case.outcome)]}）"
    holder = TRIAGE_HOLDER if CaseStatus(case.status) is CaseStatus.TRIAGE else party_name(case)
    lines = [
        head,
        f"状态：{status}；承办：{holder}；反映人数：{case.reporter_count}{priority_phrase(case)}",
    ]
    if case.escalation_level:
        label = escalation_label(case)
        lines.append(f"督办：{label}")
    return lines


async def _timeline(
    ctx: CommandContext, case: Case, *, masked: bool, full_phones: bool, with_deliveries: bool
) -> list[str]:
    """List the case's first event and its latest ones, with a line that counts the events left out between.

    Failed deliveries are for the staff who follow them up; a resident cannot act on them.
    """
    by_case = CaseEvent.case_id == case.id
    if not with_deliveries:
        by_case = and_(by_case, CaseEvent.kind != "delivery_failed")
    total = await ctx.session.scalar(select(func.count()).select_from(CaseEvent).where(by_case)) or 0
    newest_first = (CaseEvent.at.desc(), CaseEvent.id.desc())
    if total <= TIMELINE_LENGTH:
        events = list(await ctx.session.scalars(select(CaseEvent).where(by_case).order_by(*newest_first)))
        first: CaseEvent | None = None
    else:
        # The first event is kept because it records who reported the case and when.
        events = list(
            await ctx.session.scalars(
                select(CaseEvent).where(by_case).order_by(*newest_first).limit(TIMELINE_LENGTH - 1)
            )
        )
        first = await ctx.session.scalar(
            select(CaseEvent).where(by_case).order_by(CaseEvent.at, CaseEvent.id).limit(1)
        )
    listed = ([first] if first is not None else []) + list(reversed(events))
    staff_roles = await _staff_roles(ctx, case, {e.actor_id for e in listed if e.actor_id is not None})
    lines = [_event_line(ctx, event, staff_roles, masked=masked, full_phones=full_phones) for event in listed]
    if first is not None:
        lines.insert(1, f"· ……（中间省略{total - TIMELINE_LENGTH}条记录）")
    return lines


def _event_line(
    ctx: CommandContext, event: CaseEvent, staff_roles: dict[int, str], *, masked: bool, full_phones: bool
) -> str:
    when = event.at.astimezone(ctx.zone).strftime("%m-%d %H:%M")
    label = EVENT_LABELS.get(event.kind, event.kind)
    note = _event_note(event)
    if masked:
        note = mask_for_group(note)
    else:
        note = mask_for_private_chat(note, full_phone=full_phones or event.actor_id == ctx.member.id)
    actor = _event_actor(event, staff_roles, masked=masked)
    return f"· {when} {label}（{actor}）{'：' + note if note else ''}"


def _event_actor(event: CaseEvent, staff_roles: dict[int, str], *, masked: bool) -> str:
    """Name who acted on an event in Chinese: a role or a masked name in a group, a name in private."""
    if event.actor_id is None:
        return MACHINE_ACTORS.get(event.actor_label, "系统")
    if masked and event.actor_id in staff_roles:
        # Staff act in their role; a group needs no name to trust it.
        return staff_roles[event.actor_id]
    # Earlier versions stored "bot" for a member with no display name. It is
    # a machine label, not a name, so it is never shown or masked as one.
    if not event.actor_label or event.actor_label in MACHINE_ACTORS:
        return staff_roles.get(event.actor_id, "居民")
    return mask_name(event.actor_label) if masked else event.actor_label


def _event_note(event: CaseEvent) -> str:
    """Return the event's note without a repeat of its label.

    Rows stored by earlier versions repeat the verb ("吹哨：住建") or name
    the delivery platform by its id ("消息发送失败（wecom）"), so a failed
    delivery is described from its data.
    """
    if event.kind == "delivery_failed":
        platform = str((event.data or {}).get("platform", ""))
        recipient = str((event.data or {}).get("recipient", ""))
        channel = PLATFORM_LABELS.get(platform, "")
        return f"{channel}，{recipient}" if channel and recipient else channel or recipient
    prefix = _REPEATED_PREFIXES.get(event.kind)
    if prefix is not None:
        return event.note.removeprefix(prefix)
    return event.note


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

# Runs for a bare progress question; it has no verb, so 帮助 does not list it.
QUESTION_SPEC = CommandSpec(
    name="case_question",
    verbs=(),
    handler=progress_question,
    help="",
    example="",
)
