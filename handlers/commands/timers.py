"""Commands on case clocks: 挂起, 恢复计时, 时限, 简报, and the street office's 吹哨 and 报到."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.cases import record_event
from handlers.commands.base import CommandContext, CommandSpec, reply_here
from handlers.commands.common import case_by_number, case_number_argument, command_access, staff_compounds, text_after
from handlers.digests import compute_stats, stats_lines
from handlers.errors import BadCommand, InvalidTransition
from handlers.ladder import RUNG_LABELS, Rung, report_in, whistle
from handlers.limits import LimitUnit, counted_in_workdays, current_table, extend_for_pause
from handlers.messages import Reply
from handlers.notices import local_time
from handlers.officer_corrections import merged_deadline_sources
from handlers.permissions import Level, require_officer, require_reporter_or_staff, require_staff
from handlers.workflow import status_label
from models import OUTCOME_LABELS, Case, CaseOutcome, CaseStatus, CaseTimer, Compound

# Statuses whose clock can be paused, because the acting party still has to act.
PAUSABLE = frozenset(
    {CaseStatus.NEW, CaseStatus.ACKNOWLEDGED, CaseStatus.IN_PROGRESS, CaseStatus.REOPENED}
)


async def _timer(ctx: CommandContext, case: Case) -> CaseTimer:
    """Return the case's timer, creating it when the sweep has not seen the case yet."""
    timer = await ctx.session.get(CaseTimer, case.id, with_for_update=True)
    if timer is None:
        timer = CaseTimer(case_id=case.id, due_at=ctx.now, status_seen="", updated_at=ctx.now)
        ctx.session.add(timer)
    return timer


async def pause(ctx: CommandContext) -> list[Reply]:
    number = await case_number_argument(ctx, "挂起 0034 等待配件到货", one_case_verb="挂起")
    compound, access = await command_access(ctx)
    case = await case_by_number(ctx, compound, number)
    require_staff(access, case, "pause", "挂起")
    _require_clock(case, "挂起")
    reason = text_after(ctx, 1)
    if not reason:
        msg = f"请写明挂起原因，例如：挂起 {case.number} 等待配件到货"
        raise BadCommand(msg)
    timer = await _timer(ctx, case)
    if timer.paused_at is not None:
        since = local_time(timer.paused_at, ctx.zone)
        msg = f"工单 {case.number} 已于{since}挂起（{timer.pause_reason}），发送“恢复计时 {case.number}”可恢复。"
        raise InvalidTransition(msg)

    timer.paused_at = ctx.now
    timer.pause_reason = reason
    timer.due_at = None
    timer.updated_at = ctx.now
    record_event(ctx.session, case, "clock_paused", actor=ctx.member, note=reason, at=ctx.now)
    text = f"工单 {case.number} 已挂起，暂停计时（原因：{reason}）。条件具备后请发送“恢复计时 {case.number}”。"
    return [reply_here(ctx, text, case_id=case.id)]


async def resume(ctx: CommandContext) -> list[Reply]:
    number = await case_number_argument(ctx, "恢复计时 0034", one_case_verb="恢复计时")
    compound, access = await command_access(ctx)
    case = await case_by_number(ctx, compound, number)
    require_staff(access, case, "resume", "恢复计时")
    _require_clock(case, "恢复计时")
    timer = await _timer(ctx, case)
    if timer.paused_at is None:
        msg = f"工单 {case.number} 没有挂起，正在正常计时。"
        raise InvalidTransition(msg)

    calendar = current_table().calendar
    paused_at = timer.paused_at
    paused = ctx.now - paused_at
    lost_workdays = calendar.count_workdays(calendar.local_date(paused_at), calendar.local_date(ctx.now))
    resolve_in_workdays = _move_deadlines(case, timer, paused_at, ctx.now)
    timer.resolve_due_seen = case.resolve_due_at
    timer.paused_seconds += int(paused.total_seconds())
    timer.paused_at = None
    timer.pause_reason = None
    timer.due_at = ctx.now
    timer.updated_at = ctx.now
    record_event(
        ctx.session,
        case,
        "clock_resumed",
        actor=ctx.member,
        at=ctx.now,
        data={"paused_seconds": int(paused.total_seconds()), "paused_workdays": lost_workdays},
    )

    text = f"工单 {case.number} 已恢复计时（共挂起{pause_length(paused)}），"
    if case.resolve_due_at is None:
        text += "尚未设定办结期限。"
    elif not resolve_in_workdays:
        text += f"办结期限顺延至{local_time(case.resolve_due_at, ctx.zone)}。"
    elif lost_workdays:
        text += f"办结期限顺延{lost_workdays}个工作日，至{local_time(case.resolve_due_at, ctx.zone)}。"
    else:
        text += f"挂起期间没有占用工作日，办结期限仍为{local_time(case.resolve_due_at, ctx.zone)}。"
    return [reply_here(ctx, text, case_id=case.id)]


async def end_pause_on_resolve(session: AsyncSession, case: Case, now: datetime) -> None:
    """End a pause when its case is resolved, so the sweep can ask for the rating.

    The sweep skips paused timers, and 恢复计时 is rejected on a resolved
    case, so a pause left in place would hold the rating reminder and the
    unrated close forever.
    """
    timer = await session.get(CaseTimer, case.id, with_for_update=True)
    if timer is None or timer.paused_at is None:
        return
    paused = int((now - timer.paused_at).total_seconds())
    timer.paused_seconds += paused
    timer.paused_at = None
    timer.pause_reason = None
    timer.due_at = now
    timer.updated_at = now
    record_event(
        session,
        case,
        "clock_resumed",
        actor_label="bot",
        note="工单办结，挂起结束",
        at=now,
        data={"paused_seconds": paused, "on_resolve": True},
    )


def _require_clock(case: Case, verb: str) -> None:
    """Reject a change to the clock of a case whose time limits no longer run.

    Raises:
        InvalidTransition: The case is resolved, closed or merged, or awaits triage.
    """
    status = CaseStatus(case.status)
    if status in PAUSABLE:
        return
    if status is CaseStatus.TRIAGE:
        reason = f"请小区专员先发送“分类 {case.number} 类别”派单。"
    else:
        reason = "工单已不在办理时限内，不再计时。"
    msg = f"工单 {case.number} 当前状态为“{status_label(case)}”，不能{verb}。{reason}"
    raise InvalidTransition(msg)


def _move_deadlines(case: Case, timer: CaseTimer, paused_at: datetime, now: datetime) -> bool:
    """Move the case's and its rung's deadlines past a pause of the clock.

    Each deadline moves the way its limit is counted, by the rule that
    matches the case now. Reclassifying restarts the clock, so that rule
    usually set the deadlines. A merge can make a case urgent and keep its
    deadlines, and from then on they move in calendar time like any urgent
    case's. Returns whether the resolve deadline counts working days.
    """
    table = current_table()
    rule = table.rule_for(case.category, case.urgent)
    resolve_in_workdays = case.resolve_due_at is not None and counted_in_workdays(
        case.resolve_due_at, rule.resolve.unit, table.calendar
    )

    case.response_due_at = _extend(case.response_due_at, rule.acknowledge.unit, paused_at, now)
    case.resolve_due_at = _extend(case.resolve_due_at, rule.resolve.unit, paused_at, now)
    timer.rung_due_at = _extend(timer.rung_due_at, _rung_unit(case), paused_at, now)
    return resolve_in_workdays


def _rung_unit(case: Case) -> LimitUnit:
    """Return the unit the sweep counted the current rung's deadline in.

    The sweep sets the rung deadline from the rung's limit as it climbs, which
    is 2 hours for urgent cases and working days otherwise (scheduler/config.py).
    """
    return LimitUnit.HOURS if case.urgent else LimitUnit.WORKING_DAYS


def _extend(due: datetime | None, unit: LimitUnit, paused_at: datetime, now: datetime) -> datetime | None:
    if due is None:
        return None
    return extend_for_pause(due, unit, paused_at, now, current_table().calendar)


def pause_length(length: timedelta) -> str:
    """Render how long a clock stood still: 10天, 2天3小时, 1小时20分钟, 5分钟.

    Minutes matter only for short pauses, so they are dropped from a day on.
    """
    minutes = int(length.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{minutes}分钟" if minutes else f"{hours}小时"
    return f"{max(minutes, 1)}分钟"


async def deadlines(ctx: CommandContext) -> list[Reply]:
    number = await case_number_argument(ctx, "时限 0034")
    compound, access = await command_access(ctx)
    case = await case_by_number(ctx, compound, number)
    await require_reporter_or_staff(ctx.session, access, ctx.member, case, "deadlines", "查看时限")
    if CaseStatus(case.status) is CaseStatus.TRIAGE:
        text = f"工单 {case.number} 尚待小区专员确认类别，还没有派单，暂不计时。确认类别并派单后开始计算办理时限。"
        return [reply_here(ctx, text, case_id=case.id)]
    timer = await ctx.session.get(CaseTimer, case.id)
    merged = await merged_deadline_sources(ctx.session, case)
    lines = [f"工单 {case.number} 的办理时限（{_limit_terms(case, merged)}）："]
    # A case that ended without a step (a false alarm, a withdrawal, a merge)
    # stopped its clocks then, so that step is no longer running or due.
    ended = case.closed_at if not CaseStatus(case.status).is_open else None
    lines.append(_line("响应", case.response_due_at, case.acknowledged_at, ctx, ended=ended))
    lines.append(_line("办结", case.resolve_due_at, case.resolved_at, ctx, ended=ended))
    if ended is not None:
        lines.append(f"工单{_ending(case)}，不再计时。")
    elif timer is not None and timer.paused_at is not None:
        lines.append(
            f"已挂起：{local_time(timer.paused_at, ctx.zone)}起暂停计时（{timer.pause_reason}）"
        )
    if ended is None and timer is not None and timer.rung is not None and case.escalation_level:
        rung = RUNG_LABELS[Rung(timer.rung)]
        due = f"，该级期限{local_time(timer.rung_due_at, ctx.zone)}" if timer.rung_due_at else ""
        lines.append(f"督办：已升级至{rung}{due}")
    return [reply_here(ctx, "\n".join(lines), case_id=case.id)]


def _limit_terms(case: Case, merged: dict[str, str]) -> str:
    """Describe where the case's deadlines come from: its category's rule or a merged case.

    A merge keeps the earlier deadlines of the merged case, so the rule of
    the case's own category would not match the deadlines listed below it.
    """
    rule = current_table().rule_for(case.category, case.urgent)
    response_from = merged.get("response_due_at")
    resolve_from = merged.get("resolve_due_at")
    if response_from is not None and response_from == resolve_from:
        return f"合并时沿用工单 {response_from} 的期限"
    if response_from is not None:
        response = f"合并时沿用工单 {response_from} 的响应期限"
    else:
        response = f"{rule.acknowledge.phrase()}内响应"
    if resolve_from is not None:
        resolve = f"合并时沿用工单 {resolve_from} 的办结期限"
    else:
        resolve = f"{rule.resolve.phrase()}内办结"
    return f"{response}，{resolve}"


def _line(
    word: str, due: datetime | None, done: datetime | None, ctx: CommandContext, *, ended: datetime | None
) -> str:
    if due is None:
        return f"{word}：未设定期限"
    if done is not None:
        late = "（超时）" if done > due else "（按时）"
        return (
            f"{word}：期限{local_time(due, ctx.zone)}，已于{local_time(done, ctx.zone)}完成{late}"
        )
    if ended is not None:
        return f"{word}：期限{local_time(due, ctx.zone)}，工单于{local_time(ended, ctx.zone)}结束时未{word}，停止计时"
    state = "已超时" if ctx.now > due else "未到期"
    return f"{word}：期限{local_time(due, ctx.zone)}，{state}"


def _ending(case: Case) -> str:
    """Name how a case ended, as the status and outcome read: 关闭（误报·非诉求）."""
    status = status_label(case)
    if case.outcome and case.outcome != CaseOutcome.RESOLVED:
        return f"{status}（{OUTCOME_LABELS[CaseOutcome(case.outcome)]}）"
    return status


async def digest_now(ctx: CommandContext) -> list[Reply]:
    """简报 [周] [小区编码]: the digest of the last 24 hours, or of 7 days.

    In a private chat, community and street staff who name no compound get
    one digest of every compound they cover: the totals first, then one line
    per compound, so they read their whole area in one reply.
    """
    reached = await staff_compounds(ctx)
    covered = [(compound, access) for compound, access in reached if access.compound_wide]
    if not covered:
        require_officer(reached[0][1], "digest", "查看简报")

    weekly = _digest_is_weekly(ctx)
    start = ctx.now - (timedelta(days=7) if weekly else timedelta(days=1))
    title = "每周简报" if weekly else "简报"
    period_word = "近7天" if weekly else "近24小时"
    compounds = [compound for compound, _access in covered]
    if len(compounds) == 1:
        stats = await compute_stats(ctx.session, [compounds[0].id], start, ctx.now)
        lines = [f"【{title}】{compounds[0].name} 截至{local_time(ctx.now, ctx.zone)}"]
        lines.extend(stats_lines(stats, period_word))
        return [reply_here(ctx, "\n".join(lines))]

    text = await _area_digest(ctx, compounds, start, title, period_word)
    return [reply_here(ctx, text)]


# The words after 简报 that pick its period; nothing means the daily one.
_DAILY_WORDS = frozenset({"", "日", "今日", "今天", "每日", "日报"})
_WEEKLY_WORDS = frozenset({"周", "本周", "每周", "周报"})


def _digest_is_weekly(ctx: CommandContext) -> bool:
    """Tell whether 简报 requests the digest of 7 days rather than of 24 hours.

    Raises:
        BadCommand: The words after 简报 name no digest period, such as 月.
    """
    word = " ".join(ctx.args)
    if word in _WEEKLY_WORDS:
        return True
    if word in _DAILY_WORDS:
        return False
    msg = (
        f"简报不能按“{ctx.rest}”查看。发送“简报”看近24小时，发送“简报 周”看近7天；"
        "按月或其他时段统计请发送“统计 本月”“统计 上月”等。"
    )
    raise BadCommand(msg)


async def _area_digest(
    ctx: CommandContext, compounds: list[Compound], start: datetime, title: str, period_word: str
) -> str:
    """Return one digest of several compounds: the totals, then one line per compound."""
    lines = [f"【{title}】您负责的{len(compounds)}个小区 截至{local_time(ctx.now, ctx.zone)}"]
    total = await compute_stats(ctx.session, [c.id for c in compounds], start, ctx.now)
    lines.extend(stats_lines(total, period_word))

    lines.append("各小区：")
    for compound in compounds:
        counts = await compute_stats(ctx.session, [compound.id], start, ctx.now)
        lines.append(
            f"· {compound.name}（{compound.code}）：新增 {counts.new}，"
            f"办结 {counts.ended}（已解决 {counts.resolved}），"
            f"超时 {counts.overdue}，督办 {counts.escalated}，待评价 {counts.awaiting_rating}"
        )
    lines.append(f"查看单个小区请发送“简报 {compounds[0].code}”。")
    return "\n".join(lines)


async def call_department(ctx: CommandContext) -> list[Reply]:
    number = await case_number_argument(ctx, "吹哨 0034 住建")
    compound, access = await command_access(ctx)
    case = await case_by_number(ctx, compound, number)
    require_officer(access, "whistle", "吹哨")
    if len(ctx.args) < 2:
        msg = f"请写上职能部门，例如：吹哨 {case.number} 住建"
        raise BadCommand(msg)
    department = ctx.args[1]
    await whistle(ctx.session, case, department, now=ctx.now, note=text_after(ctx, 2), actor=ctx.member)
    text = f"已记录：工单 {case.number} 已向{department}吹哨，部门报到后请发送“报到 {case.number} {department}”。"
    return [reply_here(ctx, text, case_id=case.id)]


async def department_reported(ctx: CommandContext) -> list[Reply]:
    number = await case_number_argument(ctx, "报到 0034 住建")
    compound, access = await command_access(ctx)
    case = await case_by_number(ctx, compound, number)
    require_officer(access, "reportin", "记录报到")
    if len(ctx.args) < 2:
        msg = f"请写上报到的职能部门，例如：报到 {case.number} 住建"
        raise BadCommand(msg)
    department = ctx.args[1]
    await report_in(ctx.session, case, department, now=ctx.now, note=text_after(ctx, 2), actor=ctx.member)
    return [reply_here(ctx, f"已记录：{department}已就工单 {case.number} 报到。", case_id=case.id)]


SPECS = (
    CommandSpec(
        "pause",
        ("挂起",),
        pause,
        "挂起工单，暂停计时并写明原因",
        "挂起 0034 等待配件到货",
        Level.PARTY,
    ),
    CommandSpec(
        "resume", ("恢复计时",), resume, "恢复挂起工单的计时", "恢复计时 0034", Level.PARTY
    ),
    CommandSpec("deadlines", ("时限",), deadlines, "查看工单的响应和办结期限", "时限 0034"),
    CommandSpec(
        "digest",
        ("简报",),
        digest_now,
        "查看本小区或所辖各小区的工单简报（加“周”看近7天）",
        "简报",
        Level.OFFICER,
    ),
    CommandSpec(
        "whistle",
        ("吹哨",),
        call_department,
        "记录街道向职能部门吹哨",
        "吹哨 0034 住建",
        Level.OFFICER,
    ),
    CommandSpec(
        "reportin",
        ("报到",),
        department_reported,
        "记录职能部门报到",
        "报到 0034 住建",
        Level.OFFICER,
    ),
)
