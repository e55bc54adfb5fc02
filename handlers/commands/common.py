"""Helpers the case commands share: finding the compound and the case, and access."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import or_, select

from handlers.commands.base import CommandContext, reject_second_case, reply_here
from handlers.directory import compound_by_code
from handlers.errors import BadCommand, NotFound
from handlers.masking import mask_for_group
from handlers.messages import Reply
from handlers.permissions import Access, Level, access_for
from handlers.replies import unstaffed_phrase
from handlers.routing import unstaffed_party
from handlers.updates import announce
from models import Case, CaseReporter, ChatKind, Community, Compound, Identity, Member, PartyKind, Role, RoleKind

# Compound codes are letters then digits (XQ0001).
_COMPOUND_CODE = re.compile(r"^[A-Za-z]{1,6}\d{2,8}$")
# The maximum number of compounds named in a reply that requests a code.
LISTED_COMPOUNDS = 5

# Up to four digits, or more without a leading zero; ASCII only, because
# str.isdigit also accepts characters such as ² that int() cannot read.
_CASE_DIGITS = re.compile(r"[0-9]{1,4}|[1-9][0-9]{4,}")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# What may come before the digits: #34, 工单34, 工单号34, 工单编号：34.
_CASE_PREFIX = re.compile(r"^(?:[#＃]|工单(?:编?号)?\s*[:：]?\s*[#＃]?)")
# Case.seq is an INTEGER column, which PostgreSQL stores in 32 bits.
MAX_CASE_SEQ = 2**31 - 1
_MAX_CASE_DIGITS = len(str(MAX_CASE_SEQ))
# The maximum length of a rejected number quoted back in the error.
_QUOTED_CHARS = 20


def parse_case_number(text: str, *, typed: str | None = None) -> int:
    """Read a case number as people type it: 0034, 34, #34, 工单34 or 工单号34.

    A case number is written with at least four digits (Case.number), and
    people may drop its leading zeros. So 1-4 digits are accepted with or
    without zeros, while a longer number must have no leading zero (case
    10000 onwards) and fit the database column; 00034 is rejected.

    Args:
        text: The number, folded as ParsedCommand.args describes.
        typed: The same word as the person typed it, which the error quotes.

    Raises:
        BadCommand: The text is not a case number.
    """
    digits = _CASE_PREFIX.sub("", text.strip()).strip()
    digits = digits.translate(_FULL_WIDTH_DIGITS)
    # The length check comes first, because int() rejects very long strings.
    valid = _CASE_DIGITS.fullmatch(digits) and len(digits) <= _MAX_CASE_DIGITS
    if not valid or not 1 <= int(digits) <= MAX_CASE_SEQ:
        written = typed or text
        quoted = written if len(written) <= _QUOTED_CHARS else written[: _QUOTED_CHARS - 1] + "…"
        msg = f"“{quoted}”不是有效的工单号。工单号是4位数字，例如 0034，前面的0可以省略。"
        raise BadCommand(msg)
    return int(digits)


async def command_compound(ctx: CommandContext) -> Compound:
    """Return the compound a command is about.

    In a bound group it is the group's compound. In a private chat it is the
    compound whose code the command names ("统计 XQ0001 本月"), or else the
    one compound where the sender has a role, covers as community or street
    staff, or has reported a case.

    Raises:
        BadCommand: No compound, or more than one, fits.
    """
    if ctx.named_compound is not None:
        return ctx.named_compound
    if ctx.chat.compound_id is not None and ctx.chat.compound is not None:
        return ctx.chat.compound
    if ctx.chat.kind != ChatKind.PRIVATE:
        msg = "本群尚未绑定小区，请小区专员先发送“绑定 小区编码”。"
        raise BadCommand(msg)
    named = await take_compound_argument(ctx)
    if named is not None:
        return named

    candidates = {c.id: c for c in await covered_compounds(ctx)}
    reported = await ctx.session.scalars(
        select(Compound)
        .join(Case, Case.compound_id == Compound.id)
        .join(CaseReporter, CaseReporter.case_id == Case.id)
        .where(CaseReporter.member_id == ctx.member.id)
    )
    candidates.update({c.id: c for c in reported})
    if len(candidates) == 1:
        return next(iter(candidates.values()))
    if not candidates:
        msg = (
            "您好，我们还不知道您住在哪个小区。请先发送小区名称或编码和楼栋，"
            "例如“阳光花园 3栋”或“XQ0001 3栋”，再发送该指令；也可以在小区群里发送。"
        )
        raise BadCommand(msg)
    ordered = sorted(candidates.values(), key=lambda c: c.code)
    listed = "、".join(f"{c.name}（{c.code}）" for c in ordered[:LISTED_COMPOUNDS])
    more = f"等{len(ordered)}个小区" if len(ordered) > LISTED_COMPOUNDS else ""
    msg = (
        f"您在{listed}{more}有工单或职务，请在指令后加上小区编码，例如“统计 {ordered[0].code}”，"
        "或在对应小区的群里发送该指令。"
    )
    raise BadCommand(msg)


async def take_compound_argument(ctx: CommandContext) -> Compound | None:
    """Return the compound whose code is the first or last word of a private-chat command, and drop that word.

    Staff who cover several compounds name one this way ("简报 XQ0001",
    "查询 XQ0001 0034"). A word that is no known code stays in place. The
    compound is kept in `ctx.named_compound`, so a second call returns it
    without dropping another word.
    """
    if ctx.named_compound is not None:
        return ctx.named_compound
    if ctx.chat.kind != ChatKind.PRIVATE or not ctx.args:
        return None
    for index in sorted({0, len(ctx.args) - 1}):
        word = ctx.args[index]
        folded = unicodedata.normalize("NFKC", word)
        if not _COMPOUND_CODE.match(folded):
            continue
        compound = await compound_by_code(ctx.session, folded)
        if compound is None:
            continue
        ctx.drop_arg(index)
        ctx.named_compound = compound
        return compound
    return None


async def covered_compounds(ctx: CommandContext) -> list[Compound]:
    """Return the compounds the sender's roles reach, ordered by code.

    A compound role reaches its compound, a community staff role every
    compound of the community, and a street staff role every compound of
    the street.
    """
    roles = list(await ctx.session.scalars(select(Role).where(Role.member_id == ctx.member.id)))
    compound_ids = {r.compound_id for r in roles if r.compound_id is not None}
    community_ids = {
        r.community_id for r in roles if r.role == RoleKind.COMMUNITY_STAFF and r.community_id is not None
    }
    street_ids = {r.street_id for r in roles if r.role == RoleKind.STREET_STAFF and r.street_id is not None}
    if not (compound_ids or community_ids or street_ids):
        return []
    in_street = select(Community.id).where(Community.street_id.in_(street_ids))
    found = await ctx.session.scalars(
        select(Compound)
        .where(
            or_(
                Compound.id.in_(compound_ids),
                Compound.community_id.in_(community_ids),
                Compound.community_id.in_(in_street),
            )
        )
        .order_by(Compound.code)
    )
    return list(found)


async def staff_compounds(ctx: CommandContext) -> list[tuple[Compound, Access]]:
    """Return the compounds a listing or statistics command covers, with the sender's access to each.

    In a group, or when the command names a compound code, that is one
    compound. In a private chat it is every compound where the sender acts as
    staff, so community and street staff see their whole area. Otherwise the
    compound comes from command_compound.

    Raises:
        BadCommand: No compound fits; see command_compound.
    """
    bound = ctx.chat.compound_id is not None and ctx.chat.compound is not None
    if not bound and ctx.chat.kind == ChatKind.PRIVATE:
        named = await take_compound_argument(ctx)
        if named is not None:
            return [(named, await access_for(ctx.session, ctx.member, named))]
        reached = []
        for compound in await covered_compounds(ctx):
            access = await access_for(ctx.session, ctx.member, compound)
            if access.level > Level.RESIDENT:
                reached.append((compound, access))
        if reached:
            return reached
    return [await command_access(ctx)]


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
    seq = parse_case_number(text, typed=_typed_word(ctx, text))
    case = await ctx.session.scalar(
        select(Case).where(Case.compound_id == compound.id, Case.seq == seq)
    )
    if case is None:
        # A group rebound to another compound, or a resident who moved,
        # still reaches the cases they reported under the old compound.
        case = await ctx.session.scalar(
            select(Case)
            .join(CaseReporter, CaseReporter.case_id == Case.id)
            .where(CaseReporter.member_id == ctx.member.id, Case.seq == seq)
            .order_by(Case.opened_at.desc(), Case.id.desc())
            .limit(1)
        )
    if case is None:
        msg = f"没有找到工单 {seq:04d}，请核对工单号。"
        raise NotFound(msg)
    return case


def _typed_word(ctx: CommandContext, word: str) -> str | None:
    """Return the argument `word` as the person typed it, before folding (工單 for 工单, ０ for 0)."""
    for folded, typed in zip(ctx.args, ctx.written_args, strict=False):
        if folded == word:
            return typed
    return None


async def reporter_name(ctx: CommandContext, case: Case) -> str:
    """Return the first reporter's display name; the party's notice shows it masked."""
    if case.reporter_id is None:
        return ""
    reporter = await ctx.session.get(Member, case.reporter_id)
    return reporter.display_name if reporter is not None else ""


async def case_number_argument(ctx: CommandContext, usage: str, *, one_case_verb: str | None = None) -> str:
    """Return the case number a command names, after taking out a compound code.

    In a private chat the code may come before or after the number ("查询
    XQ0001 0034", "查询 0034 XQ0001"), so it leaves `args` before the first
    word is read as the number.

    Args:
        ctx: The command.
        usage: An example of the command, shown when the number is missing.
        one_case_verb: The verb of a command that takes one case and a
            note; a second case number is then rejected by reject_second_case.

    Raises:
        BadCommand: The command names no case number, or names two.
    """
    await take_compound_argument(ctx)
    if one_case_verb is not None:
        reject_second_case(ctx, one_case_verb)
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


async def unstaffed_warning(ctx: CommandContext, case: Case) -> str:
    """Return a warning for the officer when nobody is registered for the case's new party, else ""."""
    if await unstaffed_party(ctx.session, case) is None:
        return ""
    return unstaffed_phrase(case)


async def sender_accounts(ctx: CommandContext) -> set[tuple[str, str]]:
    """Return the sender's platform accounts; the sender reads the command's reply instead of a notice."""
    rows = await ctx.session.execute(
        select(Identity.platform, Identity.platform_user_id).where(Identity.member_id == ctx.member.id)
    )
    return {(platform, user_id) for platform, user_id in rows}


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
    detail: str | None,
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
