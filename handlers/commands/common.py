"""Helpers the case commands share: finding the compound and the case, and access."""

from __future__ import annotations

from sqlalchemy import select

from handlers.commands.base import CommandContext, reply_here
from handlers.errors import BadCommand, NotFound
from handlers.masking import mask_for_group
from handlers.messages import Reply
from handlers.permissions import Access, access_for
from handlers.updates import announce
from models import Case, CaseReporter, ChatKind, Compound, PartyKind, Role


def parse_case_number(text: str) -> int:
    """Read a case number as people type it: 0034, 34, #34 or 工单34.

    Raises:
        BadCommand: The text contains no number.
    """
    digits = text.strip().lstrip("#＃").removeprefix("工单").strip()
    if not digits.isdigit():
        msg = f"“{text}”不是有效的工单号，工单号是4位数字，例如 0034。"
        raise BadCommand(msg)
    return int(digits)


async def command_compound(ctx: CommandContext) -> Compound:
    """Return the compound a command is about.

    In a bound group it is the group's compound. In a private chat it is the
    one compound where the sender has a role or has reported a case.

    Raises:
        BadCommand: No compound, or more than one, fits.
    """
    if ctx.chat.compound_id is not None and ctx.chat.compound is not None:
        return ctx.chat.compound
    if ctx.chat.kind != ChatKind.PRIVATE:
        msg = "本群尚未绑定小区，请小区专员先发送“绑定 小区编码”。"
        raise BadCommand(msg)
    role_compounds = set(
        await ctx.session.scalars(
            select(Role.compound_id).where(
                Role.member_id == ctx.member.id, Role.compound_id.is_not(None)
            )
        )
    )
    case_compounds = set(
        await ctx.session.scalars(
            select(Case.compound_id)
            .join(CaseReporter, CaseReporter.case_id == Case.id)
            .where(CaseReporter.member_id == ctx.member.id)
        )
    )
    candidates = role_compounds | case_compounds
    if len(candidates) == 1:
        return await ctx.session.get_one(Compound, candidates.pop())
    # NOTE: community and street staff, and members of several compounds,
    # have to use the compound's group until a command names the compound.
    if not candidates:
        msg = "您好，私聊中暂时查不到您所在的小区，请在小区群里发送该指令。"
    else:
        msg = "您在多个小区有工单或职务，请在对应小区的群里发送该指令。"
    raise BadCommand(msg)


async def command_access(ctx: CommandContext) -> tuple[Compound, Access]:
    """Return the command's compound and the sender's access to it."""
    compound = await command_compound(ctx)
    return compound, await access_for(ctx.session, ctx.member, compound)


async def case_by_number(ctx: CommandContext, compound: Compound, text: str) -> Case:
    """Return the compound's case with the number the user typed.

    Raises:
        BadCommand: The number is malformed.
        NotFound: The compound has no case with that number.
    """
    seq = parse_case_number(text)
    case = await ctx.session.scalar(
        select(Case).where(Case.compound_id == compound.id, Case.seq == seq)
    )
    if case is None:
        msg = f"没有找到工单 {seq:04d}，请核对工单号。"
        raise NotFound(msg)
    return case


def first_arg(ctx: CommandContext, usage: str) -> str:
    """Return the first argument, or explain the command's form.

    Raises:
        BadCommand: The command came without arguments.
    """
    if not ctx.args:
        msg = f"请写上工单号，例如：{usage}"
        raise BadCommand(msg)
    return ctx.args[0]


def text_after(ctx: CommandContext, count: int) -> str:
    """Return the text after the first `count` words, keeping its own spacing."""
    rest = ctx.rest
    for _ in range(count):
        rest = rest.lstrip()
        head, _, rest = rest.partition(" ")
        if not head:
            break
    return rest.strip()


def party_by_word(word: str) -> PartyKind | None:
    """Read a party as people name it: 物业, 业委会, 党组织, 专员..."""
    for kind, words in _PARTY_WORDS.items():
        if any(w in word for w in words):
            return kind
    return None


_PARTY_WORDS: dict[PartyKind, tuple[str, ...]] = {
    PartyKind.PROPERTY: ("物业", "property"),
    PartyKind.COMMITTEE: ("业委会", "业主委员会", "committee"),
    PartyKind.PARTY: ("党组织", "党支部", "专员", "支部", "party"),
}


async def respond(
    ctx: CommandContext,
    case: Case,
    *,
    confirmation: str,
    group_note: str,
    detail: str,
    party_note: str | None = None,
    branch_note: str | None = None,
) -> list[Reply]:
    """Reply to the sender and tell the case's other audiences about the change.

    In the case's own group the masked group note is the answer, so the
    group reads one message rather than two.
    """
    in_case_group = ctx.chat.id == case.chat_group_id and ctx.chat.kind != ChatKind.PRIVATE
    first = mask_for_group(group_note) if in_case_group else confirmation
    replies = [reply_here(ctx, first, case_id=case.id)]
    replies += await announce(
        ctx.session,
        case,
        detail=detail,
        group_note=group_note,
        skip_chat_id=ctx.chat.id,
        exclude_member_id=ctx.member.id,
        party_note=party_note,
        branch_note=branch_note,
    )
    return replies
