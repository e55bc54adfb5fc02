"""Chat commands, assembled in one registry."""

from __future__ import annotations

from handlers.commands import (
    actions,
    bind,
    listing,
    merging,
    query,
    recategorize,
    register,
    relocate,
    report,
    resident,
    stats,
    timers,
    triage,
)
from handlers.commands.base import CommandContext, CommandRegistry, CommandSpec, ParsedCommand
from handlers.commands.help import build_help, build_start


def build_registry(bot_username: str | None = None) -> CommandRegistry:
    """Return a registry with every command the bot knows, help first."""
    registry = CommandRegistry(bot_username)
    help_spec = build_help(lambda: registry.specs)
    registry.add(help_spec)
    registry.add(build_start(help_spec))
    for spec in (
        query.SPEC,
        *resident.SPECS,
        report.SPEC,
        listing.SPEC,
        *actions.SPECS,
        *triage.SPECS,
        *recategorize.SPECS,
        *relocate.SPECS,
        *merging.SPECS,
        stats.SPEC,
        *timers.SPECS,
        bind.SPEC,
        *register.SPECS,
    ):
        registry.add(spec)
    registry.progress_question = query.QUESTION_SPEC
    return registry


__all__ = ["CommandContext", "CommandRegistry", "CommandSpec", "ParsedCommand", "build_registry"]
