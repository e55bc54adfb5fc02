"""Household register commands: 登记住户, 住户, 住户查询, 迁出, 住户统计, 我的信息, 删除我的信息.

关联住户 is in register_link and the access checks in register_access; SPECS
below lists all of them.

Access by role:
- Liaison officers and branch secretaries keep the register. They read and
  write everything, and see tags and notes in a private chat with the bot.
  A staff group also includes other staff, so replies there leave them out.
- Property, committee and party-branch staff and community and street staff
  read people without tags and notes. In 住户统计 only community and street
  staff also get the counts by tag, which name no person.
- Residents read only their own entries, through 我的信息.
Phones are masked for everyone except the person themself.

Staff commands work in a private chat with the bot or in a staff group. The
resident commands work only in a private chat, because their reply shows the
full phone. In a resident group a staff member's command is refused without
data, and a resident's line that opens with one of these words is a report,
except a bare 我的信息 or 删除我的信息 (see asks_for_own_record), which gets
a hint to send it in a private chat.
"""

from __future__ import annotations

import logging
import re

from handlers.commands.base import CommandContext, CommandSpec, reply_here
from handlers.commands.common import text_after
from handlers.commands.register_access import dwelling_argument, is_keeper, keeper_access, reader_access
from handlers.commands.register_link import link_reporter
from handlers.errors import BadCommand
from handlers.masking import mask_phone
from handlers.messages import Reply
from handlers.permissions import Access, Level
from handlers.register import fold, full_mobile, occupant_line, parse_entry, reject_id_number
from handlers.register_address import dwelling_label, parse_dwelling
from handlers.register_notices import erased_notices
from handlers.register_store import (
    SEARCH_LIMIT,
    figures,
    is_phone_query,
    living,
    move_out,
    records_of,
    require_dwelling,
    save_occupant,
    search,
)
from models import ChatKind, Occupant, RoleKind

log = logging.getLogger("handlers.register")

# Roles that see tag counts in 住户统计 without seeing any person's tags.
AREA_ROLES = frozenset({RoleKind.COMMUNITY_STAFF, RoleKind.STREET_STAFF})
# The word that makes 迁出 delete the row instead of keeping history.
DELETE_WORD = "删除"
# The word that confirms 删除我的信息.
CONFIRM_WORD = "确认"

# A query of digits, spaces and dashes only, which can only be meant as a phone.
_DIGITS_ONLY = re.compile(r"^[0-9][0-9\s-]*$")


def _shows_tags(ctx: CommandContext, access: Access) -> bool:
    # A staff group also includes property, committee and area staff, who must
    # not read tags or notes, so keepers see them in private chat only.
    return is_keeper(access) and ctx.chat.kind == ChatKind.PRIVATE


def _tags_hint(ctx: CommandContext, access: Access) -> list[str]:
    if is_keeper(access) and ctx.chat.kind != ChatKind.PRIVATE:
        return ["（标签和备注只在私聊机器人时显示。）"]
    return []


def _require_private(ctx: CommandContext, verb: str) -> None:
    if ctx.chat.kind != ChatKind.PRIVATE:
        msg = f"为保护您的个人信息，请私聊机器人发送“{verb}”。"
        raise BadCommand(msg)


async def register_person(ctx: CommandContext) -> list[Reply]:
    """登记住户 3栋2单元1002 张三 业主 13812345678 独居老人: add or update a person."""
    reject_id_number(ctx.rest)
    compound = await keeper_access(ctx, "register", "登记住户")
    address = parse_dwelling(dwelling_argument(ctx, "登记住户 3栋2单元1002 张三 业主 13812345678"))
    entry = parse_entry(text_after(ctx, 1), today=ctx.now.astimezone(ctx.zone).date())
    occupant, created = await save_occupant(ctx.session, compound, address, entry, ctx.now)
    log.info(
        "register %s: compound=%s occupant=%s member=%s",
        "added" if created else "updated",
        compound.id,
        occupant.id,
        ctx.member.id,
    )
    verb = "已登记" if created else "已更新"
    in_private = ctx.chat.kind == ChatKind.PRIVATE
    lines = [f"{verb}：{address.label} {occupant_line(occupant, with_tags=in_private)}"]
    if not in_private:
        lines.append("（标签和备注只在私聊机器人时显示。）")
    return [reply_here(ctx, "\n".join(lines))]


async def show_dwelling(ctx: CommandContext) -> list[Reply]:
    """住户 3栋2单元1002: the people living in a dwelling."""
    compound, access = await reader_access(ctx, "household")
    address = parse_dwelling(dwelling_argument(ctx, "住户 3栋2单元1002"))
    dwelling = await require_dwelling(ctx.session, compound, address)
    people = living(dwelling)
    with_tags = _shows_tags(ctx, access)
    lines = [f"{address.label} 在住登记{len(people)}人："] if people else [f"{address.label} 目前没有在住登记。"]
    lines += [f"· {occupant_line(o, with_tags=with_tags)}" for o in people]
    moved = len(dwelling.occupants) - len(people)
    if moved and with_tags:
        lines.append(f"另有{moved}条迁出记录。")
    lines += _tags_hint(ctx, access) if people else []
    return [reply_here(ctx, "\n".join(lines))]


async def search_people(ctx: CommandContext) -> list[Reply]:
    """住户查询 张 / 住户查询 5678 / 住户查询 13812345678: living people by part of the name or by phone."""
    reject_id_number(ctx.rest)
    compound, access = await reader_access(ctx, "household_search")
    query = fold(ctx.rest)
    if not query:
        msg = "请写上姓名中的字、手机号后四位或完整手机号，例如：住户查询 张 或 住户查询 5678"
        raise BadCommand(msg)
    if _DIGITS_ONLY.match(query) and not is_phone_query(query):
        msg = "按手机号查询请写后四位（如 5678）、完整的11位手机号，或打码后的号码（如 138****5678）。"
        raise BadCommand(msg)
    phone = full_mobile(query)
    # Replies mask phones for everyone but the person, and a staff group
    # reads this one, so a whole number typed as the query is masked too.
    displayed_query = mask_phone(phone) if phone is not None else query
    found = await search(ctx.session, compound, query)
    if not found:
        return [reply_here(ctx, f"住户档案中没有找到“{displayed_query}”。")]
    with_tags = _shows_tags(ctx, access)
    lines = [f"“{displayed_query}”的查询结果："]
    lines += [f"· {dwelling_label(o.dwelling)} {occupant_line(o, with_tags=with_tags)}" for o in found[:SEARCH_LIMIT]]
    if len(found) > SEARCH_LIMIT:
        lines.append(f"结果较多，只列出前{SEARCH_LIMIT}条，请写得更具体些。")
    lines += _tags_hint(ctx, access)
    return [reply_here(ctx, "\n".join(lines))]


async def move_person_out(ctx: CommandContext) -> list[Reply]:
    """迁出 3栋2单元1002 张三 [删除]: mark a person moved out, or delete the entry."""
    compound = await keeper_access(ctx, "move_out", "办理迁出")
    address = parse_dwelling(dwelling_argument(ctx, "迁出 3栋2单元1002 张三"))
    if len(ctx.args) < 2:  # noqa: PLR2004 - the dwelling and the name
        msg = f"请写上迁出人的姓名，例如：迁出 {address.label} 张三"
        raise BadCommand(msg)
    # The register keeps names as typed, so the name is matched as typed too.
    name = ctx.written_args[1]
    extra = ctx.args[2:]
    if extra not in ([], [DELETE_WORD]):
        msg = f"无法识别“{' '.join(extra)}”。迁出写“迁出 {address.label} {name}”，误登记需删除时在末尾加“删除”。"
        raise BadCommand(msg)
    delete = extra == [DELETE_WORD]
    occupant = await move_out(ctx.session, compound, address, name, ctx.now, delete=delete)
    log.info(
        "register %s: compound=%s occupant=%s member=%s",
        "deleted" if delete else "moved out",
        compound.id,
        occupant.id,
        ctx.member.id,
    )
    if delete:
        return [reply_here(ctx, f"已删除 {address.label} {name} 的登记。")]
    text = f"已为 {address.label} {name} 办理迁出，手机号、标签和备注已清除，姓名和关系留作历史记录。"
    return [reply_here(ctx, text)]


async def register_statistics(ctx: CommandContext) -> list[Reply]:
    """住户统计: counts of dwellings and people by building, and by tag for those who may see it."""
    compound, access = await reader_access(ctx, "register_stats")
    counts = await figures(ctx.session, compound)
    if counts.people == 0:
        return [reply_here(ctx, f"{compound.name}的住户档案还没有登记。")]
    lines = [f"{compound.name}住户档案：{counts.dwellings}户，在住{counts.people}人。", "按楼栋："]
    lines += [f"· {building}栋：{dwellings}户 {people}人" for building, dwellings, people in counts.by_building]
    if (is_keeper(access) or access.roles & AREA_ROLES) and ctx.chat.kind == ChatKind.PRIVATE:
        if counts.by_tag:
            lines.append("按标签：" + "，".join(f"{tag}{number}人" for tag, number in counts.by_tag))
        else:
            lines.append("按标签：无")
    return [reply_here(ctx, "\n".join(lines))]


async def my_information(ctx: CommandContext) -> list[Reply]:
    """我的信息: every register entry about the sender, phone unmasked."""
    _require_private(ctx, "我的信息")
    records = await records_of(ctx.session, ctx.member)
    if not records:
        text = (
            "住户档案中没有与您的账号关联的登记。"
            "如您已在小区登记但在这里查不到，请联系小区专员核对。"
        )
        return [reply_here(ctx, text)]
    lines = ["住户档案中关于您的登记："]
    lines += [_own_line(o) for o in records]
    lines.append("如需更正请联系小区专员；如需删除，请发送“删除我的信息”。")
    return [reply_here(ctx, "\n".join(lines))]


def _own_line(occupant: Occupant) -> str:
    where = f"{occupant.dwelling.compound.name} {dwelling_label(occupant.dwelling)}"
    moved = "（已迁出）" if occupant.moved_out_at is not None else ""
    return f"· {where} {occupant_line(occupant, with_tags=True, full_phone=True)}{moved}"


async def erase_my_information(ctx: CommandContext) -> list[Reply]:
    """删除我的信息 [确认]: list, then delete, the sender's own register entries.

    The entries are deleted at once on confirmation rather than on an
    officer's approval, because the person's own request is reason enough.
    The keepers get a notice, so they can ask again if the record was needed.
    """
    _require_private(ctx, "删除我的信息")
    records = await records_of(ctx.session, ctx.member)
    if not records:
        return [reply_here(ctx, "住户档案中没有与您的账号关联的登记，无需删除。")]
    if ctx.args != [CONFIRM_WORD]:
        lines = ["以下登记将被删除："]
        lines += [_own_line(o) for o in records]
        lines.append(f"确认删除请发送“删除我的信息 {CONFIRM_WORD}”。")
        return [reply_here(ctx, "\n".join(lines))]
    replies = [reply_here(ctx, f"已删除您的{len(records)}条住户登记。小区专员会收到通知。")]
    for occupant in records:
        compound = occupant.dwelling.compound
        label = dwelling_label(occupant.dwelling)
        replies += await erased_notices(ctx.session, compound, label, occupant.name)
        log.info("register erased by the person: occupant=%s member=%s", occupant.id, ctx.member.id)
        await ctx.session.delete(occupant)
    await ctx.session.flush()
    return replies


SPECS = (
    CommandSpec(
        "register",
        ("登记住户",),
        register_person,
        "登记或更新住户信息",
        "登记住户 3栋2单元1002 张三 业主 13812345678 独居老人",
        Level.OFFICER,
        personal=True,
    ),
    CommandSpec(
        "household", ("住户",), show_dwelling, "查看一户的在住登记", "住户 3栋2单元1002", Level.PARTY, personal=True
    ),
    CommandSpec(
        "household_search",
        ("住户查询",),
        search_people,
        "按姓名、手机号后四位或完整手机号查住户",
        "住户查询 张",
        Level.PARTY,
        personal=True,
    ),
    CommandSpec(
        "move_out",
        ("迁出",),
        move_person_out,
        "办理住户迁出（误登记加“删除”）",
        "迁出 3栋2单元1002 张三",
        Level.OFFICER,
        personal=True,
    ),
    CommandSpec(
        "register_stats", ("住户统计",), register_statistics, "住户档案按楼栋、标签统计", "住户统计", Level.PARTY
    ),
    CommandSpec(
        "register_link",
        ("关联住户",),
        link_reporter,
        "把登记关联到工单反映人，多人加序号，名字不符核实后加“确认”",
        "关联住户 3栋2单元1002 张三 0034",
        Level.OFFICER,
        personal=True,
    ),
    CommandSpec(
        "my_info",
        ("我的信息",),
        my_information,
        "查看住户档案中关于本人的登记（私聊）",
        "我的信息",
        personal=True,
    ),
    CommandSpec(
        "forget_me",
        ("删除我的信息",),
        erase_my_information,
        "删除住户档案中本人的登记（私聊）",
        "删除我的信息",
        personal=True,
    ),
)

# Residents never run these in a group, so there a resident's line that
# opens with one of their words ("住户 3栋电梯坏了") is read as a report.
STAFF_CHAT_COMMANDS = frozenset(spec.name for spec in SPECS)
# The words each resident command takes; a group line of the verb and these
# only is the command, sent in the wrong chat.
_OWN_RECORD_ARGS = {"my_info": ([],), "forget_me": ([], [CONFIRM_WORD])}


def asks_for_own_record(name: str, args: list[str]) -> bool:
    """Tell whether a line is a bare 我的信息 or 删除我的信息 [确认] rather than a report that opens with the words."""
    return args in _OWN_RECORD_ARGS.get(name, ())
