"""The command menu Telegram shows, built from the shared command registry."""

from __future__ import annotations

import logging
import re

from aiogram import Bot
from aiogram.types import BotCommand

from handlers.commands import CommandRegistry

log = logging.getLogger("bot.telegram")

# Bot API limits for setMyCommands (core.telegram.org/bots/api#botcommand).
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
MAX_DESCRIPTION_CHARS = 256


def bot_commands(registry: CommandRegistry) -> list[BotCommand]:
    """Return one menu entry per registered command, described by its Chinese help line.

    A command whose name Telegram would reject is left out with a warning,
    and a description longer than the limit is shortened.
    """
    commands: list[BotCommand] = []
    for spec in registry.specs:
        if not _COMMAND_NAME.match(spec.name):
            log.warning("command %r is not a valid Telegram command name; left out of the menu", spec.name)
            continue
        description = spec.help.strip() or spec.example.strip() or spec.name
        if len(description) > MAX_DESCRIPTION_CHARS:
            description = description[: MAX_DESCRIPTION_CHARS - 1] + "…"
        commands.append(BotCommand(command=spec.name, description=description))
    return commands


async def register_commands(bot: Bot, registry: CommandRegistry) -> list[BotCommand]:
    """Publish the command menu with setMyCommands and return what was sent."""
    commands = bot_commands(registry)
    await bot.set_my_commands(commands)
    log.info("registered %d commands with setMyCommands", len(commands))
    return commands
