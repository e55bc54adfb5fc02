"""The shared services of one process, built once from the settings."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.settings import Settings
from handlers.commands import CommandRegistry, build_registry
from handlers.intake import Classifies, Pipeline
from handlers.messages import Outbound
from handlers.outbox import Outbox
from models.db import create_engine, create_sessionmaker, migrate

log = logging.getLogger("bot")


@dataclass(slots=True)
class Services:
    """The services that adapters, handlers and the scheduler share in one process."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    classifier: Classifies
    outbox: Outbox
    commands: CommandRegistry
    pipeline: Pipeline
    # A second pool whose lock and connect waits end within
    # callback_store_timeout_seconds, for work that must respond in time:
    # storing a callback's message and the /healthz probe.
    quick_engine: AsyncEngine
    quick_sessionmaker: async_sessionmaker[AsyncSession]

    async def close(self) -> None:
        await self.quick_engine.dispose()
        await self.engine.dispose()


def load_classifier() -> Classifies:
    from nlp import Classifier

    return Classifier.load()


async def build_services(
    settings: Settings,
    *,
    outbound: Iterable[Outbound] = (),
    fallback: Outbound | None = None,
    classifier: Classifies | None = None,
    bot_username: str | None = None,
) -> Services:
    """Connect to the database, apply migrations, load the classifier and wire the pipeline."""
    engine = create_engine(settings.resolved_database_url, echo=settings.database_echo)
    await migrate(engine)
    sessionmaker = create_sessionmaker(engine)
    quick_engine = create_engine(
        settings.resolved_database_url,
        echo=settings.database_echo,
        lock_wait_seconds=settings.callback_store_timeout_seconds,
    )
    classifier = classifier or load_classifier()
    outbox = Outbox(sessionmaker, outbound, fallback=fallback)
    commands = build_registry(bot_username)
    pipeline = Pipeline(
        sessionmaker,
        classifier,
        outbox,
        commands,
        triage_threshold=settings.triage_threshold,
        duplicate_window=timedelta(hours=settings.duplicate_window_hours),
        zone=ZoneInfo(settings.timezone),
        corrections_path=settings.data_dir / "corrections.csv",
    )
    return Services(
        settings,
        engine,
        sessionmaker,
        classifier,
        outbox,
        commands,
        pipeline,
        quick_engine,
        create_sessionmaker(quick_engine),
    )
