"""Shared fixtures: a migrated database on SQLite and PostgreSQL, and wired services.

Every test that takes `db_url` runs twice, once per database. PostgreSQL
tests use a database of their own per test run, created from the server
named by TEST_POSTGRES_URL and dropped at the end, so parallel runs on one
server never see each other's rows. Without TEST_POSTGRES_URL they are
skipped, except under CI, where that is an error.
"""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from models import Base
from models.db import create_engine, migrate

POSTGRES_ENV = "TEST_POSTGRES_URL"


def _postgres_server_url() -> str | None:
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if not url and os.environ.get("CI"):
        msg = f"{POSTGRES_ENV} must be set under CI so the suite runs on PostgreSQL too"
        raise pytest.UsageError(msg)
    return url or None


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze the imported modules out of garbage collection, as bot.server.serve does after its start.

    Without it each full collection walks some 350,000 objects on the event
    loop's thread, which on a loaded 2-core machine stalled callbacks for
    over a second, longer than some of their stores.
    """
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """Create a private PostgreSQL database for this run and drop it afterwards."""
    server = _postgres_server_url()
    if server is None:
        yield None
        return
    name = f"cbtest_{os.getpid()}_{uuid.uuid4().hex[:8]}"

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(_asyncpg_dsn(server))
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_migrate(url))
    try:
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies, so migrations run once per run."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
async def db_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    postgres_database: str | None,
) -> AsyncIterator[str]:
    """A clean, migrated database URL; each test gets empty tables."""
    if request.param == "sqlite":
        path = tmp_path / "bot.sqlite3"
        shutil.copy(sqlite_template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    if postgres_database is None:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    await _truncate(postgres_database)
    yield postgres_database


async def _truncate(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture(autouse=True)
async def close_services() -> AsyncIterator[None]:
    """Dispose of every engine a test built, even when the test failed."""
    from tests.helpers import OPEN_SERVICES

    yield
    while OPEN_SERVICES:
        await OPEN_SERVICES.pop().close()
