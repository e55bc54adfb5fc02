"""The texts the bot sends about cases, in the tone of a public service desk."""

from __future__ import annotations

import re

from handlers.masking import mask_contacts, mask_for_group, mask_name
from models import Case, CaseStatus
from nlp.cues import DangerKind
from nlp.findings import Location
from nlp.labels import CATEGORY_LABELS, COMPOUND_WIDE

SUMMARY_CHARS = 40


def case_location(case: Case) -> str:
    return Location(case.building, case.unit, case.room, case.place).describe()


# Who handles a case awaiting triage, as 查询 shows it: nobody until the officer picks a category.
TRIAGE_HOLDER = "待小区专员确认"


def case_title(case: Case) -> str:
    """Return e.g. 设施报修·紧急, the label residents see next to a case number.

    A case awaiting triage shows 待分类, because its category is only the
    classifier's unsure guess.
    """
    if case.status == CaseStatus.TRIAGE:
        return "待分类"
    label = CATEGORY_LABELS.get(case.category, case.category)
    return f"{label}·紧急" if case.urgent else label


# The classifier normalises punctuation to ASCII; people expect Chinese marks
# between Chinese words.
_ASCII_MARKS = {",": "，", "!": "！", "?": "？", ";": "；", ":": "："}
_ASCII_MARK_AFTER_CJK = re.compile(r"(?<=[\u4e00-\u9fff])[,!?;:]")


def short_summary(text: str, limit: int = SUMMARY_CHARS) -> str:
    """Collapse whitespace, cut to a limit and drop trailing punctuation before our own."""
    text = " ".join(text.split())
    text = _ASCII_MARK_AFTER_CJK.sub(lambda m: _ASCII_MARKS[m.group(0)], text)
    if len(text) > limit:
        return text[: limit - 1] + "…"
    return text.rstrip("，,。.！!？?；;～~ ")


def staff_summary(text: str, limit: int) -> str:
    """Shorten a resident's text for a notice to staff, with phone and ID numbers masked.

    The masking runs before the cut, so a cut never leaves half a number unmasked.
    """
    return short_summary(mask_contacts(text), limit)


def party_name(case: Case) -> str:
    return case.party.name if case.party is not None else "小区党组织"


def quoted(text: str) -> str:
    """Put a resident's own words in 「」, so they read apart from the bot's sentence."""
    return f"「{text}」"


def group_summary(case: Case) -> str:
    """Where and what, masked for the group: 3栋2单元****「电梯又坏了」."""
    # Mask before shortening, so a cut never leaves half a phone number unmasked.
    summary = short_summary(mask_for_group(case.summary))
    location = mask_for_group(case_location(case))
    # A location that is only a masked room number gives neighbours nothing,
    # and one the resident already wrote (3号楼 for 3栋) would appear twice.
    if location.strip("*") and location not in summary and not _names_building(summary, case.building):
        if not _names_parking_space(summary, case.place):
            return f"{location}{quoted(summary)}"
    return quoted(summary)


def _names_building(text: str, building: str | None) -> bool:
    if not building:
        return False
    return any(f"{building}{word}" in text for word in ("栋", "号楼", "幢", "座", "号"))


def _names_parking_space(text: str, place: str | None) -> bool:
    # 车位 0123 in the text is the place 0123号车位.
    if not place or not place.endswith("号车位"):
        return False
    return place.removesuffix("号车位") in text.upper()


# The first thing to do for each kind of danger, the line an urgent group
# acknowledgement opens with. No phone number appears here except the
# national ones (110 police, 119 fire and rescue, 120 ambulance), because
# the gas company's and the lift company's numbers differ by city and lift.
EMERGENCY_ADVICE = {
    DangerKind.FIRE: "请立即拨打119，走楼梯撤离，不要乘电梯。",
    DangerKind.GAS: "请不要开关电器，开窗并撤离，到室外拨打119或燃气公司抢修电话。",
    DangerKind.POLICE: "请立即拨打110，注意自身安全。",
    DangerKind.MEDICAL: "请立即拨打120急救电话。",
    DangerKind.LIFT: "被困人员请按电梯警铃，并拨打电梯内的救援电话或119。",
    DangerKind.ELECTRIC: "请远离漏电处和电线，不要触碰；有人触电请拨打120。",
    DangerKind.FLOOD: "请关闭总阀、远离电源，注意安全。",
    DangerKind.FALLING: "请远离下方区域，提醒邻居绕行；有人受伤请拨打120。",
}
# For an urgent report whose words name no kind of danger ("救命！").
GENERAL_EMERGENCY_ADVICE = "如有危险，请立即拨打110、119或120。"


def emergency_advice(danger: DangerKind | None) -> str:
    """Return the first thing to do for a kind of danger, or the general line when the kind is unknown."""
    return EMERGENCY_ADVICE[danger] if danger else GENERAL_EMERGENCY_ADVICE


def opened_for_group(case: Case, response_phrase: str, danger: DangerKind | None = None) -> str:
    """Tell the group a case was opened, who handles it and by when.

    An urgent case opens with what to do right now, chosen by `danger`, and
    states its limit as an urgent one.
    """
    opened = (
        f"已登记：工单 {case.number}（{case_title(case)}）{group_summary(case)}，"
        f"已转{party_name(case)}处理"
    )
    query = f"发送“查询 {case.number}”可看进度。"
    if not case.urgent:
        return f"{opened}，{response_phrase}。{query}"
    return f"{emergency_advice(danger)}\n{opened}。\n紧急工单：{response_phrase}。{query}"


def urgent_raised_for_group(case: Case, limit_phrase: str, danger: DangerKind | None = None) -> str:
    """Tell the group that a reporter's urgent follow-up made their case urgent, opening with what to do now."""
    advice = EMERGENCY_ADVICE[danger] if danger else GENERAL_EMERGENCY_ADVICE
    return (
        f"{advice}\n已收到：工单 {case.number}（{case_title(case)}）已改为紧急工单，"
        f"补充情况已转告{party_name(case)}。\n紧急工单：{limit_phrase}。发送“查询 {case.number}”可看进度。"
    )


def urgent_raised_for_reporter(case: Case, advice: str) -> str:
    """Tell a co-reporter privately that the case they joined became urgent, opening with what to do now."""
    return (
        f"{advice}\n您好，您反映过的工单 {case.number}（{case_title(case)}）已改为紧急工单，"
        f"已转告{party_name(case)}加急处理。发送“查询 {case.number}”可看进度。"
    )


def urgent_raised_for_reporters_group(case: Case, advice: str) -> str:
    """Tell a group whose residents joined a case that it became urgent, opening with what to do now."""
    return (
        f"{advice}\n工单 {case.number}（{case_title(case)}）{group_summary(case)}已改为紧急工单，"
        f"已转告{party_name(case)}加急处理。本群反映过此问题的居民请注意安全，发送“查询 {case.number}”可看进度。"
    )


def triage_for_group(case: Case) -> str:
    """Tell the group a case was registered and waits for its category, shaped like opened_for_group."""
    return (
        f"已收到：工单 {case.number}（待分类）{group_summary(case)}，"
        f"小区专员确认类别后将尽快派单。发送“查询 {case.number}”可看进度。"
    )


def joined_for_group(case: Case, advice: str = "") -> str:
    """Tell the group a report joined an open case, so neighbours stop re-reporting.

    `advice` is an emergency advice line (see emergency_advice) put first,
    as an urgent acknowledgement puts it.
    """
    joined = (
        f"已记录：该问题已有工单 {case.number}（{case_title(case)}，已有{case.reporter_count}位居民反映），"
        f"{_who_handles(case)}，无需重复报告。发送“查询 {case.number}”可看进度。"
    )
    return f"{advice}\n{joined}" if advice else joined


def _who_handles(case: Case) -> str:
    if case.status == CaseStatus.TRIAGE:
        return "小区专员确认类别后将尽快派单"
    return f"正由{party_name(case)}处理"


def location_added(case: Case) -> str:
    """Thank a reporter who named the place of their own case afterwards."""
    where = mask_for_group(case_location(case))
    return (
        f"已补充位置：工单 {case.number} 的位置记为{where}，{_who_handles(case)}。"
        f"发送“查询 {case.number}”可看进度。"
    )


def location_corrected(case: Case) -> str:
    """Confirm a reporter's correction of where their case is."""
    where = mask_for_group(case_location(case))
    return f"已更正位置：工单 {case.number} 的位置改为{where}。发送“查询 {case.number}”可看进度。"


def location_already(case: Case) -> str:
    """Tell a reporter whose correction names the building their case already has that nothing changed."""
    where = mask_for_group(case_location(case))
    return f"工单 {case.number} 登记的位置就是{where}，无需更正。发送“查询 {case.number}”可看进度。"


def locations_corrected(cases: list[Case]) -> str:
    """Confirm a reporter's correction of the building of several cases of one report."""
    if len(cases) == 1:
        return location_corrected(cases[0])
    changes = "，".join(f"工单 {case.number} 改为{mask_for_group(case_location(case))}" for case in cases)
    return f"已更正位置：{changes}。发送“查询”加工单号可看进度。"


def places_kept(cases: list[Case]) -> str:
    """Tell a reporter which cases of their report an address line left where they are, and why."""
    return f"{_where_each(cases)}，不在某一栋楼内，位置未改。"


def address_not_applied(cases: list[Case], location: Location) -> str:
    """Tell a reporter that an address line changed none of their report's cases, none being in a building."""
    where = mask_for_group(location.describe())
    every = "都" if len(cases) > 1 else ""
    return (
        f"收到“{where}”。{_where_each(cases)}，{every}不在某一栋楼内，位置没有改动。"
        "如果位置确实有误，请联系小区专员更正。"
    )


def report_buildings_differ(cases: list[Case], location: Location) -> str:
    """Tell a reporter that a correction changed nothing, because their report's cases are in different buildings."""
    where = mask_for_group(location.describe())
    each = "，".join(f"工单 {case.number} 在{mask_for_group(case_location(case))}" for case in cases)
    return (
        f"您这次反映的问题在不同楼栋：{each}。无法判断哪一单应改为{where}，位置暂未更改。"
        f"请联系小区专员，小区专员可以发送“改位置 工单号 {where}”更正。"
    )


def _where_each(cases: list[Case]) -> str:
    """Name where each case is, 工单 0003 在东门, and a compound-wide matter as such."""
    parts = []
    for case in cases:
        if case.category in COMPOUND_WIDE:
            parts.append(f"工单 {case.number} 涉及全小区")
        else:
            parts.append(f"工单 {case.number} 在{mask_for_group(case_location(case))}")
    return "，".join(parts)


def location_unchanged(case: Case, location: Location, *, officer_notified: bool) -> str:
    """Tell a reporter that the place of a case others joined stays until the liaison officer checks it."""
    where = Location(location.building, location.unit).describe()
    if officer_notified:
        check = f"已转告小区专员核实，确在{where}的，小区专员会用“改位置 {case.number}”更正。"
    else:
        check = f"如果位置确实有误，请联系小区专员核实，小区专员可以发送“改位置 {case.number} {where}”更正。"
    return f"工单 {case.number} 已有{case.reporter_count}位居民反映，位置暂不更改。{check}"


def location_disputed_for_officer(case: Case, proposed: Location, reporter_name: str) -> str:
    """Ask the liaison officer to check the place a reporter gives for a case others joined.

    The message ends with the 改位置 command that sets the proposed place.
    """
    where = proposed.describe()
    name = mask_name(reporter_name)
    return (
        f"【位置待核实】{case.compound.name} 工单 {case.number}（{case_title(case)}）\n"
        f"现记位置：{case_location(case) or '未注明'}\n"
        f"反映人{f'（{name}）' if name else ''}说应为：{where}\n"
        f"该工单已有{case.reporter_count}位居民反映，位置没有自动更改。"
        f"核实属实请回复“改位置 {case.number} {where}”。"
    )


def detail_added(case: Case) -> str:
    """Confirm that a reporter's follow-up line was recorded on their own case instead of opening another."""
    handled = "小区专员确认类别后将尽快派单" if case.status == CaseStatus.TRIAGE else f"并转告{party_name(case)}"
    return f"已收到，补充信息已记入工单 {case.number}，{handled}。发送“查询 {case.number}”可看进度。"


def already_reported(case: Case) -> str:
    return f"您已反映过该问题（工单 {case.number}），我们会持续跟进，发送“查询 {case.number}”可看进度。"


def opened_for_party(case: Case, reporter_name: str, response_phrase: str) -> str:
    """Tell the acting party about a new case; the party sees the full location."""
    lines = [
        f"【新工单】{case.compound.name} 工单 {case.number}（{case_title(case)}）",
        f"位置：{case_location(case) or '未注明'}",
        f"内容：{staff_summary(case.summary, 200)}",
        f"反映人：{mask_name(reporter_name) or '居民'}",
        f"时限：{response_phrase}。回复“受理 {case.number}”确认受理。",
    ]
    if case.external:
        lines.insert(3, "提示：问题原因可能在小区之外，需协调相关职能部门。")
    return "\n".join(lines)


def urgent_raised_for_party(case: Case, note: str, limit_phrase: str) -> str:
    """Tell the acting party that its case became urgent, with the reporter's words that made it so."""
    lines = [
        f"【转为紧急】{case.compound.name} 工单 {case.number}（{case_title(case)}）",
        f"位置：{case_location(case) or '未注明'}",
        f"内容：{staff_summary(case.summary, 200)}",
        f"紧急情况：{staff_summary(note, 200)}",
        f"时限：改按紧急工单计时，{limit_phrase}。",
    ]
    if case.acknowledged_at is None:
        lines[-1] += f"回复“受理 {case.number}”确认受理。"
    return "\n".join(lines)


def urgent_raised_copy_for_branch(case: Case, note: str, limit_phrase: str) -> str:
    """Copy to the party branch that a case another party handles became urgent."""
    lines = [
        f"【抄送·转为紧急】{case.compound.name} 工单 {case.number}（{case_title(case)}）",
        f"位置：{case_location(case) or '未注明'}",
        f"内容：{staff_summary(case.summary, 200)}",
        f"紧急情况：{staff_summary(note, 200)}",
        f"由{party_name(case)}处理，{limit_phrase}。请关注进展，必要时发送“升级 {case.number} 原因”。",
    ]
    return "\n".join(lines)


def urgent_copy_for_branch(case: Case, reporter_name: str, response_phrase: str) -> str:
    """Copy an urgent case to the party branch, which follows it but does not accept it."""
    lines = [
        f"【抄送·紧急】{case.compound.name} 工单 {case.number}（{case_title(case)}）",
        f"位置：{case_location(case) or '未注明'}",
        f"内容：{staff_summary(case.summary, 200)}",
        f"反映人：{mask_name(reporter_name) or '居民'}",
        f"已转{party_name(case)}处理，{response_phrase}。请关注进展，必要时发送“升级 {case.number} 原因”。",
    ]
    return "\n".join(lines)


def triage_for_officer(case: Case) -> str:
    """Ask the liaison officer to pick a category the model was unsure of."""
    guess = CATEGORY_LABELS.get(case.category, case.category)
    return (
        f"【待分类】{case.compound.name} 工单 {case.number}：{staff_summary(case.summary, 200)}\n"
        f"系统初判为“{guess}”，把握不大。请回复“分类 {case.number} 类别”确认，"
        f"例如“分类 {case.number} 设施报修”。"
    )


def unstaffed_phrase(case: Case) -> str:
    """Warn an officer that the party now acting on a case has no registered staff to notify."""
    name = party_name(case)
    return (
        f"注意：{name}没有登记工作人员，通知无法送达。"
        f"请发送“转派 {case.number} 承办方”改派，或请管理员为{name}登记工作人员。"
    )


def unstaffed_for_officer(case: Case) -> str:
    """Tell the branch that a new case went to a party with no registered staff."""
    head = f"【无人承办】{case.compound.name} 工单 {case.number}（{case_title(case)}）已派{party_name(case)}。"
    return head + unstaffed_phrase(case)


def nudge_for_party(case: Case) -> str:
    return (
        f"【催办】{case.compound.name} 工单 {case.number}（{case_title(case)}）"
        f"已有{case.reporter_count}位居民反映{priority_phrase(case)}，请尽快处理。"
    )


def bind_hint() -> str:
    return (
        "您好，本群尚未绑定小区，暂不能受理报事。请小区专员在群内发送“绑定 小区编码”完成绑定；"
        "绑定前7天内反映的问题，绑定后会自动登记为工单。"
    )


def registered_before_binding(case_lines: list[str]) -> str:
    """Tell a group that what it reported before it was bound is now registered."""
    return "本群绑定小区前反映的问题已转为工单：\n" + "\n".join(case_lines)


def more_registered(count: int, *, private: bool) -> str:
    """Close a shortened list of earlier reports with how many it left out and the command that shows them."""
    if private:
        return f"另有{count}条未列出，请发送“我的工单”查看。"
    return f"另有{count}条未列出，小区专员可发送“工单列表”查看。"


def staff_private_hint() -> str:
    """Tell a staff member in a private chat how to work with the bot, instead of asking where they live."""
    return (
        "您好，您是小区工作人员，在这里直接发送指令即可办理工单，"
        "例如“查询 0034”“受理 0034”“办结 0034 处理结果”。发送“帮助”查看全部指令。"
        "如需以居民身份反映自家或小区的问题，请发送“报事 地点和问题”，例如“报事 3栋2单元1002 厨房漏水”。"
    )


def apology() -> str:
    return "抱歉，系统处理您的消息时出了点问题，工作人员会尽快查看。"


# The maximum characters of a staff note shown in a resident group. Officers
# write long notes for the record, but a group line taller than a screen buries
# what neighbours wrote, and a WeCom text message is limited to 2048 bytes
# (about 680 Chinese characters). The case and the reporter's message keep the whole note.
GROUP_NOTE_LIMIT = 200


def group_excerpt(case: Case, note: str) -> str:
    """Shorten a staff note for the resident group, marking the cut and where to read the rest."""
    if len(note) <= GROUP_NOTE_LIMIT:
        return note
    return f"{note[:GROUP_NOTE_LIMIT]}……（以上为节选，发送“查询 {case.number}”可看全文）"


def update_for_group(case: Case, phrase: str) -> str:
    """Build a short progress note for the group; the caller masks it before sending."""
    return f"工单 {case.number}（{case_title(case)}）{group_summary(case)}：{phrase}"


def update_for_reporter(case: Case, phrase: str, note: str = "", *, holder: str | None = None) -> str:
    """Build the detailed status a reporter gets in a private message.

    Args:
        holder: Who has the case now, when that is not its party: the
            office or officer that takes on a case leaving the compound.
    """
    lines = [f"您好，您反映的工单 {case.number}（{case_title(case)}）{phrase}"]
    if note:
        lines.append(f"说明：{note}")
    lines.append(f"承办：{holder or party_name(case)}。发送“查询 {case.number}”可看详细进度。")
    return "\n".join(lines)


def update_for_party(case: Case, heading: str, note: str = "") -> str:
    """Build a message for the party acting on a case, with the full location for staff."""
    lines = [
        f"【{heading}】{case.compound.name} 工单 {case.number}（{case_title(case)}）",
        f"位置：{case_location(case) or '未注明'}",
        f"内容：{staff_summary(case.summary, 200)}",
        f"反映人数：{case.reporter_count}{priority_phrase(case)}",
    ]
    if note:
        lines.append(f"说明：{mask_contacts(note)}")
    return "\n".join(lines)


def priority_phrase(case: Case) -> str:
    """Return "（优先级：高）" for a case many residents reported, else nothing."""
    return {1: "（优先级：高）", 2: "（优先级：最高）"}.get(case.priority, "")
