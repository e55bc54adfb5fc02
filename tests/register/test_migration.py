"""The register migration can be taken back and applied again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from models.db import alembic_config, create_engine, migrate

REGISTER_REVISION = "ad2a2ce2fdd9"
REGISTER_TABLES = {"dwelling", "occupant"}


async def test_register_migration_downgrades(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'migrate.sqlite3'}")

    def tables(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names())

    def downgrade(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), f"{REGISTER_REVISION}-1")

    try:
        await migrate(engine)
        async with engine.connect() as connection:
            assert REGISTER_TABLES <= await connection.run_sync(tables)
        async with engine.begin() as connection:
            await connection.run_sync(downgrade)
        async with engine.connect() as connection:
            assert not REGISTER_TABLES & await connection.run_sync(tables)
        await migrate(engine)
        async with engine.connect() as connection:
            assert REGISTER_TABLES <= await connection.run_sync(tables)
    finally:
        await engine.dispose()
