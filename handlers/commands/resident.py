"""Commands residents use on their own cases: 补充, 撤回, 评价 and 我的工单."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import workflow
from handlers.cases import follow_merges, record_event
from handlers.commands.base import CommandContext, CommandSpec, reply_here
from handlers.commands.common import case_by_number, case_number_argument, command_access, respond, text_after
from handlers.errors import BadCommand
from handlers.follow_ups import OwnCase, raise_to_urgent
from handlers.masking import mask_for_group, mask_for_private_chat
from handlers.messages import PartyTarget, Reply
from handlers.permissions import deny, is_reporter, require_reporter_or_staff
from handlers.replies import (
    case_title,
    party_name,
    short_summary,
    update_for_group,
    update_for_party,
    update_for_reporter,
)
from handlers.workflow import RATING_LABELS, Rating, rating_for_score, status_label
from models import Attachment, Case, CaseEvent, CaseReporter, CaseStatus, ChatGroup, ChatKind, Member, RawMessage

MY_CASES_SHOWN = 10
NO_CASES_TEXT = "您目前没有反映过的工单。直接发消息描述遇到的问题即可登记。"
RATED_EVENT = workflow.Action.RATE.value
RATING_REPLACED_EVENT = "rating_replaced"
_RATING_WORDS = {label: rating for rating, label in RATING_LABELS.items()}
# Residents grade with an adverb as often as without one: 很满意, 非常不满意.
_RATING_ADVERBS = ("很", "非常", "十分", "特别", "挺", "太")
_RATING_WORDS |= {
    adverb + label: rating
    for rating, label in RATING_LABELS.items()
    if rating is not Rating.BASIC
    for adverb in _RATING_ADVERBS
}
_RATING_WORDS["不太满意"] = Rating.UNSATISFIED
# The marks that end a chat line: 满意！, 5分。
_TRAILING_MARKS = re.compile(r"[。.．!！~～…]+$")
# A rating with a comment after a punctuation mark and no space, in folded
# text: 不满意，还是有人抽 or 4分,师傅来得快. Longer words first, so 不满意 is
# not read as 满意.
_GLUED_RATING = re.compile(
    r"^("
    + "|".join(sorted(map(re.escape, _RATING_WORDS), key=len, reverse=True))
    + r"|[1-5]分?)([,.;:!?~…]+)(?=\S)"
)


async def add_info(ctx: CommandContext) -> list[Reply]:
    """补充 0034 文字（可附照片）: more detail for a case, forwarded to a merged case's target."""
    number = await case_number_argument(ctx, "补充 0034 漏水已经流到楼道了")
    compound, access = await command_access(ctx)
    case = await case_by_number(ctx, compound, number)
    await require_reporter_or_staff(ctx.session, access, ctx.member, case, "add_info", "补充信息")
    case = await follow_merges(ctx.session, case)
    text = text_after(ctx, 1)
    if not text and not ctx.message.attachments:
        msg = f"请写上补充内容或附上照片，例如：补充 {case.number} 漏水已经流到楼道了"
        raise BadCommand(msg)

    for item in ctx.message.attachments:
        ctx.session.add(
            Attachment(
                raw_message_id=ctx.raw.id,
                case_id=case.id,
                kind=item.kind,
                media_id=item.media_id,
                url=item.url,
                file_path=item.file_path,
                meta=item.meta,
            )
        )
    ctx.raw.case_id = case.id
    record_event(
        ctx.session,
        case,
        "info_added",
        actor=ctx.member,
        at=ctx.now,
        note=text,
        data={"attachments": len(ctx.message.attachments), "raw_message_id": ctx.raw.id},
    )
    case.updated_at = ctx.now
    raised = await _raise_if_urgent(ctx, case, text)
    if raised is not None:
        return raised
    photos = f"（附{len(ctx.message.attachments)}个附件）" if ctx.message.attachments else ""
    if CaseStatus(case.status) is CaseStatus.TRIAGE:
        # Nothing reaches a party before triage; 分类 forwards what was added.
        text = f"已收到，补充信息{photos}已记入工单 {case.number}。工单尚待小区专员确认类别，派单后将一并转给承办方。"
        return [reply_here(ctx, text, case_id=case.id)]
    party_note = update_for_party(case, "补充信息", f"{text}{photos}") if case.party else None
    replies = [
        reply_here(
            ctx,
            f"已收到，补充信息{photos}已记入工单 {case.number}，并转告{party_name(case)}。",
            case_id=case.id,
        )
    ]
    if party_note and case.party is not None:
        replies.append(Reply(PartyTarget(case.party.id, case.party.name), party_note, case.id, "party"))
    return replies


async def _raise_if_urgent(ctx: CommandContext, case: Case, text: str) -> list[Reply] | None:
    """Make an open routine case urgent when the added text reports danger now; return the replies, or None.

    「补充 0001 电梯里有人被困了！快来人」 is the same news as the line without
    the command, which makes the sender's own case urgent, so it gets the
    same limits, notices and advice (handlers.follow_ups.raise_to_urgent).
    """
    if ctx.classify is None or not text or case.urgent or not CaseStatus(case.status).is_open:
        return None
    finding = next((f for f in ctx.classify(text) if f.urgent), None)
    if finding is None:
        return None
    # The case's text and the added line read together name the danger,
    # as for a follow-up line ("电梯又坏了" and "人都困在里面了" name a lift).
    reading = ctx.classify(f"{case.summary}，{text}")[0]
    replies, _placed = await raise_to_urgent(
        ctx.session, ctx.raw, ctx.message, OwnCase(case, reading), ctx.member, finding, ctx.now
    )
    return replies


async def withdraw(ctx: CommandContext) -> list[Reply]:
    """撤回 0034 [原因]: the reporter who opened a case closes it, and a co-reporter leaves it.

    A case whose opener was split off to a case of their own has only
    co-reporters. The last of them closes it, because nobody else is
    left to follow it.
    """
    number = await case_number_argument(ctx, "撤回 0034 已经自己修好了")
    compound, access = await command_access(ctx)
    case = await case_by_number(ctx, compound, number)
    if case.reporter_id != ctx.member.id:
        joined = await _co_report(ctx, case)
        if joined is None and await _left_before(ctx, case):
            msg = f"您已撤回在工单 {case.number} 中的反映，无需再次撤回。发送“我的工单”可查看您现在反映的工单。"
            raise BadCommand(msg)
        if joined is None:
            raise deny(access, "withdraw", f"抱歉，只有反映过工单 {case.number} 的居民可以撤回。")
        if case.reporter_id is not None or case.reporter_count > 1:
            return await _leave_case(ctx, case, joined)
    if case.reporter_count > 1:
        msg = (
            f"工单 {case.number} 还有其他{case.reporter_count - 1}位居民反映，不能撤回。"
            f"如您这边已解决，可发送“补充 {case.number} 说明”。"
        )
        raise BadCommand(msg)
    reason = text_after(ctx, 1)
    workflow.withdraw(ctx.session, case, actor=ctx.member, now=ctx.now, reason=reason)
    return await respond(
        ctx,
        case,
        confirmation=f"工单 {case.number} 已撤回，感谢您的反馈。",
        group_note=update_for_group(case, "反映人已撤回。"),
        detail=update_for_reporter(case, "已撤回。", reason),
        party_note=update_for_party(case, "工单撤回", reason or "反映人已撤回，无需处理。"),
    )


async def _left_before(ctx: CommandContext, case: Case) -> bool:
    """Tell whether the sender joined the case once and took their report back with 撤回."""
    left = await ctx.session.scalar(
        select(func.count())
        .select_from(CaseEvent)
        .where(
            CaseEvent.case_id == case.id,
            CaseEvent.kind == "co_reporter_removed",
            CaseEvent.actor_id == ctx.member.id,
        )
    )
    return bool(left)


async def _co_report(ctx: CommandContext, case: Case) -> CaseReporter | None:
    return await ctx.session.scalar(
        select(CaseReporter).where(CaseReporter.case_id == case.id, CaseReporter.member_id == ctx.member.id)
    )


async def _leave_case(ctx: CommandContext, case: Case, joined: CaseReporter) -> list[Reply]:
    """Take a co-reporter's report back off a case that someone else opened.

    The case stays open for the others. The co-reporter's message is not
    reclassified, so the reply tells them to send their problem again if it
    was a different one. The case keeps its priority, because an officer may
    have set it.
    """
    if case.status not in CaseStatus.open_statuses():
        msg = f"工单 {case.number} 当前状态为“{status_label(case)}”，不能撤回。"
        raise BadCommand(msg)

    if joined.raw_message_id is not None:
        raw = await ctx.session.get(RawMessage, joined.raw_message_id)
        if raw is not None and raw.case_id == case.id:
            raw.case_id = None
    await ctx.session.delete(joined)
    case.reporter_count = max(1, case.reporter_count - 1)
    case.updated_at = ctx.now
    reason = text_after(ctx, 1)
    record_event(
        ctx.session,
        case,
        "co_reporter_removed",
        actor=ctx.member,
        at=ctx.now,
        note=reason,
        data={"count": case.reporter_count},
    )
    text = (
        f"已撤回您在工单 {case.number} 中的反映，该工单仍由其他居民跟进。"
        "如果您反映的是另一个问题，请重新描述一次（最好写明楼栋），我们会单独登记。"
    )
    return [reply_here(ctx, text, case_id=case.id)]


def _detach_glued_comment(ctx: CommandContext) -> None:
    """Replace the punctuation marks between a rating and its comment (不满意，还是有人抽) with a space."""
    glued = _GLUED_RATING.match(ctx.args[1]) if len(ctx.args) > 1 else None
    if glued is None:
        return
    # Folding maps one character to one, so the offsets hold in the typed rest too.
    start = [word.start() for word in re.finditer(r"\S+", ctx.rest)][1]
    rating_end, comment_start = start + glued.end(1), start + glued.end(2)
    ctx.rest = f"{ctx.rest[:rating_end]} {ctx.rest[comment_start:]}"
    ctx.args[1:2] = [glued.group(1), ctx.args[1][glued.end(2) :]]


def parse_rating(words: list[str]) -> tuple[Rating, int | None, int]:
    """Read 满意 / 基本满意 / 不满意, or a score of 1-5 (also written 4分 or ５).

    Returns:
        The rating, the score if one was given, and how many words it took.

    Raises:
        BadCommand: No rating could be read.
    """
    if not words:
        msg = "请写上评价：满意、基本满意、不满意，或1-5分。"
        raise BadCommand(msg)
    word = _TRAILING_MARKS.sub("", words[0]).removesuffix("分")
    if word in _RATING_WORDS:
        return _RATING_WORDS[word], None, 1
    digits = word.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if digits.isdigit():
        score = int(digits)
        return rating_for_score(score), score, 1
    msg = f"“{words[0]}”不是有效的评价，请写满意、基本满意、不满意，或1-5分。"
    raise BadCommand(msg)


async def rate(ctx: CommandContext) -> list[Reply]:
    """评价 0034 满意 [意见] or 评价 0034 4 [意见]."""
    number = await case_number_argument(ctx, "评价 0034 满意")
    compound, access = await command_access(ctx)
    case = await case_by_number(ctx, compound, number)
    if not await is_reporter(ctx.session, ctx.member, case):
        raise deny(access, "rate", f"抱歉，只有工单 {case.number} 的反映人可以评价。")
    _detach_glued_comment(ctx)
    rating, score, used = parse_rating(ctx.args[1:])
    comment = text_after(ctx, 1 + used)
    replaced = await _replace_earlier_ratings(ctx, case)
    workflow.rate(ctx.session, case, rating, actor=ctx.member, now=ctx.now, score=score, comment=comment)
    label = RATING_LABELS[rating]

    if rating is Rating.UNSATISFIED:
        note = f"居民评价不满意{'：' + comment if comment else ''}"
        return await respond(
            ctx,
            case,
            confirmation=(f"很抱歉问题没有解决好。工单 {case.number} 已重新打开，{party_name(case)}将继续处理。"),
            group_note=update_for_group(case, "反映人评价不满意，工单已重新打开，将继续跟进。"),
            detail=update_for_reporter(case, "已重新打开，将继续跟进。", note),
            party_note=update_for_party(case, "不满意·工单重开", f"{note}。回复“受理 {case.number}”确认受理。"),
            branch_note=update_for_party(case, "不满意·工单重开", note),
        )
    if replaced:
        return [reply_here(ctx, f"已更新您对工单 {case.number} 的评价（{label}），以本次评价为准。", case_id=case.id)]
    return [reply_here(ctx, f"感谢您的评价（{label}）！工单 {case.number} 已记录。", case_id=case.id)]


async def _replace_earlier_ratings(ctx: CommandContext, case: Case) -> bool:
    """Retire the sender's earlier ratings of the case's latest resolution; return whether there were any.

    Statistics count the case's "rated" events, so each resident's earlier
    rating is renamed "rating_replaced" and only the newest one counts. A
    rating given before the case was reopened rated an earlier resolution,
    so it still counts. The old events stay in the audit trail with their data.
    """
    last_reopened = await ctx.session.scalar(
        select(func.max(CaseEvent.id)).where(
            CaseEvent.case_id == case.id, CaseEvent.kind == workflow.Action.REOPEN.value
        )
    )
    earlier = list(
        await ctx.session.scalars(
            select(CaseEvent).where(
                CaseEvent.case_id == case.id,
                CaseEvent.kind == RATED_EVENT,
                CaseEvent.actor_id == ctx.member.id,
                CaseEvent.id > (last_reopened or 0),
            )
        )
    )
    for event in earlier:
        event.kind = RATING_REPLACED_EVENT
    return bool(earlier)


async def my_cases(ctx: CommandContext) -> list[Reply]:
    """我的工单: the cases the sender reported, newest first."""
    cases = await reported_cases(ctx.session, ctx.member)
    if not cases:
        return [reply_here(ctx, NO_CASES_TEXT)]
    return [reply_here(ctx, reported_cases_text(cases, ctx.member, ctx.chat))]


async def reported_cases(session: AsyncSession, member: Member) -> list[Case]:
    """Return the newest MY_CASES_SHOWN cases the member reported or joined, newest first."""
    return list(
        await session.scalars(
            select(Case)
            .join(CaseReporter, CaseReporter.case_id == Case.id)
            .where(CaseReporter.member_id == member.id)
            .order_by(Case.opened_at.desc(), Case.id.desc())
            .limit(MY_CASES_SHOWN)
        )
    )


def reported_cases_text(cases: list[Case], member: Member, chat: ChatGroup) -> str:
    """Build the 我的工单 listing of a member's `cases` as read in `chat`."""
    lines = ["您反映的工单："]
    # Numbers restart in each compound, so they need the name once the cases
    # span several, or lie in another compound than this chat's.
    compound_ids = {case.compound_id for case in cases}
    named = len(compound_ids) > 1 or (chat.compound_id is not None and compound_ids != {chat.compound_id})
    for case in cases:
        if chat.kind == ChatKind.PRIVATE:
            # A co-reporter reads the first reporter's words, phone masked.
            summary = mask_for_private_chat(case.summary, full_phone=case.reporter_id == member.id)
        else:
            summary = mask_for_group(case.summary)
        number = f"{case.compound.name} {case.number}" if named else case.number
        lines.append(f"· {number} {case_title(case)} {status_label(case)} {short_summary(summary, 20)}")
    lines.append("发送“查询 工单号”可看详细进度。")
    return "\n".join(lines)


SPECS = (
    CommandSpec("add", ("补充",), add_info, "为工单补充信息或照片", "补充 0034 漏水已经流到楼道了"),
    CommandSpec("withdraw", ("撤回", "撤销"), withdraw, "撤回自己反映的工单", "撤回 0034 已经自己修好了"),
    CommandSpec("rate", ("评价",), rate, "评价已办结的工单", "评价 0034 满意"),
    CommandSpec("mine", ("我的工单",), my_cases, "查看我反映的工单", "我的工单"),
)
