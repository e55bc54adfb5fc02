"""绑定: bind the current chat to a compound by its code."""

from __future__ import annotations

import logging

from handlers.commands.base import CommandContext, CommandSpec, reply_here
from handlers.directory import bind_chat, compound_by_code
from handlers.errors import BadCommand, NotFound
from handlers.messages import Reply
from handlers.permissions import Level, access_for, has_officer, require_officer
from models import ChatKind

log = logging.getLogger("handlers.commands")

# Words after the code that mark the chat as a staff group: 绑定 XQ0001 工作群.
STAFF_WORDS = frozenset({"工作群", "工作人员群", "staff"})


async def bind(ctx: CommandContext) -> list[Reply]:
    if not ctx.args:
        msg = "请在“绑定”后写上小区编码，例如：绑定 XQ0001"
        raise BadCommand(msg)
    compound = await compound_by_code(ctx.session, ctx.args[0])
    if compound is None:
        msg = f"没有编码为“{ctx.args[0]}”的小区，请向社区核对小区编码。"
        raise NotFound(msg)
    access = await access_for(ctx.session, ctx.member, compound)
    if await has_officer(ctx.session, compound):
        require_officer(access, "bind", "绑定群聊")
    else:
        # NOTE: a compound nobody runs yet may be bound by whoever holds its
        # code, so a new deployment can start before roles are granted.
        log.warning(
            "chat %s bound to compound %s, which has no officer yet, by member %s",
            ctx.chat.id,
            compound.id,
            ctx.member.id,
        )
    if ctx.chat.compound_id is not None and ctx.chat.compound_id != compound.id:
        log.info(
            "chat %s moves from compound %s to %s", ctx.chat.id, ctx.chat.compound_id, compound.id
        )
    await bind_chat(ctx.session, ctx.chat, compound, ctx.now)

    if len(ctx.args) > 1 and ctx.args[1] in STAFF_WORDS:
        ctx.chat.kind = ChatKind.STAFF_GROUP
        text = (
            f"本群已作为“{compound.name}”（{compound.code}）的工作群绑定，"
            "群内只响应指令，不登记工单。"
        )
        return [reply_here(ctx, text)]
    if ctx.chat.kind == ChatKind.STAFF_GROUP:
        ctx.chat.kind = ChatKind.RESIDENT_GROUP
    text = (
        f"本群已绑定到“{compound.name}”（{compound.code}），居民在群里反映的问题将自动登记为工单。"
    )
    return [reply_here(ctx, text)]


SPEC = CommandSpec(
    name="bind",
    verbs=("绑定",),
    handler=bind,
    help="把本群绑定到小区（工作群加“工作群”）",
    example="绑定 XQ0001",
    audience=Level.OFFICER,
)
