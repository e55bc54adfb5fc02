"""Chat commands, assembled in one registry."""

from __future__ import annotations

from handlers.commands import bind, query
from handlers.commands.base import CommandContext, CommandRegistry, CommandSpec, ParsedCommand


def build_registry(bot_username: str | None = None) -> CommandRegistry:
    """Return a registry with every command the bot knows."""
    registry = CommandRegistry(bot_username)
    for module in (query, bind):
        registry.add(module.SPEC)
    return registry


__all__ = ["CommandContext", "CommandRegistry", "CommandSpec", "ParsedCommand", "build_registry"]
