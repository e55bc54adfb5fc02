"""分类: the liaison officer picks the category of a case the classifier was unsure of."""

from __future__ import annotations

from handlers import workflow
from handlers.commands.base import CommandContext, CommandSpec
from handlers.commands.common import case_by_number, command_access, first_arg, respond
from handlers.corrections import append_after_commit
from handlers.errors import BadCommand
from handlers.limits import deadlines_for
from handlers.messages import Reply
from handlers.permissions import Level, require_officer
from handlers.replies import opened_for_party, party_name, update_for_group, update_for_reporter
from models import Case, Member
from nlp.labels import CATEGORY_LABELS, CHAT

_BY_LABEL = {label: key for key, label in CATEGORY_LABELS.items()}


def category_by_word(word: str) -> str:
    """Read a category by its Chinese label (设施报修) or key (repair).

    Raises:
        BadCommand: The word names no category that opens a case.
    """
    key = _BY_LABEL.get(word, word.lower())
    if key not in CATEGORY_LABELS or key == CHAT:
        choices = "、".join(label for key, label in CATEGORY_LABELS.items() if key != CHAT)
        msg = f"“{word}”不是已知的类别，可选：{choices}。"
        raise BadCommand(msg)
    return key


async def triage(ctx: CommandContext) -> list[Reply]:
    number = first_arg(ctx, "分类 0035 设施报修")
    compound, access = await command_access(ctx)
    case = await case_by_number(ctx, compound, number)
    require_officer(access, "triage", "确认工单类别")
    if len(ctx.args) < 2:
        msg = f"请写上类别，例如：分类 {case.number} 设施报修"
        raise BadCommand(msg)
    category = category_by_word(ctx.args[1])
    await workflow.classify(ctx.session, case, category, actor=ctx.member, now=ctx.now)
    append_after_commit(ctx.session, ctx.corrections_path, case)

    phrase = deadlines_for(case.category, case.urgent, ctx.now).response_phrase
    label = CATEGORY_LABELS[category]
    return await respond(
        ctx,
        case,
        confirmation=f"工单 {case.number} 已确认为“{label}”，已派{party_name(case)}处理。",
        group_note=update_for_group(
            case, f"已确认为“{label}”，已转{party_name(case)}处理，{phrase}。"
        ),
        detail=update_for_reporter(case, f"已转{party_name(case)}处理，{phrase}。"),
        party_note=opened_for_party(case, await _reporter_name(ctx, case), phrase),
    )


async def _reporter_name(ctx: CommandContext, case: Case) -> str:
    """Return the first reporter's display name; the party's notice shows it masked."""
    if case.reporter_id is None:
        return ""
    reporter = await ctx.session.get(Member, case.reporter_id)
    return reporter.display_name if reporter is not None else ""


SPEC = CommandSpec(
    name="triage",
    verbs=("分类",),
    handler=triage,
    help="确认待分类工单的类别并派单",
    example="分类 0035 设施报修",
    audience=Level.OFFICER,
)
