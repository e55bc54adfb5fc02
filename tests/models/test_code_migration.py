"""The code migration stores existing compound codes in the form 绑定 reads."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Integer, String, column, insert, select, table
from sqlalchemy.engine import Connection

from models.base import UTCDateTime
from models.db import alembic_config, create_engine, migrate
from tests.helpers import T0

CODE_REVISION = "f3c8a1d6b2e7"

compound = table(
    "compound",
    column("code", String),
    column("name", String),
    column("last_case_seq", Integer),
    column("created_at", UTCDateTime()),
)


def _compound(code: str, name: str) -> dict[str, object]:
    return {"code": code, "name": name, "last_case_seq": 0, "created_at": T0}


async def test_upgrade_normalizes_codes(db_url):
    engine = create_engine(db_url)

    def downgrade(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), f"{CODE_REVISION}-1")

    def upgrade(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), CODE_REVISION)

    try:
        async with engine.begin() as connection:
            await connection.run_sync(downgrade)
            await connection.execute(
                insert(compound),
                [
                    _compound("XQ０００９", "全角小区"),
                    _compound("xq0010", "小写小区"),
                    _compound("XQ0011", "已有小区"),
                    _compound("ＸＱ0011", "重复小区"),
                ],
            )
        async with engine.begin() as connection:
            await connection.run_sync(upgrade)
        async with engine.connect() as connection:
            codes = dict((await connection.execute(select(compound.c.name, compound.c.code))).all())
    finally:
        await migrate(engine)
        await engine.dispose()

    assert codes["全角小区"] == "XQ0009"
    assert codes["小写小区"] == "XQ0010"
    assert codes["已有小区"] == "XQ0011"
    assert codes["重复小区"] == "ＸＱ0011"
