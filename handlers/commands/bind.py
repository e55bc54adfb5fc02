"""绑定: bind the current chat to a compound by its code."""

from __future__ import annotations

import logging

from sqlalchemy import select

from handlers.commands.base import CommandContext, CommandSpec, reply_here
from handlers.directory import bind_chat, compound_by_code
from handlers.errors import BadCommand, NotFound
from handlers.group_titles import is_staff_title
from handlers.ladder import role_targets
from handlers.messages import Reply, UserTarget
from handlers.permissions import Level, access_for, deny, has_compound_wide_staff, has_officer
from models import ChatKind, Compound, Identity, RoleKind
from models.codes import normalize_code

log = logging.getLogger("handlers.commands")

# Words after the code that mark the chat as a staff group: 绑定 XQ0001 工作群.
STAFF_WORDS = frozenset({"工作群", "工作人员群", "staff"})
# Words after the code that keep a chat whose title reads as a work group a
# residents' group: 绑定 XQ0001 居民群.
RESIDENT_WORDS = frozenset({"居民群", "业主群"})

# Roles whose holders get a notice when a chat leaves their compound.
OFFICER_ROLES = [RoleKind.LIAISON_OFFICER, RoleKind.BRANCH_SECRETARY]


async def bind(ctx: CommandContext) -> list[Reply]:
    if not ctx.args:
        msg = "请在“绑定”后写上小区编码，例如：绑定 XQ0001"
        raise BadCommand(msg)
    compound = await compound_by_code(ctx.session, ctx.args[0])
    if compound is None:
        msg = f"没有编码为“{normalize_code(ctx.args[0])}”的小区，请向社区核对小区编码。"
        raise NotFound(msg)

    previous = await _previous_compound(ctx, compound)
    if previous is not None:
        await _require_officer_of_previous(ctx, previous, compound)
    await _require_officer_of_target(ctx, compound)

    if previous is not None:
        log.info("chat %s moves from compound %s to %s", ctx.chat.id, previous.id, compound.id)
    await bind_chat(ctx.session, ctx.chat, compound, ctx.now)
    notices = await _tell_previous_officers(ctx, previous, compound) if previous is not None else []

    word = ctx.args[1] if len(ctx.args) > 1 else None
    # Without a word from the officer, a title such as 阳光花园工作群 marks
    # a staff group, so the staff's talk never turns into cases.
    by_title = word is None and is_staff_title(ctx.chat.title)
    if word in STAFF_WORDS or by_title:
        ctx.chat.kind = ChatKind.STAFF_GROUP
        text = (
            f"本群已作为“{compound.name}”（{compound.code}）的工作群绑定，"
            "群内只响应指令，不登记工单。"
        )
        if by_title:
            text += f"群名表明这是工作群；如果这是居民群，请发送“绑定 {compound.code} 居民群”。"
        return [reply_here(ctx, text), *notices]
    if ctx.chat.kind == ChatKind.STAFF_GROUP:
        ctx.chat.kind = ChatKind.RESIDENT_GROUP
    text = (
        f"本群已绑定到“{compound.name}”（{compound.code}），居民在群里反映的问题将自动登记为工单。"
    )
    return [reply_here(ctx, text), *notices]


async def _previous_compound(ctx: CommandContext, target: Compound) -> Compound | None:
    """Return the compound the chat is bound to now, unless it is the target itself."""
    if ctx.chat.compound_id is None or ctx.chat.compound_id == target.id:
        return None
    return await ctx.session.get(Compound, ctx.chat.compound_id)


async def _require_officer_of_previous(ctx: CommandContext, previous: Compound, target: Compound) -> None:
    """Reject a rebind unless the sender runs the compound the chat belongs to now.

    Otherwise any resident could move a group, and its reports, to a
    compound that nobody runs yet. A compound without officers or community
    and street staff, such as one a replayed log named after a group title,
    cannot lock its groups, so the officers of the target compound may take them.
    """
    access = await access_for(ctx.session, ctx.member, previous)
    if access.compound_wide:
        return
    if not await has_compound_wide_staff(ctx.session, previous):
        target_access = await access_for(ctx.session, ctx.member, target)
        if target_access.compound_wide:
            log.info("chat %s leaves compound %s, which has no officer or area staff", ctx.chat.id, previous.id)
            return
        raise deny(
            target_access,
            "bind",
            f"本群已绑定“{previous.name}”（{previous.code}），该小区还没有小区专员。"
            f"只有“{target.name}”的小区专员、党组织书记或社区、街道工作人员可以把本群改绑过去，请联系他们办理。",
        )
    raise deny(
        access,
        "bind",
        f"本群已绑定“{previous.name}”（{previous.code}），"
        "只有该小区的小区专员、党组织书记或社区、街道工作人员可以改绑。如需改绑，请联系小区专员。",
    )


async def _require_officer_of_target(ctx: CommandContext, compound: Compound) -> None:
    access = await access_for(ctx.session, ctx.member, compound)
    if await has_officer(ctx.session, compound):
        if not access.compound_wide:
            # The sender may be an officer of another compound, so the
            # reply names the compound whose staff may bind.
            raise deny(
                access,
                "bind",
                f"抱歉，只有“{compound.name}”（{compound.code}）的小区专员、党组织书记"
                "或社区、街道工作人员可以把群聊绑定到该小区。",
            )
        return
    # NOTE: a compound nobody runs yet may be bound by whoever holds its
    # code, so a new deployment can start before roles are granted.
    log.warning(
        "chat %s bound to compound %s, which has no officer yet, by member %s",
        ctx.chat.id,
        compound.id,
        ctx.member.id,
    )


async def _tell_previous_officers(ctx: CommandContext, previous: Compound, compound: Compound) -> list[Reply]:
    """Build notices for the officers of the compound a chat left, naming where its reports go now."""
    # The sender already reads the command's own reply.
    rows = await ctx.session.execute(
        select(Identity.platform, Identity.platform_user_id).where(Identity.member_id == ctx.member.id)
    )
    own_accounts = {(platform, user_id) for platform, user_id in rows}
    title = f"“{ctx.chat.title}”" if ctx.chat.title else "一个群聊"
    actor = ctx.member.display_name or "一位工作人员"
    text = (
        f"【群聊改绑】{title}原绑定“{previous.name}”（{previous.code}），"
        f"已由{actor}改绑到“{compound.name}”（{compound.code}），此后该群反映的问题将登记到新小区。"
        "如非本小区的安排，请联系社区核实。"
    )
    replies = []
    for target in await role_targets(ctx.session, OFFICER_ROLES, compound_id=previous.id):
        if (target["platform"], target["user_id"]) in own_accounts:
            continue
        replies.append(Reply(UserTarget(target["platform"], target["user_id"]), text, audience="officer"))
    return replies


SPEC = CommandSpec(
    name="bind",
    verbs=("绑定",),
    handler=bind,
    help="把本群绑定到小区（工作群加“工作群”）",
    example="绑定 XQ0001",
    audience=Level.OFFICER,
)
