"""No report or reply is lost: a process killed after the platform's 200 or after processing, and a locked database."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import aiohttp
import asyncpg
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from bot.admin import grant
from handlers.directory import member_for
from handlers.outbox_store import FIRST_ATTEMPT_WAIT
from handlers.recovery import process_pending
from models import Case, Delivery, MessageOutcome, RawMessage, RoleKind, utcnow
from tests.conftest import _asyncpg_dsn
from tests.crash import killed_after_commit
from tests.wecom.conftest import AGENT_ID, CORP_ID, WeChatBot, start_bot, stop_bot
from tests.wecom.platform import FakeWeChat, app_text_xml
from tests.wecom.test_callbacks import APP, add_compound, app_says, texts_to
from tests.wecom.test_robots import ROBOT, grant_robot, robot_messages

# WeCom drops a callback's connection after five seconds without a response
# and sends the callback again.
PLATFORM_PATIENCE = aiohttp.ClientTimeout(total=5)


@asynccontextmanager
async def raw_message_locked(db_url: str) -> AsyncIterator[None]:
    """Hold, from a connection outside the bot, a lock that keeps every insert into raw_message waiting."""
    if db_url.startswith("sqlite"):
        connection = sqlite3.connect(make_url(db_url).database, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    connection = await asyncpg.connect(_asyncpg_dsn(db_url))
    transaction = connection.transaction()
    await transaction.start()
    # SHARE mode lets reads through and blocks inserts, as SQLite's write lock does.
    await connection.execute("LOCK TABLE raw_message IN SHARE MODE")
    try:
        yield
    finally:
        await transaction.rollback()
        await connection.close()


async def onboard(bot: WeChatBot, resident: str) -> None:
    await add_compound(bot)
    await app_says(bot, resident, "XQ0001 3栋", f"{resident}-onboard")


def receipts(bot: WeChatBot, resident: str) -> list[str]:
    return [t for t in texts_to(bot, resident) if "已登记" in t]


async def test_callback_killed_after_200_is_processed_after_restart(
    db_url: str, wechat: WeChatBot, fake_wechat: FakeWeChat, monkeypatch
):
    await onboard(wechat, "lina")
    # The process dies right after its response: the background work never runs.
    monkeypatch.setattr(wechat.app.tasks, "spawn", lambda work, name: work.close())
    xml = app_text_xml("lina", "3号楼电梯坏了，有人被困在里面", "m-1", corp_id=CORP_ID, agent_id=AGENT_ID)
    response = await wechat.post(APP, wechat.app_signer.encrypted_xml(xml))
    assert response.status == 200
    monkeypatch.undo()
    async with wechat.services.sessionmaker() as session, session.begin():
        await session.execute(update(RawMessage).values(received_at=utcnow() - timedelta(minutes=2)))

    restarted = await start_bot(db_url, fake_wechat)
    try:
        counts = await process_pending(restarted.services.pipeline, grace=timedelta(seconds=30))
    finally:
        await stop_bot(restarted)

    assert counts.processed == 1
    assert len(receipts(wechat, "lina")) == 1
    assert len(await wechat.rows(select(Case))) == 1


async def test_redelivery_of_pending_callback_is_processed(wechat: WeChatBot, monkeypatch):
    await onboard(wechat, "lina")
    xml = app_text_xml("lina", "5栋楼道灯不亮好几天了", "m-2", corp_id=CORP_ID, agent_id=AGENT_ID)
    monkeypatch.setattr(wechat.app.tasks, "spawn", lambda work, name: work.close())
    first = await wechat.post(APP, wechat.app_signer.encrypted_xml(xml))
    monkeypatch.undo()

    # The platform never got the first response and sends the message again.
    again = await wechat.post(APP, wechat.app_signer.encrypted_xml(xml))
    await wechat.settle()
    once_more = await wechat.post(APP, wechat.app_signer.encrypted_xml(xml))
    await wechat.settle()

    assert [first.status, again.status, once_more.status] == [200, 200, 200]
    assert len(await wechat.rows(select(Case))) == 1
    assert len(receipts(wechat, "lina")) == 1
    stored = await wechat.rows(select(RawMessage).where(RawMessage.platform_message_id == "m-2"))
    assert [raw.outcome for raw in stored] == [MessageOutcome.OPENED]


async def test_locked_database_answers_503_in_time(db_url: str, wechat: WeChatBot):
    await onboard(wechat, "lina")
    xml = app_text_xml("lina", "3栋地下室进水了，漫到配电箱了", "m-3", corp_id=CORP_ID, agent_id=AGENT_ID)
    request = wechat.app_signer.encrypted_xml(xml)

    async with raw_message_locked(db_url):
        locked = await wechat.client.post(APP, params=request.query, data=request.body, timeout=PLATFORM_PATIENCE)
        health = await wechat.client.get("/healthz", timeout=PLATFORM_PATIENCE)
        health_body = await health.json()
    # The platform sends the same request again.
    retried = await wechat.post(APP, request)
    await wechat.settle()
    healthy = await wechat.client.get("/healthz")

    assert locked.status == 503
    assert health.status == 503
    assert health_body["database"] == "locked"
    assert health_body["message"]
    assert retried.status == 200
    assert len(receipts(wechat, "lina")) == 1
    assert len(await wechat.rows(select(Case))) == 1
    assert healthy.status == 200
    assert await healthy.json() == {"status": "ok"}


async def test_replies_survive_kill_after_commit(db_url: str, wechat: WeChatBot, fake_wechat: FakeWeChat):
    await onboard(wechat, "lina")
    await grant_robot(wechat, RoleKind.PROPERTY_STAFF)
    async with wechat.services.sessionmaker() as session, session.begin():
        await grant(
            session, RoleKind.LIAISON_OFFICER, platform="wecom", user_id="officer-li", compound_code="XQ0001"
        )
        # Known on both WeCom routes as one member, the officer is reached through the app only.
        aibot_account = await member_for(session, "wecom_aibot", "officer-li")
    assert [(i.platform, i.platform_user_id) for i in aibot_account.identities] == [
        ("wecom", "officer-li"),
        ("wecom_aibot", "officer-li"),
    ]

    def processed(written: object) -> bool:
        return isinstance(written, RawMessage) and written.outcome != MessageOutcome.PENDING

    xml = app_text_xml("lina", "3号楼电梯坏了，有人被困在里面", "m-4", corp_id=CORP_ID, agent_id=AGENT_ID)
    with killed_after_commit(processed):
        response = await wechat.post(APP, wechat.app_signer.encrypted_xml(xml))
        await wechat.settle()
    assert response.status == 200
    assert receipts(wechat, "lina") == []
    assert robot_messages(wechat) == []

    restarted = await start_bot(db_url, fake_wechat)
    try:
        outbox = restarted.services.outbox
        recovered = await process_pending(restarted.services.pipeline, grace=timedelta(0))
        early = await outbox.retry_due(utcnow())
        due = await outbox.retry_due(utcnow() + FIRST_ATTEMPT_WAIT)
        later = await outbox.retry_due(utcnow() + timedelta(hours=1))
    finally:
        await stop_bot(restarted)

    assert recovered.processed == 0
    assert (early, due, later) == (0, 3, 0)
    [receipt] = receipts(wechat, "lina")
    assert "已登记：工单 0001" in receipt
    [notice] = robot_messages(wechat)
    assert "工单 0001" in notice
    [urgent_copy] = texts_to(wechat, "officer-li")
    assert "工单 0001" in urgent_copy
    rows = await wechat.rows(select(Delivery).where(Delivery.case_id.is_not(None)))
    assert sorted((d.platform, d.target_id) for d in rows) == [
        ("wecom", "lina"),
        ("wecom", "officer-li"),
        ("wecom_webhook", ROBOT),
    ]
    assert {d.status for d in rows} == {"sent"}
