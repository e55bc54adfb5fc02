"""A bounded check that a raw message could be stored right now, for /healthz."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from models.db import LOCK_NOT_AVAILABLE, storage_unavailable

log = logging.getLogger("models")

LOCKED = "locked"
UNREACHABLE = "unreachable"


async def check_writable(engine: AsyncEngine, *, wait_seconds: float) -> str | None:
    """Try to take the lock an insert into raw_message needs, and let it go again.

    Returns None when the lock was free within `wait_seconds`, LOCKED when
    another connection held it all that time, or UNREACHABLE when the
    database could not be opened or did not respond. Nothing is written.
    """
    if engine.dialect.name == "sqlite":
        path = engine.url.database
        if not path or path == ":memory:":
            return None
        return await asyncio.to_thread(_check_sqlite, path, wait_seconds)
    return await _check_postgres(engine, wait_seconds)


def _check_sqlite(path: str, wait_seconds: float) -> str | None:
    # A connection of its own, outside the engine's pool: a pooled aiosqlite
    # connection cannot be abandoned mid-wait, and mode=rw never creates a
    # missing database file.
    uri = f"{Path(path).absolute().as_uri()}?mode=rw"
    try:
        connection = sqlite3.connect(uri, uri=True, timeout=wait_seconds, isolation_level=None)
    except sqlite3.Error as exc:
        log.debug("database probe could not open %s: %s", path, exc)
        return UNREACHABLE
    try:
        # BEGIN IMMEDIATE takes the write lock that every insert needs. In
        # WAL mode a read does not wait for that lock, so a read alone would
        # report a locked database as fine.
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return LOCKED
        log.debug("database probe failed on %s: %s", path, exc)
        return UNREACHABLE
    finally:
        connection.close()
    return None


async def _check_postgres(engine: AsyncEngine, wait_seconds: float) -> str | None:
    # The server gives up on the lock at half the deadline, so a held lock is
    # reported as locked and only a server that does not respond at all runs
    # into the deadline.
    lock_wait_ms = max(1, round(wait_seconds * 500))
    try:
        async with asyncio.timeout(wait_seconds), engine.connect() as connection:
            transaction = await connection.begin()
            try:
                await connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{lock_wait_ms}ms'")
                # The mode an INSERT takes: it waits only for table locks that
                # would block inserts too, such as a migration's.
                await connection.exec_driver_sql("LOCK TABLE raw_message IN ROW EXCLUSIVE MODE")
            finally:
                await transaction.rollback()
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            return LOCKED
        if not storage_unavailable(exc):
            raise
        log.debug("database probe failed: %r", exc)
        return UNREACHABLE
    except OSError as exc:
        # A refused connection, or no response within the deadline.
        log.debug("database probe failed: %r", exc)
        return UNREACHABLE
    return None
