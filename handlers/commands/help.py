"""帮助: the commands the asking user may use, with an example each."""

from __future__ import annotations

from collections.abc import Callable

from handlers.commands.base import CommandContext, CommandSpec, reply_here
from handlers.commands.common import command_compound
from handlers.errors import BadCommand
from handlers.messages import Reply
from handlers.onboarding import onboard
from handlers.permissions import LEVEL_LABELS, Level, access_for, holds_staff_role

# The platform whose users type slash commands (/case 0034).
TELEGRAM = "telegram"


def build_help(specs: Callable[[], list[CommandSpec]]) -> CommandSpec:
    """Return the help command over the registry's commands, read when it runs."""

    async def show_help(ctx: CommandContext) -> list[Reply]:
        level = Level.RESIDENT
        try:
            compound = await command_compound(ctx)
        except BadCommand:
            compound = None
        if compound is not None:
            level = (await access_for(ctx.session, ctx.member, compound)).level
        # Slash commands are Telegram's own form. Elsewhere they only confuse,
        # and WeCom's markdown escaping shows their underscores full-width.
        slash = ctx.message.platform == TELEGRAM
        also = "（也可以发送斜杠指令）" if slash else ""
        lines = [f"您好！您的身份是{LEVEL_LABELS[level]}，可用指令如下{also}："]
        for spec in specs():
            if spec.audience > level or not spec.verbs:
                continue
            name = f"（/{spec.name}）" if slash else ""
            lines.append(f"· {spec.verbs[0]}{name}：{spec.help}。例：{spec.example}")
        if level is Level.RESIDENT:
            lines.append(
                "在群里直接描述问题（如“3栋电梯坏了”）即可登记工单；别人已反映的问题，回复“我也是”即可。"
            )
        return [reply_here(ctx, "\n".join(lines))]

    return CommandSpec(
        name="help",
        verbs=("帮助", "菜单"),
        handler=show_help,
        help="查看可用指令",
        example="帮助",
    )


def build_start(help_spec: CommandSpec) -> CommandSpec:
    """Return /start, the first thing a Telegram user sends to a bot.

    In a resident's private chat that names no compound yet it requests the
    resident's address, as their first message would. Everywhere else, and
    for staff, it shows the help. It has no Chinese verb, so 帮助 does not
    list it.
    """

    async def start(ctx: CommandContext) -> list[Reply]:
        unbound = ctx.message.is_private and ctx.chat.compound_id is None
        if unbound and not await holds_staff_role(ctx.session, ctx.member):
            return await onboard(ctx.session, ctx.chat, ctx.member, ctx.message, ctx.now)
        return await help_spec.handler(ctx)

    return CommandSpec(name="start", verbs=(), handler=start, help="开始使用，查看可用指令", example="/start")
