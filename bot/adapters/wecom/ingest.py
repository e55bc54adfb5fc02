"""Store each inbound message at once and act on it in the background.

The platforms give a callback five seconds and then send it again, so the
endpoint only stores the message (durably, deduplicated) before it responds,
and gives up on the store before those five seconds are over. Classification,
case work and replies run in a background task.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.intake import Pipeline
from handlers.messages import InboundMessage
from models.db import storage_unavailable

log = logging.getLogger("bot.wecom")


class BackgroundTasks:
    """Named tasks with a reference kept until they finish, so none is collected mid-way."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def wait_idle(self) -> None:
        """Wait until every task, including ones spawned meanwhile, has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self, grace_seconds: float = 10.0) -> None:
        """Let running work finish for up to `grace_seconds`, then cancel the rest."""
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(list(self._tasks), timeout=grace_seconds)
        for task in pending:
            log.warning("background task %s cancelled at shutdown", task.get_name())
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)


class Ingestor:
    """Feeds the pipeline: store in the request, process and reply in the background.

    Args:
        store_sessionmaker: Sessions for the store, from an engine whose lock
            and connect waits end within `store_timeout`.
        store_timeout: Seconds the store may take before accept() gives up;
            None waits as long as the pipeline's own sessions do.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        tasks: BackgroundTasks,
        *,
        store_sessionmaker: async_sessionmaker[AsyncSession] | None = None,
        store_timeout: float | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.tasks = tasks
        self.store_sessionmaker = store_sessionmaker
        self.store_timeout = store_timeout

    async def accept(self, message: InboundMessage) -> bool:
        """Store a message and schedule its processing; return False for a redelivery.

        Raises:
            TimeoutError: The store took longer than `store_timeout`.
            Exception: Whatever the database raised. Either way the caller
                responds with an error status, so the platform sends the
                callback again.
        """
        async with asyncio.timeout(self.store_timeout):
            raw_id = await self.pipeline.store(message, sessionmaker=self.store_sessionmaker)
        if raw_id is None:
            log.info(
                "message platform=%s id=%s outcome=duplicate", message.platform, message.message_id
            )
            return False
        self.tasks.spawn(
            self._process(raw_id, message), name=f"{message.platform}-message-{raw_id}"
        )
        return True

    async def _process(self, raw_id: int, message: InboundMessage) -> None:
        started = time.perf_counter()
        try:
            # process() records a failure on the message and sends an
            # apology. Only an unavailable database escapes it on purpose and
            # leaves the message pending, so anything else is a bug worth a
            # traceback.
            result = await self.pipeline.process(raw_id, message, now=self.pipeline.clock())
        except Exception as exc:
            if storage_unavailable(exc):
                # process() logged it. The pending-message pass or the
                # platform's next delivery processes the message.
                return
            log.exception(
                "background processing failed: platform=%s id=%s raw=%s",
                message.platform,
                message.message_id,
                raw_id,
            )
            return
        log.info(
            "message platform=%s id=%s outcome=%s cases=%s ms=%.1f",
            message.platform,
            message.message_id,
            result.outcome,
            result.case_ids,
            (time.perf_counter() - started) * 1000,
        )
