"""The migration that keeps the chat type of raw messages fills it in for rows stored before it."""

from __future__ import annotations

from alembic import command
from sqlalchemy import JSON, Boolean, Integer, String, column, insert, select, table
from sqlalchemy.engine import Connection

from models.base import UTCDateTime
from models.db import alembic_config, create_engine, migrate
from tests.helpers import T0

PENDING_REVISION = "e4b7a05c3d12"

chat_group = table(
    "chat_group",
    column("platform", String),
    column("chat_id", String),
    column("title", String),
    column("kind", String),
    column("active", Boolean),
    column("created_at", UTCDateTime()),
)
old_raw_message = table(
    "raw_message",
    column("platform", String),
    column("account", String),
    column("chat_id", String),
    column("sender_id", String),
    column("sender_name", String),
    column("platform_message_id", String),
    column("sent_at", UTCDateTime()),
    column("received_at", UTCDateTime()),
    column("text", String),
    column("attachments", JSON),
    column("withdrawn", Boolean),
    column("outcome", String),
)
new_raw_message = table(
    "raw_message",
    column("platform_message_id", String),
    column("is_private", Boolean),
    column("chat_title", String),
    column("mentions_bot", Boolean),
    column("recovery_attempts", Integer),
)


def _raw(platform: str, chat_id: str, message_id: str) -> dict[str, object]:
    return {
        "platform": platform,
        "account": "",
        "chat_id": chat_id,
        "sender_id": "resident-1",
        "sender_name": "",
        "platform_message_id": message_id,
        "sent_at": T0,
        "received_at": T0,
        "text": "电梯坏了",
        "attachments": [],
        "withdrawn": False,
        "outcome": "pending",
    }


async def test_upgrade_marks_known_private_chats(db_url):
    engine = create_engine(db_url)

    def downgrade(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), f"{PENDING_REVISION}-1")

    def upgrade(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), PENDING_REVISION)

    try:
        async with engine.begin() as connection:
            await connection.run_sync(downgrade)
            await connection.execute(
                insert(chat_group).values(
                    platform="telegram", chat_id="42", title="", kind="private", active=True, created_at=T0
                )
            )
            await connection.execute(
                insert(old_raw_message),
                [
                    _raw("telegram", "42", "private-chat"),
                    _raw("telegram", "-1001", "group-chat"),
                    _raw("wecom", "lina", "wecom-app"),
                ],
            )
        async with engine.begin() as connection:
            await connection.run_sync(upgrade)
        async with engine.connect() as connection:
            rows = {row.platform_message_id: row for row in await connection.execute(select(new_raw_message))}
    finally:
        await migrate(engine)
        await engine.dispose()

    assert rows["private-chat"].is_private is True
    assert rows["group-chat"].is_private is False
    assert rows["wecom-app"].is_private is True
    assert {row.recovery_attempts for row in rows.values()} == {0}
    assert {row.chat_title for row in rows.values()} == {""}
    assert {row.mentions_bot for row in rows.values()} == {False}
