"""The periodic pass that sends deliveries due for another attempt."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from handlers.outbox import Outbox

log = logging.getLogger("handlers.outbox")

# Seconds between retry passes; the shortest backoff is 30 s, so a retry is
# at most this late.
DEFAULT_INTERVAL_SECONDS = 10.0
# Seconds a pass in progress may take to finish at shutdown before it is cancelled.
STOP_GRACE_SECONDS = 5.0


class OutboxWorker:
    """Runs `Outbox.retry_due` every `interval_seconds` until stopped.

    The first pass runs at start, so deliveries left pending or interrupted
    by a previous process are sent once their claim is released or stale.
    """

    def __init__(self, outbox: Outbox, *, interval_seconds: float = DEFAULT_INTERVAL_SECONDS) -> None:
        self.outbox = outbox
        self.interval_seconds = interval_seconds
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name="outbox-retry")
        log.info("outbox worker started: instance=%s interval=%ss", self.outbox.instance, self.interval_seconds)

    async def stop(self) -> None:
        """Stop the passes, then put back the deliveries this process still has claimed."""
        self._stop.set()
        if self._task is not None:
            done, _ = await asyncio.wait({self._task}, timeout=STOP_GRACE_SECONDS)
            if not done:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        await self.outbox.release_claims()
        log.info("outbox worker stopped: instance=%s", self.outbox.instance)

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                # A pass reschedules or finishes every row it claims, so passes
                # repeat only while more rows are due.
                while await self.outbox.retry_due() and not self._stop.is_set():
                    pass
            except Exception:
                log.exception("outbox retry pass failed: instance=%s", self.outbox.instance)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.interval_seconds)
