"""Engine, sessions and schema migrations for SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

log = logging.getLogger("models")

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# PostgreSQL SQLSTATEs (Appendix A of its manual) of errors that pass:
# lock_not_available after lock_timeout, and the classes connection
# exception (08), insufficient resources (53) and operator intervention (57),
# which holds query_canceled after statement_timeout and server shutdowns.
LOCK_NOT_AVAILABLE = "55P03"
TRANSIENT_SQLSTATES = frozenset({LOCK_NOT_AVAILABLE})
TRANSIENT_CLASSES = frozenset({"08", "53", "57"})
# Seconds a statement waits for SQLite's write lock before it fails.
DEFAULT_LOCK_WAIT_SECONDS = 30.0
# Seconds a quick engine waits for a free pooled connection: its callers
# have a deadline of a few seconds, so they must not queue behind the pool.
QUICK_POOL_WAIT_SECONDS = 0.5


def create_engine(url: str, *, echo: bool = False, lock_wait_seconds: float | None = None) -> AsyncEngine:
    """Create an async engine; on SQLite, create the folder and turn on foreign keys and WAL.

    Args:
        lock_wait_seconds: Builds a quick engine for callers with a deadline:
            on SQLite it is the wait for the write lock, on PostgreSQL the
            connect, lock and statement timeouts. None waits as long as
            DEFAULT_LOCK_WAIT_SECONDS on SQLite and without limit on PostgreSQL.
    """
    kwargs: dict[str, Any] = {"echo": echo}
    quick = lock_wait_seconds is not None
    if quick:
        kwargs["pool_timeout"] = QUICK_POOL_WAIT_SECONDS
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # One writer at a time: wait for the lock instead of failing at once.
        kwargs["connect_args"] = {"timeout": lock_wait_seconds if quick else DEFAULT_LOCK_WAIT_SECONDS}
    else:
        kwargs["pool_pre_ping"] = True
        if quick:
            milliseconds = f"{round(lock_wait_seconds * 1000)}ms"
            kwargs["connect_args"] = {
                "timeout": lock_wait_seconds,
                "server_settings": {"lock_timeout": milliseconds, "statement_timeout": milliseconds},
            }
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(connection: Connection | None = None) -> Config:
    """Build the Alembic configuration for the migrations shipped in this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema up to the newest migration; a current schema is left alone."""

    def upgrade(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), "head")

    async with engine.begin() as connection:
        await connection.run_sync(upgrade)
    log.info("database schema is at the newest migration")


def storage_unavailable(exc: BaseException) -> bool:
    """Tell whether an error means the database cannot be reached or written now, not that the data is bad.

    SQLite reports a lock held past the wait as OperationalError ("database
    is locked"). asyncpg's errors reach SQLAlchemy as a plain DBAPIError,
    and its SQLSTATE distinguishes a lock or statement timeout, a lost
    connection, a server shutting down or out of resources from bad data. A refused
    connection and an asyncio deadline are OSError.
    """
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    if isinstance(exc, DBAPIError):
        sqlstate = getattr(exc.orig, "sqlstate", None) or ""
        return bool(exc.connection_invalidated) or sqlstate in TRANSIENT_SQLSTATES or sqlstate[:2] in TRANSIENT_CLASSES
    return isinstance(exc, OSError)
