"""Timers of cases, reminders, the escalation ladder and digests, run by one scheduler job.

`build_scheduler` turns the settings into a configured Scheduler; tests build
a Sweeper directly and call `run_once(now)` with the moment they choose.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.calendar import WorkCalendar
from handlers.ladder import use_rung_limits
from handlers.limits import DEFAULT_RULES, LimitTable, load_rules, use_table
from handlers.outbox import Outbox
from models import utcnow
from scheduler.config import QuietHours, TimerConfig
from scheduler.runner import Scheduler
from scheduler.sweep import Sweeper, SweepReport

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger("scheduler")

__all__ = ["Scheduler", "SweepReport", "Sweeper", "TimerConfig", "build_scheduler", "install_limit_table", "timer_config"]


def instance_name() -> str:
    """Return a name for this process that differs between two instances on one host."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def install_limit_table(settings: Settings) -> LimitTable:
    """Install the limit table that sets the deadlines of new cases, from LIMITS_FILE and HOLIDAYS_FILE.

    Raises:
        handlers.calendar.CalendarFileError: HOLIDAYS_FILE cannot be read.
        handlers.limits.LimitsFileError: LIMITS_FILE cannot be read.
    """
    calendar = WorkCalendar.from_file(settings.holidays_file, ZoneInfo(settings.timezone))
    rules = load_rules(settings.limits_file) if settings.limits_file else DEFAULT_RULES
    table = LimitTable(rules, calendar)
    use_table(table)
    return table


def timer_config(settings: Settings) -> TimerConfig:
    """Build the timer configuration and install the limit table for new cases.

    Years around today without holiday data are reported here, once at start.

    Raises:
        handlers.calendar.CalendarFileError: HOLIDAYS_FILE cannot be read.
        handlers.limits.LimitsFileError: LIMITS_FILE cannot be read.
    """
    table = install_limit_table(settings)
    year = utcnow().astimezone(ZoneInfo(settings.timezone)).year
    table.calendar.warn_unknown_years([year, year + 1])
    config = TimerConfig(
        table=table,
        reminder_fractions=tuple(settings.reminder_fractions),
        quiet=QuietHours(
            settings.quiet_hours_start, settings.quiet_hours_end, settings.quiet_on_rest_days
        ),
        rating_reminder_after=timedelta(hours=settings.rating_reminder_hours),
        rating_close_after=timedelta(days=settings.rating_close_days),
        digest_time=settings.digest_time,
        weekly_digest=settings.weekly_digest,
        chart_dir=str(settings.data_dir / "charts"),
    )
    use_rung_limits(config.rung_limit)
    return config


def build_scheduler(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], outbox: Outbox
) -> Scheduler:
    """Build the scheduler of one service process from its settings."""
    config = timer_config(settings)
    sweeper = Sweeper(
        sessionmaker, outbox, config, instance=instance_name(), dry_run=settings.scheduler_dry_run
    )
    return Scheduler(
        sweeper, zone=config.zone, interval_seconds=settings.scheduler_interval_seconds
    )
