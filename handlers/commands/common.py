"""Helpers the case commands share: finding the compound and the case, and access."""

from __future__ import annotations

import re

from sqlalchemy import or_, select

from handlers.commands.base import (
    _MENTION,
    _TWO_CASE_NUMBERS,
    PROGRESS_SUFFIX,
    CommandContext,
    reject_second_case,
    reply_here,
)
from handlers.directory import compound_by_code
from handlers.errors import BadCommand, NotFound
from handlers.masking import mask_for_group
from handlers.messages import Reply
from handlers.permissions import Access, Level, access_for, deny, holds_staff_role
from handlers.replies import staff_summary, unstaffed_phrase
from handlers.routing import unstaffed_party
from handlers.updates import announce, case_groups, reporter_accounts
from models import (
    PARTY_ROLES,
    Case,
    CaseEvent,
    CaseReporter,
    ChatKind,
    Community,
    Compound,
    Identity,
    Member,
    PartyKind,
    Role,
    RoleKind,
)
from models.codes import is_code, looks_like_code, normalize_code

# The maximum number of compounds named in a reply that requests a code.
LISTED_COMPOUNDS = 5

# Up to four digits, or more without a leading zero; ASCII only, because
# str.isdigit also accepts characters such as ² that int() cannot read.
_CASE_DIGITS = re.compile(r"[0-9]{1,4}|[1-9][0-9]{4,}")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# What may come before the digits: #34, 工单34, 工单号34, 工单编号：34.
_CASE_PREFIX = re.compile(r"^(?:[#＃]|工单(?:编?号)?\s*[:：]?\s*[#＃]?)")
# A case number with Chinese text right after it, as in 评价0034满意. The
# number has four digits or a prefix, and the text does not go on as an
# address (5栋, 1002室), so a place written where the number belongs is
# still reported as no case number.
_GLUED_NOTE = re.compile(
    r"^((?:工单(?:编?号)?:?|#)[0-9]{1,10}|[0-9]{4,10})(?![栋幢单室楼层户座号区期])([\u4e00-\u9fff].*)$",
    re.DOTALL,
)
# The suffixes allowed after the digits: 号 (0034号) and the full stop or
# exclamation mark that ends a chat line (受理 0034。).
_CASE_SUFFIX = re.compile(r"号?[。.．!！?？~～…]*$")
# Case.seq is an INTEGER column, which PostgreSQL stores in 32 bits.
MAX_CASE_SEQ = 2**31 - 1
_MAX_CASE_DIGITS = len(str(MAX_CASE_SEQ))
# The maximum length of a rejected number quoted back in the error.
_QUOTED_CHARS = 20


def parse_case_number(text: str, *, typed: str | None = None) -> int:
    """Read a case number as people type it: 0034, 34, #34, 工单34, 工单号34 or 0034号.

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
    digits = _CASE_SUFFIX.sub("", _CASE_PREFIX.sub("", text.strip()).strip())
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

    That is the compound whose code the command named ("统计 XQ0001 本月"),
    else the compound of a bound group or private chat. In an unbound
    private chat it is the one compound where the sender has a role, covers
    as community or street staff, or has reported a case.

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
        f"您在{listed}{more}有工单或职务，请在指令后加上小区编码，"
        f"例如“{_example_with_code(ctx, ordered[0].code)}”，或在对应小区的群里发送该指令。"
    )
    raise BadCommand(msg)


def _example_with_code(ctx: CommandContext, code: str) -> str:
    """Return the sender's own command with a compound code after the verb: 查询 XQ0001 0034."""
    text = _MENTION.sub("", ctx.message.text.replace("\u3000", " ").strip()).strip()
    rest = ctx.rest.strip()
    verb = text[: len(text) - len(rest)].strip() if text.endswith(rest) else ""
    if not verb:
        # The text was rewritten before parsing ("不满意 0034" is read as
        # 评价 0034 不满意), so the code alone is the example.
        return code
    return f"{verb} {code} {rest}".strip()


async def take_compound_argument(
    ctx: CommandContext, *, case_command: bool = False, strict: bool = False
) -> Compound | None:
    """Return the compound whose code the command names, and drop that word from the arguments.

    Staff who cover several compounds name one by its code: 查询 XQ0001 0034,
    受理 0034 XQ0001, 统计 XQ0001 本月, 工单列表 超时 XQ0001. A group's own code
    may be written too. The code is read as people type it (xq0001,
    ＸＱ０００１). The compound is kept in `ctx.named_compound`, so a second
    call returns it without dropping another word.

    Args:
        ctx: The command.
        case_command: The arguments start with a case number, so the code
            is the word before it or right after it. Otherwise it is the
            first or the last word.
        strict: The words where a code may stand can only be codes (a
            period, a filter), so a word in the form of a code that no
            compound has is an error. Before a case number it always is.

    Raises:
        NotFound: A word in the form of a code names no compound.
    """
    if ctx.named_compound is not None:
        return ctx.named_compound
    if not ctx.args:
        return None
    for index in _code_positions(ctx.args, case_command=case_command):
        code = normalize_code(ctx.args[index])
        if not is_code(code):
            continue
        compound = await compound_by_code(ctx.session, code)
        if compound is None:
            if looks_like_code(code) and (strict or (case_command and index == 0)):
                msg = f"没有编码为“{code}”的小区，请核对小区编码。"
                raise NotFound(msg)
            continue
        ctx.drop_arg(index)
        ctx.named_compound = compound
        return compound
    return None


def _code_positions(args: list[str], *, case_command: bool) -> list[int]:
    if not case_command:
        return sorted({0, len(args) - 1})
    if _is_case_number(args[0]):
        return [1] if len(args) > 1 else []
    return [0]


def _is_case_number(word: str) -> bool:
    try:
        parse_case_number(word)
    except BadCommand:
        return False
    return True


async def require_reach(ctx: CommandContext, compound: Compound, access: Access) -> None:
    """Reject a compound the command named by its code when it lies outside the sender's area.

    Staff get a plain reason rather than the resident's view or a refusal
    that reads as if they lacked the role. A compound counts as theirs when
    they act there, it is the chat's compound, or they reported a case
    there. Residents get the command's own checks.

    Raises:
        PermissionDenied: A staff member named a compound outside their area.
    """
    if ctx.named_compound is not compound or ctx.chat.compound_id == compound.id:
        return
    if access.level > Level.RESIDENT or not await holds_staff_role(ctx.session, ctx.member):
        return
    reported = await ctx.session.scalar(
        select(CaseReporter.id)
        .join(Case, Case.id == CaseReporter.case_id)
        .where(CaseReporter.member_id == ctx.member.id, Case.compound_id == compound.id)
        .limit(1)
    )
    if reported is not None:
        return
    covered = await covered_compounds(ctx)
    listed = "、".join(f"{c.name}（{c.code}）" for c in covered[:LISTED_COMPOUNDS])
    more = f"等{len(covered)}个小区" if len(covered) > LISTED_COMPOUNDS else ""
    yours = f"您负责的是{listed}{more}。" if covered else ""
    raise deny(access, "compound", f"{compound.name}（{compound.code}）不在您负责的范围内。{yours}")


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

    When the command names a compound code, or comes from a bound group,
    that is one compound. In an unbound private chat it is every compound
    where the sender acts as staff, so community and street staff see their
    whole area. Otherwise the compound comes from command_compound.

    Raises:
        BadCommand: No compound fits; see command_compound.
        NotFound: The command names a code that no compound has.
        PermissionDenied: Staff named a compound outside their area.
    """
    named = await take_compound_argument(ctx, strict=True)
    if named is not None:
        access = await access_for(ctx.session, ctx.member, named)
        await require_reach(ctx, named, access)
        return [(named, access)]
    bound = ctx.chat.compound_id is not None and ctx.chat.compound is not None
    if not bound and ctx.chat.kind == ChatKind.PRIVATE:
        reached = []
        for compound in await covered_compounds(ctx):
            access = await access_for(ctx.session, ctx.member, compound)
            if access.level > Level.RESIDENT:
                reached.append((compound, access))
        if reached:
            return reached
    return [await command_access(ctx)]


async def command_access(ctx: CommandContext) -> tuple[Compound, Access]:
    """Return the command's compound and the sender's access to it.

    Raises:
        PermissionDenied: Staff named a compound outside their area; see require_reach.
    """
    compound = await command_compound(ctx)
    access = await access_for(ctx.session, ctx.member, compound)
    await require_reach(ctx, compound, access)
    return compound, access


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


async def urgent_reasons(ctx: CommandContext, case: Case) -> str:
    """Return the lines that made a routine case urgent, for the new-case notice of a party it moves to.

    A case raised by 「电梯里有人被困」 keeps the first report as its
    content, so without these lines the new party would not learn why the
    case is urgent.
    """
    notes = await ctx.session.scalars(
        select(CaseEvent.note)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == "urgent_raised", CaseEvent.note != "")
        .order_by(CaseEvent.at, CaseEvent.id)
    )
    return "".join(f"\n紧急情况：{staff_summary(note, 200)}" for note in notes)


async def case_number_argument(ctx: CommandContext, usage: str, *, one_case_verb: str | None = None) -> str:
    """Return the case number a command names, after taking out a compound code.

    The code may come before or after the number ("查询 XQ0001 0034",
    "查询 0034 XQ0001"), so it leaves `args` before the first word is read
    as the number.

    Args:
        ctx: The command.
        usage: An example of the command, shown when the number is missing.
        one_case_verb: The verb of a command that takes one case and a
            note; a second case number is then rejected by reject_second_case.

    Raises:
        BadCommand: The command names no case number, or names two.
        NotFound: A code before the number names no compound.
    """
    await take_compound_argument(ctx, case_command=True)
    _split_glued_note(ctx)
    if one_case_verb is not None:
        reject_second_case(ctx, one_case_verb)
    if not ctx.args:
        msg = f"请写上工单号，例如：{usage}"
        raise BadCommand(msg)
    return ctx.args[0]


def _split_glued_note(ctx: CommandContext) -> None:
    """Split a note typed straight after the case number (评价0034满意) into a word of its own.

    号, closing punctuation and the words of a progress question stay on the
    number, because parse_case_number and 查询 read them there. Two numbers
    (0034和0035) stay together for reject_second_case.
    """
    if not ctx.args:
        return
    glued = _GLUED_NOTE.match(ctx.args[0])
    if glued is None or _TWO_CASE_NUMBERS.match(ctx.args[0]):
        return
    number, note = glued.groups()
    if _CASE_SUFFIX.fullmatch(note) or PROGRESS_SUFFIX.fullmatch(note):
        return
    ctx.args[0:1] = [number, note]
    # `rest` starts with the same word as typed, and folding kept its length.
    rest = ctx.rest.lstrip()
    ctx.rest = f"{rest[: len(number)]} {rest[len(number) :]}"


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


async def _in_branch(ctx: CommandContext, case: Case) -> bool:
    """Return whether the sender acts for the party branch of the case's compound, which failure notices go to."""
    found = await ctx.session.scalar(
        select(Role.id)
        .where(
            Role.member_id == ctx.member.id,
            Role.compound_id == case.compound_id,
            Role.role.in_([r.value for r in PARTY_ROLES[PartyKind.PARTY]]),
        )
        .limit(1)
    )
    return found is not None


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
    told: str = "",
) -> list[Reply]:
    """Reply to the sender and tell the case's other audiences about the change.

    In a group the case was reported in, the masked group note is the
    reply, so the group reads one message rather than two. Given in
    another forum topic of that group, the note also goes to the case's
    own topic.

    Args:
        told: What the reporters' message contains, such as 原因. The
            confirmation then states whether every reporter was sent it.
    """
    groups = await case_groups(ctx.session, case)
    in_case_group = ctx.chat.kind != ChatKind.PRIVATE and any(group.id == ctx.chat.id for group in groups)
    if told:
        accounts = await reporter_accounts(ctx.session, case, exclude_member_id=ctx.member.id)
        # A message to a read-only account fails at once, and the branch gets
        # a 【发送失败】 notice that names the reporter and quotes the message.
        # A sender in the branch reads that notice, so the count leaves them out.
        if await _in_branch(ctx, case):
            phrase = told_phrase(told, accounts.reachable, accounts.unreachable, named_later=accounts.read_only)
        else:
            phrase = told_phrase(told, accounts.reachable, accounts.unreachable + accounts.read_only)
        confirmation += phrase
    first = mask_for_group(group_note) if in_case_group else confirmation
    replies = [reply_here(ctx, first, case_id=case.id)]
    replies += await announce(
        ctx.session,
        case,
        detail=detail,
        group_note=group_note,
        skip_chat_id=ctx.chat.id,
        skip_thread_id=ctx.message.thread_id,
        exclude_member_id=ctx.member.id,
        party_note=party_note,
        branch_note=branch_note,
    )
    return replies


def told_phrase(what: str, sent: int, unreachable: int, *, named_later: int = 0) -> str:
    """Return the sentence that confirms to the officer whether the reporters were sent `what`, such as 原因.

    The officer relies on this to know whether anyone still has to call a
    resident, so a reporter without an account is counted, not glossed over.
    The phrase is empty when no reporter but the sender is counted.

    Args:
        what: What the reporters' message contains.
        sent: The reporters the message can reach.
        unreachable: The reporters the sender should tell by hand.
        named_later: The reporters the message cannot reach whom a
            【发送失败】 notice names to the sender. They are counted neither
            as informed nor as unreachable, so the sentence states how many
            reporters were informed.
    """
    if not unreachable:
        if not sent:
            return ""
        return f"{what}已告知{sent}位反映人。" if named_later else f"{what}已告知反映人。"
    if not sent:
        return f"反映人没有可联系的账号，请人工告知{what}。"
    return f"{what}已告知{sent}位反映人，另有{unreachable}位没有可联系的账号，请人工告知。"
