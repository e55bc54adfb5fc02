"""分类 and 改类: the liaison officer sets the category of a case, or corrects it later.

In triage the officer picks the category the classifier was unsure of.
After triage both verbs correct a wrong category (handlers.commands.recategorize).
"""

from __future__ import annotations

from sqlalchemy import select

from handlers import workflow
from handlers.commands.base import CommandContext, CommandSpec
from handlers.commands.common import (
    case_by_number,
    case_number_argument,
    command_access,
    reporter_name,
    respond,
    unstaffed_warning,
)
from handlers.commands.recategorize import change_category
from handlers.corrections import append_after_commit
from handlers.errors import BadCommand
from handlers.limits import deadlines_for
from handlers.masking import mask_contacts
from handlers.messages import Reply
from handlers.permissions import Level, require_officer
from handlers.replies import opened_for_party, party_name, update_for_group, update_for_reporter
from models import Case, CaseEvent, CaseStatus
from nlp.labels import CATEGORY_LABELS, CHAT

_BY_LABEL = {label: key for key, label in CATEGORY_LABELS.items()}
# Short names officers type that begin no label: 物业费 is 物业收费, 群租 is
# 违建群租. A short name that begins a label (设施, 噪音) is read as a prefix.
_SHORT_NAMES = {
    "物业费": "fees",
    "收费": "fees",
    "报修": "repair",
    "卫生": "sanitation",
    "垃圾": "sanitation",
    "消防": "safety",
    "纠纷": "neighbor",
    "公共收益": "fund",
    "群租": "illegal_use",
    "水电": "utilities",
    "停水": "utilities",
    "停电": "utilities",
    "咨询": "policy",
    "关爱": "care",
}


def _key_for_word(word: str) -> str | None:
    """Find the category key a word names: a label, a short name, a key, or a prefix of exactly one label.

    Raises:
        BadCommand: The word is a prefix of several labels, so the officer has to pick one.
    """
    key = _BY_LABEL.get(word) or _SHORT_NAMES.get(word) or word.lower()
    if key in CATEGORY_LABELS:
        return key
    matches = [candidate for candidate, label in CATEGORY_LABELS.items() if label.startswith(word)]
    if len(matches) > 1:
        choices = "、".join(CATEGORY_LABELS[candidate] for candidate in matches)
        msg = f"“{word}”可以指多个类别：{choices}，请写出完整类别。"
        raise BadCommand(msg)
    return matches[0] if matches else None


def category_by_word(word: str) -> str:
    """Read a category by its Chinese label (设施报修), a unique prefix of it (设施) or its key (repair).

    Raises:
        BadCommand: The word names no category that opens a case, or is a prefix of several labels.
    """
    key = _key_for_word(word)
    if key is None or key == CHAT:
        choices = "、".join(label for key, label in CATEGORY_LABELS.items() if key != CHAT)
        msg = f"“{word}”不是已知的类别，可选：{choices}。"
        raise BadCommand(msg)
    return key


async def triage(ctx: CommandContext) -> list[Reply]:
    """分类 0035 设施报修: confirm the category of a case in triage, or correct a routed one."""
    return await _set_category(ctx, "分类")


async def recategorize(ctx: CommandContext) -> list[Reply]:
    """改类 0034 噪音扰民: correct the category of a case; in triage it confirms it as 分类 does."""
    return await _set_category(ctx, "改类")


async def _set_category(ctx: CommandContext, verb: str) -> list[Reply]:
    number = await case_number_argument(ctx, f"{verb} 0035 设施报修")
    compound, access = await command_access(ctx)
    case = await case_by_number(ctx, compound, number)
    in_triage = CaseStatus(case.status) is CaseStatus.TRIAGE
    if in_triage:
        require_officer(access, "triage", "确认工单类别")
    else:
        require_officer(access, "recategorize", "更改工单类别")
    if len(ctx.args) < 2:
        msg = f"请写上类别，例如：{verb} {case.number} 设施报修"
        raise BadCommand(msg)
    word = ctx.args[1]
    if word and _key_for_word(word) == CHAT:
        msg = f"“{word}”不是工单类别。如这条消息不需要处理，请发送“误报 {case.number}”关闭。"
        raise BadCommand(msg)
    category = category_by_word(word)
    if not in_triage:
        return await change_category(ctx, case, category)
    return await _classify(ctx, case, category)


async def _classify(ctx: CommandContext, case: Case, category: str) -> list[Reply]:
    event = await workflow.classify(ctx.session, case, category, actor=ctx.member, now=ctx.now)
    append_after_commit(ctx.session, ctx.corrections_path, event)

    phrase = deadlines_for(case.category, case.urgent, ctx.now).response_phrase
    label = CATEGORY_LABELS[category]
    warning = await unstaffed_warning(ctx, case)
    return await respond(
        ctx,
        case,
        confirmation=f"工单 {case.number} 已确认为“{label}”，已派{party_name(case)}处理。{warning}",
        group_note=update_for_group(
            case, f"已确认为“{label}”，已转{party_name(case)}处理，{phrase}。"
        ),
        detail=update_for_reporter(case, f"已转{party_name(case)}处理，{phrase}。"),
        party_note=opened_for_party(case, await reporter_name(ctx, case), phrase) + await _added_in_triage(ctx, case),
    )


async def _added_in_triage(ctx: CommandContext, case: Case) -> str:
    """Return the lines residents added with 补充 while the case awaited triage, for the party's first notice."""
    notes = await ctx.session.scalars(
        select(CaseEvent.note)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == "info_added", CaseEvent.note != "")
        .order_by(CaseEvent.at, CaseEvent.id)
    )
    return "".join(f"\n补充信息：{mask_contacts(note)}" for note in notes)


SPECS = (
    CommandSpec(
        name="triage",
        verbs=("分类",),
        handler=triage,
        help="确认待分类工单的类别并派单",
        example="分类 0035 设施报修",
        audience=Level.OFFICER,
    ),
    CommandSpec(
        name="recategorize",
        verbs=("改类", "更正类别"),
        handler=recategorize,
        help="更正工单类别，承办方随之改派",
        example="改类 0034 噪音扰民",
        audience=Level.OFFICER,
    ),
)
