"""GET /healthz responds with 503 and a short reason while no message could be stored."""

from __future__ import annotations

import socket

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.health import HealthCheck
from bot.server import build_web_app
from models.db import create_engine
from tests.helpers import make_services


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_healthz_reports_missing_sqlite_file(tmp_path):
    path = tmp_path / "bot.sqlite3"
    services, _console = await make_services(f"sqlite+aiosqlite:///{path}")

    async with TestClient(TestServer(build_web_app(services), host="127.0.0.1")) as client:
        before = await client.get("/healthz")
        for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
            (tmp_path / name).unlink(missing_ok=True)
        after = await client.get("/healthz")
        body = await after.json()

    assert before.status == 200
    assert after.status == 503
    assert body == {"status": "unavailable", "database": "unreachable", "message": "无法连接数据库"}
    assert not path.exists()


async def test_healthz_reports_postgres_not_listening():
    engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/bot", lock_wait_seconds=1)
    app = web.Application()
    app.router.add_get("/healthz", HealthCheck(engine).handle)

    try:
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            response = await client.get("/healthz")
            body = await response.json()
    finally:
        await engine.dispose()

    assert response.status == 503
    assert body["database"] == "unreachable"
