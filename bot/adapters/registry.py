"""The adapters a process may run, and the logic that starts the configured ones."""

from __future__ import annotations

import logging
from typing import Protocol

from aiohttp import web

from bot.adapters.telegram import TelegramAdapter
from bot.adapters.wecom import wechat_adapters
from bot.adapters.wecom_archive import WecomArchiveAdapter
from bot.adapters.wecom_longconn import WecomLongConnAdapter
from bot.services import Services
from bot.settings import Settings

log = logging.getLogger("bot")


class Adapter(Protocol):
    """A platform adapter as the service starts and stops it."""

    name: str

    def missing_settings(self, settings: Settings) -> str | None:
        """Return why the adapter is off (the missing settings), or None when configured."""
        ...

    def incomplete_settings(self, settings: Settings) -> str | None:
        """Describe, in Chinese, what an adapter lacks whose settings are partly filled; else None."""
        ...

    async def start(self, services: Services, app: web.Application) -> None:
        """Register routes and outbound senders, and start background tasks."""
        ...

    async def stop(self) -> None: ...


def available_adapters() -> list[Adapter]:
    """Return one instance of every adapter this build knows."""
    return [*wechat_adapters(), TelegramAdapter(), WecomArchiveAdapter(), WecomLongConnAdapter()]


def incomplete_adapters(settings: Settings) -> list[str]:
    """Return one line per adapter that some settings request but that cannot start."""
    problems = (adapter.incomplete_settings(settings) for adapter in available_adapters())
    return [problem for problem in problems if problem is not None]


async def start_adapters(services: Services, app: web.Application) -> list[Adapter]:
    """Start each configured adapter and log why each other one stays off.

    The service checks incomplete_adapters before, so an adapter that stays
    off here has none of its own settings filled.
    """
    started: list[Adapter] = []
    for adapter in available_adapters():
        reason = adapter.missing_settings(services.settings)
        if reason:
            log.info("adapter %s is off: %s", adapter.name, reason)
            continue
        try:
            await adapter.start(services, app)
        except BaseException:
            # The adapters started before hold HTTP sessions and tasks, which
            # would be left open when the service stops on this error.
            for earlier in reversed(started):
                await earlier.stop()
            raise
        log.info("adapter %s is on", adapter.name)
        started.append(adapter)
    if not started:
        log.info("no adapter is configured; the service runs with the HTTP server and scheduler only")
    return started
