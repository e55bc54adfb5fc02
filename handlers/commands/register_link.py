"""关联住户: link a register entry to the account of a resident who reported a case."""

from __future__ import annotations

import logging

from handlers.commands.base import CommandContext, reply_here
from handlers.commands.common import case_by_number
from handlers.commands.register_access import dwelling_argument, keeper_access
from handlers.errors import BadCommand
from handlers.masking import mask_name
from handlers.messages import Reply
from handlers.register import fold
from handlers.register_address import dwelling_label, parse_dwelling
from handlers.register_links import LinkChange, Reporter, case_reporters, is_linked, link_occupant, names_match
from handlers.register_store import living, require_dwelling
from models import Case, ChatKind, Member

log = logging.getLogger("handlers.register")

# The word after the command that confirms a link whose names differ.
CONFIRM_WORD = "确认"


async def link_reporter(ctx: CommandContext) -> list[Reply]:
    """关联住户 3栋2单元1002 张三 0034 [2] [确认]: link a person to a reporter of case 0034.

    A case's reporter has written to the bot, so after the link 我的信息
    returns the entry to that resident. A case with several reporters needs
    the reporter's position, counted in the order they reported as 拆分 does.
    When the reporter's chat name is not the entry's name, the reply shows
    whom the link would reach, and only the same command ending in 确认
    makes it.
    """
    compound = await keeper_access(ctx, "register_link", "关联住户")
    address = parse_dwelling(dwelling_argument(ctx, "关联住户 3栋2单元1002 张三 0034"))
    confirmed = ctx.args[-1:] == [CONFIRM_WORD]
    args = ctx.args[:-1] if confirmed else ctx.args
    if len(args) not in (3, 4):
        msg = (
            f"请写上姓名和该住户反映过的工单号，例如：关联住户 {address.label} 张三 0034；"
            f"工单有多位反映人时，在工单号后加上反映人序号，例如：关联住户 {address.label} 张三 0034 2"
        )
        raise BadCommand(msg)
    # The register keeps names as typed, so the name is matched as typed too.
    name, number = ctx.written_args[1], args[2]
    dwelling = await require_dwelling(ctx.session, compound, address)
    occupant = next((o for o in living(dwelling) if o.name == name), None)
    if occupant is None:
        msg = f"{address.label} 没有在住的“{name}”，请核对姓名。"
        raise BadCommand(msg)
    case = await case_by_number(ctx, compound, number)
    reporters = await case_reporters(ctx.session, case)
    if not reporters:
        msg = f"工单 {case.number} 没有记录反映人，无法关联。"
        raise BadCommand(msg)
    usage = f"关联住户 {address.label} {name} {case.number}"
    if len(args) == 3 and len(reporters) > 1:
        return [reply_here(ctx, _reporter_choice(ctx, case, reporters, usage))]
    position = _reporter_position(args[3], case, len(reporters), usage) if len(args) == 4 else 1
    reporter = reporters[position - 1]
    member = reporter.member
    linked_to = f"工单 {case.number} 的{_reporter_label(ctx, reporter, len(reporters))}"

    # The linked resident reads the full phone, tags and note, and may delete
    # the entry, so a name that cannot be compared needs the officer's word.
    name_matches = names_match(member.display_name, occupant.name)
    if not (name_matches or confirmed or is_linked(occupant, member)):
        log.info(
            "register link awaits confirmation: occupant=%s member=%s by=%s", occupant.id, member.id, ctx.member.id
        )
        if len(reporters) > 1:
            usage = f"{usage} {position}"
        return [reply_here(ctx, _confirmation(ctx, reporter, len(reporters), case, occupant.name, usage))]

    change = await link_occupant(ctx.session, occupant, member, ctx.now)
    log.info(
        "register linked: occupant=%s member=%s checked_by=%s replaced=%s unchanged=%s by=%s",
        occupant.id,
        member.id,
        "name" if name_matches else "officer",
        change.replaced.id if change.replaced is not None else None,
        change.unchanged,
        ctx.member.id,
    )
    return [reply_here(ctx, _link_reply(ctx, f"{address.label} {name}", linked_to, change))]


def _confirmation(ctx: CommandContext, reporter: Reporter, count: int, case: Case, name: str, usage: str) -> str:
    when = f"{reporter.joined_at.astimezone(ctx.zone):%m-%d %H:%M} 反映"
    place = "反映人" if count == 1 else f"第{reporter.position}位反映人"
    if reporter.member.display_name:
        chat_name = f"在聊天中的名字是“{_member_label(ctx, reporter.member)}”"
    else:
        chat_name = "在聊天中没有显示名字"
    return (
        f"工单 {case.number} 的{place}（{when}）{chat_name}，无法与登记的姓名“{name}”核对，暂未关联。\n"
        "关联后，对方私聊发送“我的信息”能看到这条登记的完整手机号、标签和备注，还能删除这条登记。"
        f"请先核实对方就是{name}本人（例如拨打登记的电话确认），再发送：\n"
        f"{usage} {CONFIRM_WORD}"
    )


def _link_reply(ctx: CommandContext, entry: str, linked_to: str, change: LinkChange) -> str:
    if change.unchanged:
        lines = [f"{entry} 的登记已经关联到{linked_to}，无需重复关联。"]
    else:
        lines = [f"已把 {entry} 的登记关联到{linked_to}，对方私聊发送“我的信息”即可查看。"]
    if change.replaced is not None:
        lines.append(
            f"这条登记原先关联的居民（{_member_label(ctx, change.replaced)}）已被替换，"
            "对方的“我的信息”不再显示这条登记。"
        )
    if change.also_linked:
        others = "、".join(f"{dwelling_label(o.dwelling)} {mask_name(o.name)}" for o in change.also_linked)
        lines.append(f"该居民的账号还关联着 {others} 的登记，“我的信息”会一并显示。")
    return "\n".join(lines)


def _reporter_choice(ctx: CommandContext, case: Case, reporters: list[Reporter], usage: str) -> str:
    lines = [f"工单 {case.number} 有{len(reporters)}位反映人，请在工单号后加上要关联的反映人序号："]
    lines += [
        f"{r.position}. {_member_label(ctx, r.member)}（{r.joined_at.astimezone(ctx.zone):%m-%d %H:%M} 反映）"
        for r in reporters
    ]
    lines.append(f"例如：{usage} 2")
    return "\n".join(lines)


def _reporter_position(text: str, case: Case, count: int, usage: str) -> int:
    position = fold(text)
    if not position.isdigit():
        msg = f"无法识别反映人序号“{text}”，请写数字，例如：{usage} 2"
        raise BadCommand(msg)
    if count == 1 and int(position) != 1:
        msg = f"工单 {case.number} 只有1位反映人，不用写序号。"
        raise BadCommand(msg)
    if not 1 <= int(position) <= count:
        msg = f"工单 {case.number} 共有{count}位反映人，序号请填 1 到 {count} 之间的数字。"
        raise BadCommand(msg)
    return int(position)


def _reporter_label(ctx: CommandContext, reporter: Reporter, count: int) -> str:
    place = "反映人" if count == 1 else f"第{reporter.position}位反映人"
    return f"{place}（{_member_label(ctx, reporter.member)}）"


def _member_label(ctx: CommandContext, member: Member) -> str:
    # The officer must see whom a link reaches, so a private chat shows the
    # chat name whole. A staff group also includes other staff, so there it
    # is masked like every name that a group reads.
    if ctx.chat.kind == ChatKind.PRIVATE:
        return member.display_name or "居民"
    return mask_name(member.display_name) or "居民"
