"""Access checks of the household register commands: which roles may use them, and in which chats.

Staff commands work in a private chat with the bot or in a staff group; in
a resident group they are refused without data. Liaison officers and branch
secretaries keep the register, and the roles in READER_ROLES read it.
"""

from __future__ import annotations

from handlers.commands.base import CommandContext
from handlers.commands.common import command_access
from handlers.errors import BadCommand
from handlers.permissions import Access, deny
from handlers.register_notices import KEEPER_ROLES
from models import ChatKind, Compound, RoleKind

READER_ROLES = frozenset(
    {
        *KEEPER_ROLES,
        RoleKind.PARTY_MEMBER,
        RoleKind.COMMITTEE_DIRECTOR,
        RoleKind.COMMITTEE_MEMBER,
        RoleKind.PROPERTY_MANAGER,
        RoleKind.PROPERTY_STAFF,
        RoleKind.COMMUNITY_STAFF,
        RoleKind.STREET_STAFF,
    }
)
_IN_RESIDENT_GROUP = "住户档案涉及个人信息，不在居民群中使用。请私聊机器人，或在工作群发送。"


def is_keeper(access: Access) -> bool:
    return bool(access.roles & set(KEEPER_ROLES))


def reject_in_resident_group(ctx: CommandContext) -> None:
    if ctx.chat.kind not in (ChatKind.PRIVATE, ChatKind.STAFF_GROUP):
        raise BadCommand(_IN_RESIDENT_GROUP)


async def keeper_access(ctx: CommandContext, command: str, verb: str) -> Compound:
    reject_in_resident_group(ctx)
    compound, access = await command_access(ctx)
    if not is_keeper(access):
        raise deny(access, command, f"抱歉，只有小区专员或党组织书记可以{verb}。")
    return compound


async def reader_access(ctx: CommandContext, command: str) -> tuple[Compound, Access]:
    reject_in_resident_group(ctx)
    compound, access = await command_access(ctx)
    if not access.roles & READER_ROLES:
        raise deny(access, command, "抱歉，住户档案只对小区工作人员开放。居民可私聊发送“我的信息”查看本人登记。")
    return compound, access


def dwelling_argument(ctx: CommandContext, example: str) -> str:
    if not ctx.args:
        msg = f"请写上房号，例如：{example}"
        raise BadCommand(msg)
    return ctx.args[0]
