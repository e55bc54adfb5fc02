"""合并 and 拆分: officers join two reports of one problem, or separate two problems."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select

from handlers import workflow
from handlers.commands.base import _TWO_CASE_NUMBERS, CommandContext, CommandSpec, reply_here
from handlers.commands.common import case_by_number, case_number_argument, command_access, respond, text_after
from handlers.errors import BadCommand
from handlers.limits import deadlines_for
from handlers.masking import mask_name
from handlers.messages import PartyTarget, Reply
from handlers.notices import local_time
from handlers.permissions import Level, require_officer
from handlers.replies import (
    case_title,
    emergency_advice,
    opened_for_party,
    party_name,
    update_for_group,
    update_for_party,
    update_for_reporter,
)
from handlers.updates import announce
from handlers.urgent_notices import urgent_notices_for_parties, urgent_notices_for_reporters
from models import Case, CaseReporter, Member
from nlp.cues import find_danger
from nlp.normalize import normalize


async def merge(ctx: CommandContext) -> list[Reply]:
    """合并 0035 0034: case 0035 joins case 0034."""
    await case_number_argument(ctx, "合并 0035 0034")
    pair = _TWO_CASE_NUMBERS.match(ctx.args[0]) if len(ctx.args) == 1 else None
    if pair is not None:
        # 合并 0035，0034: the two numbers were typed as one word.
        ctx.args = list(pair.groups())
    if len(ctx.args) < 2:
        msg = "请写上两个工单号，前一个并入后一个，例如：合并 0035 0034"
        raise BadCommand(msg)
    compound, access = await command_access(ctx)
    require_officer(access, "merge", "合并工单")
    source = await case_by_number(ctx, compound, ctx.args[0])
    target = await case_by_number(ctx, compound, ctx.args[1])
    was_urgent = target.urgent
    # The source's reporters know of its urgency since they reported it.
    source_members = set(
        await ctx.session.scalars(select(CaseReporter.member_id).where(CaseReporter.case_id == source.id))
    )
    await workflow.merge(ctx.session, source, target, actor=ctx.member, now=ctx.now)

    phrase = f"与工单 {target.number} 是同一问题，已合并，请发送“查询 {target.number}”看进度。"
    replies = await respond(
        ctx,
        source,
        confirmation=(
            f"工单 {source.number} 已并入工单 {target.number}，"
            f"共{target.reporter_count}位居民反映。"
        ),
        group_note=update_for_group(source, phrase),
        detail=(
            f"您好，您反映的工单 {source.number}（{case_title(source)}）与工单 {target.number} "
            f"是同一问题，已合并。\n承办：{party_name(target)}。"
            f"发送“查询 {target.number}”可看详细进度。"
        ),
    )
    # The target's party hears that more residents are waiting on it now.
    if target.party is not None:
        note = update_for_party(target, "工单合并", f"工单 {source.number} 已并入本工单。")
        replies.append(
            Reply(PartyTarget(target.party.id, target.party.name), note, target.id, "party")
        )
    # The source's party got it as a new case. When another party handles
    # the target, this notice releases the source's party from it.
    if source.party is not None and source.party_id != target.party_id:
        note = (
            f"【工单合并】{source.compound.name} 工单 {source.number}：与工单 {target.number} 是同一问题，"
            f"已并入工单 {target.number}，由{party_name(target)}承办，贵方无需再处理。"
        )
        replies.append(Reply(PartyTarget(source.party.id, source.party.name), note, source.id, "party"))
    if target.urgent and not was_urgent:
        note = f"并入的工单 {source.number}：{source.summary}"
        replies += urgent_notices_for_parties(target, note, _merged_limit_phrase(target, ctx.zone))
        danger = find_danger(normalize(source.summary)) or find_danger(normalize(target.summary))
        replies += await urgent_notices_for_reporters(
            ctx.session, target, emergency_advice(danger), exclude_member_ids=source_members | {ctx.member.id}
        )
    return replies


def _merged_limit_phrase(target: Case, zone: ZoneInfo) -> str:
    """State the deadlines of a case that a merge made urgent, as points in time.

    The merge keeps the earlier deadline of the two cases (see
    workflow.merge), which ran from the urgent case's opening, so a span
    such as 2小时内 counted from now would promise more time than the
    party has. An acknowledged case has met its response limit, so only
    the resolve deadline is news.
    """
    parts = []
    if target.acknowledged_at is None and target.response_due_at is not None:
        parts.append(f"{local_time(target.response_due_at, zone)}前响应")
    if target.resolve_due_at is not None:
        parts.append(f"{local_time(target.resolve_due_at, zone)}前办结")
    return "，".join(parts) or "请尽快处理"


async def split(ctx: CommandContext) -> list[Reply]:
    """拆分 0034 2 [说明]: the 2nd reporter of 0034 gets a case of their own."""
    number = await case_number_argument(ctx, "拆分 0034 2")
    if len(ctx.args) < 2 or not ctx.args[1].isdigit():
        msg = f"请写上要拆出的反映人序号（见“查询 {number}”的办理记录），例如：拆分 {number} 2"
        raise BadCommand(msg)
    compound, access = await command_access(ctx)
    require_officer(access, "split", "拆分工单")
    source = await case_by_number(ctx, compound, number)
    new_case = await workflow.split(
        ctx.session,
        source,
        int(ctx.args[1]),
        actor=ctx.member,
        now=ctx.now,
        note=text_after(ctx, 2),
    )
    phrase = deadlines_for(new_case.category, new_case.urgent, ctx.now).response_phrase
    # The group followed one case, so the note names the reporter whose problem now has its own case.
    reporter = await ctx.session.get(Member, new_case.reporter_id) if new_case.reporter_id else None
    reporter_label = mask_name(reporter.display_name) if reporter is not None and reporter.display_name else "一位居民"
    replies = [
        reply_here(
            ctx,
            f"已从工单 {source.number} 拆分出工单 {new_case.number}（{reporter_label}反映），"
            f"由{party_name(new_case)}处理。",
            case_id=new_case.id,
        )
    ]
    replies += await announce(
        ctx.session,
        new_case,
        detail=update_for_reporter(
            new_case, f"已单独登记为新工单，由{party_name(new_case)}处理，{phrase}。"
        ),
        group_note=update_for_group(
            new_case,
            f"{reporter_label}反映的问题已从工单 {source.number} 中拆出，"
            f"单独登记，由{party_name(new_case)}处理。",
        ),
        skip_chat_id=ctx.chat.id,
        skip_thread_id=ctx.message.thread_id,
        exclude_member_id=ctx.member.id,
        party_note=opened_for_party(new_case, reporter.display_name if reporter is not None else "", phrase),
    )
    return replies


SPECS = (
    CommandSpec(
        "merge", ("合并",), merge, "把重复的工单并入另一个", "合并 0035 0034", Level.OFFICER
    ),
    CommandSpec(
        "split", ("拆分",), split, "把一位反映人的问题拆成新工单", "拆分 0034 2", Level.OFFICER
    ),
)
