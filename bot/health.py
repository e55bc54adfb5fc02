"""GET /healthz: 200 while a message could be stored now, 503 with the reason otherwise."""

from __future__ import annotations

import json
import logging
from functools import partial

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from models.probe import LOCKED, UNREACHABLE, check_writable

log = logging.getLogger("bot")

# Seconds the probe waits for the database; monitors often allow a health
# check only one or two seconds.
PROBE_WAIT_SECONDS = 1.0
MESSAGES = {
    LOCKED: "数据库被其他连接锁定，暂时无法保存消息",
    UNREACHABLE: "无法连接数据库",
}


class HealthCheck:
    """The /healthz handler; it logs when the database becomes unavailable and when it is back."""

    def __init__(self, engine: AsyncEngine, *, wait_seconds: float = PROBE_WAIT_SECONDS) -> None:
        self.engine = engine
        self.wait_seconds = wait_seconds
        self._last_problem: str | None = None

    async def handle(self, _request: web.Request) -> web.Response:
        problem = await check_writable(self.engine, wait_seconds=self.wait_seconds)
        if problem != self._last_problem:
            if problem is None:
                log.info("health check: the database accepts writes again")
            else:
                log.warning("health check: the database is %s", problem)
            self._last_problem = problem
        if problem is None:
            return web.json_response({"status": "ok"})
        body = {"status": "unavailable", "database": problem, "message": MESSAGES[problem]}
        return web.json_response(body, status=503, dumps=partial(json.dumps, ensure_ascii=False))
