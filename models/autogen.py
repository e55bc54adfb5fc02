"""Write a new Alembic revision from the difference between the models and the migrations.

Run as `python -m models.autogen "what changed"`. It upgrades a scratch SQLite
database to the newest revision, compares it with the models and writes the
difference as the next revision.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from alembic import command
from sqlalchemy.engine import Connection

from models.db import alembic_config, create_engine, migrate


async def autogenerate(message: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(folder) / 'scratch.sqlite3'}")
        await migrate(engine)

        def revise(connection: Connection) -> None:
            command.revision(alembic_config(connection), message=message, autogenerate=True)

        async with engine.begin() as connection:
            await connection.run_sync(revise)
        await engine.dispose()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit('usage: python -m models.autogen "what changed"')
    asyncio.run(autogenerate(sys.argv[1]))
