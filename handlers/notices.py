"""The texts of timed messages: reminders (催办), escalations (督办), triage and rating reminders (回访)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.ladder import RUNG_LABELS, Rung
from handlers.masking import mask_contacts
from handlers.replies import case_title, party_name, staff_summary
from models import Case
from nlp.labels import CATEGORY_LABELS

LIMIT_WORDS = {"acknowledge": "受理", "resolve": "办结"}
# The phrase for each limit that an overdue case ran past.
LATE_PHRASES = {"acknowledge": "已超过响应时限，仍未受理", "resolve": "已超过办结时限，仍未办结"}


_WEEKDAYS = "一二三四五六日"


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    """Return e.g. 10月9日（周五）16:30 in the local zone.

    Working-day limits end at midnight, which people read as the next day:
    a limit at 00:00 on Saturday is shown as 24:00 on Friday.
    """
    local = moment.astimezone(zone)
    if local.hour == 0 and local.minute == 0:
        day = local - timedelta(days=1)
        return f"{day.month}月{day.day}日（周{_WEEKDAYS[day.weekday()]}）24:00"
    return f"{local.month}月{local.day}日（周{_WEEKDAYS[local.weekday()]}）{local:%H:%M}"


def reminder(case: Case, limit: str, due: datetime, zone: ZoneInfo) -> str:
    """Remind the acting party that a limit is running out."""
    return (
        f"【催办】{case.compound.name} 工单 {case.number}（{case_title(case)}）"
        f"请于{local_time(due, zone)}前{LIMIT_WORDS[limit]}。\n"
        f"内容：{staff_summary(case.summary, 80)}"
    )


def awaited_step(case: Case, late: str, next_due: datetime) -> str:
    """Return the step (受理 or 办结) whose absence at `next_due` brings the next climb or reminder.

    The ladder moves only while a limit is exceeded. A case late only with
    its acknowledgement stops climbing once accepted, until its resolve limit
    runs out. So the next step is 受理 unless the resolve limit has passed or
    will have passed by `next_due`.

    Args:
        late: The limit that ran out: acknowledge or resolve.
    """
    if late == "resolve" or (case.resolve_due_at is not None and case.resolve_due_at <= next_due):
        return LIMIT_WORDS["resolve"]
    return LIMIT_WORDS["acknowledge"]


def skipped_rungs(skipped: tuple[Rung, ...]) -> str:
    """Name the rungs an escalation passed over because they have no registered staff, or return ""."""
    if not skipped:
        return ""
    names = "、".join(RUNG_LABELS[rung] for rung in skipped)
    both = "均" if len(skipped) > 1 else ""
    return f"{names}{both}没有登记工作人员，已跳过。"


def escalated_to_rung(
    case: Case, rung: Rung, due: datetime, zone: ZoneInfo, late: str, skipped: tuple[Rung, ...] = ()
) -> str:
    """Tell the people of a new rung that a case is now theirs to supervise.

    Args:
        late: The limit that ran out: acknowledge or resolve.
        skipped: The rungs below `rung` that the climb passed over.
    """
    return (
        f"【督办】{case.compound.name} 工单 {case.number}（{case_title(case)}）{LATE_PHRASES[late]}，"
        f"现升级至{RUNG_LABELS[rung]}督办，原承办方：{party_name(case)}。{skipped_rungs(skipped)}\n"
        f"内容：{staff_summary(case.summary, 80)}\n"
        f"请于{local_time(due, zone)}前推动{awaited_step(case, late, due)}。"
    )


def escalated_for_party(case: Case, rung: Rung, late: str, skipped: tuple[Rung, ...] = ()) -> str:
    """Tell the first party that its case went up a rung, past any `skipped` ones, and remains its responsibility."""
    return (
        f"【督办提醒】工单 {case.number}（{case_title(case)}）{LATE_PHRASES[late]}，"
        f"已升级至{RUNG_LABELS[rung]}督办。{skipped_rungs(skipped)}贵方仍为首接责任方，请继续办理并及时反馈进展。"
    )


def overdue_at_top(case: Case, rung: Rung, next_due: datetime, zone: ZoneInfo, late: str) -> str:
    """Remind everyone on an overdue case that no rung above can take it.

    Args:
        next_due: When the sweep reminds again if the awaited step is still missing.
        late: The limit that ran out: acknowledge or resolve.
    """
    if rung is Rung.STREET:
        where = "已处于街道三方办督办，这是最高一级。"
        whistle = f"如需职能部门处理，请街道三方办发送“吹哨 {case.number} 部门”。"
    else:
        where = f"已处于{RUNG_LABELS[rung]}督办，上级没有登记工作人员，无法继续升级。"
        whistle = ""
    resolve_due = ""
    if late == "acknowledge" and case.resolve_due_at is not None:
        resolve_due = f"办结时限为{local_time(case.resolve_due_at, zone)}。"
    return (
        f"【超时督办】{case.compound.name} 工单 {case.number}（{case_title(case)}）{LATE_PHRASES[late]}。"
        f"{resolve_due}{where}承办方：{party_name(case)}。\n"
        f"内容：{staff_summary(case.summary, 80)}\n"
        f"请承办方尽快办理并反馈进展，督办方继续跟进。{whistle}"
        f"到{local_time(next_due, zone)}仍未{awaited_step(case, late, next_due)}的，将再次提醒。"
    )


def triage_reminder(case: Case, zone: ZoneInfo) -> str:
    """Remind the liaison officer that a case still waits for its category."""
    return (
        f"【待分类提醒】{case.compound.name} 工单 {case.number} 于{local_time(case.opened_at, zone)}登记，"
        f"至今未确认类别，还没有派给承办方。\n"
        f"内容：{staff_summary(case.summary, 80)}\n"
        f"系统初判为“{CATEGORY_LABELS.get(case.category, case.category)}”。"
        f"请回复“分类 {case.number} 类别”确认，例如“分类 {case.number} 设施报修”。"
    )


def triage_chaser(case: Case, zone: ZoneInfo) -> str:
    """Tell the branch secretary and the liaison officer that a case still waits for its category."""
    return (
        f"【待分类督办】{case.compound.name} 工单 {case.number} 于{local_time(case.opened_at, zone)}登记，"
        f"至今未确认类别，还没有派给承办方，居民仍在等待处理。\n"
        f"内容：{staff_summary(case.summary, 80)}\n"
        f"请小区专员尽快回复“分类 {case.number} 类别”派单，党组织书记请督促跟进。"
    )


def escalated_by_command(case: Case, rung: Rung, actor: str, reason: str) -> str:
    """Build the notice for the new rung when an officer escalates a case with 升级."""
    return (
        f"【督办】{case.compound.name} 工单 {case.number}（{case_title(case)}）"
        f"经{actor}提请，现升级至{RUNG_LABELS[rung]}督办，原承办方：{party_name(case)}。\n"
        f"原因：{mask_contacts(reason)}\n"
        f"内容：{staff_summary(case.summary, 80)}\n"
        f"请督促承办方尽快办结。"
    )


def rating_reminder(case: Case) -> str:
    return (
        f"您好，工单 {case.number}（{case_title(case)}）已办结一天，还未收到您的评价。"
        f"请回复“评价 {case.number} 满意”“基本满意”或“不满意”；如问题仍在，可回复“重开 {case.number} 原因”。"
    )
