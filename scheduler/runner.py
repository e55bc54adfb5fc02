"""A thin typed wrapper around one APScheduler AsyncIOScheduler.

APScheduler holds a single interval job, the due-work sweep; the timers of
cases live in the database, so 100,000 open cases are still one job. A
missed run is coalesced into one, and a run never overlaps the previous one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from models import utcnow
from scheduler.sweep import Sweeper, SweepReport

log = logging.getLogger("scheduler")

SWEEP_JOB_ID = "due-work-sweep"


class Scheduler:
    """Runs the sweep every `interval_seconds` on the running event loop."""

    def __init__(
        self,
        sweeper: Sweeper,
        *,
        zone: ZoneInfo,
        interval_seconds: float,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sweeper = sweeper
        self.zone = zone
        self.interval_seconds = interval_seconds
        self.clock = clock
        self._scheduler = AsyncIOScheduler(timezone=zone)
        self._running: asyncio.Task[object] | None = None

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def start(self) -> None:
        """Start the scheduler on the running loop; the first sweep runs at once."""
        self._scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=self.interval_seconds, timezone=self.zone),
            id=SWEEP_JOB_ID,
            next_run_time=datetime.now(self.zone),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            replace_existing=True,
        )
        self._scheduler.start()
        log.info(
            "scheduler started: instance=%s interval=%ss dry_run=%s",
            self.sweeper.instance,
            self.interval_seconds,
            self.sweeper.dry_run,
        )

    async def stop(self) -> None:
        """Stop scheduling sweeps and wait for a sweep in progress to finish."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if self._running is not None:
            # A pass stopped half-way would leave claimed notifications
            # unsent for ten minutes, so it is allowed to finish.
            await asyncio.wait({self._running})
        log.info("scheduler stopped: instance=%s", self.sweeper.instance)

    async def tick(self) -> SweepReport | None:
        """Run one sweep; a failure is logged and the next tick tries again."""
        self._running = asyncio.current_task()
        try:
            return await self.sweeper.run_once(self.clock())
        except Exception:
            log.exception("sweep failed: instance=%s", self.sweeper.instance)
            return None
        finally:
            self._running = None
