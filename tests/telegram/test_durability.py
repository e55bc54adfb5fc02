"""Replies of a change committed just before the process was killed still reach Telegram, once."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest
from sqlalchemy import select

from bot.adapters.telegram.convert import message_key
from handlers.directory import member_for
from handlers.messages import InboundMessage
from handlers.outbox_store import FIRST_ATTEMPT_WAIT, PERSONAL_PLACEHOLDER
from handlers.permissions import grant_role
from handlers.recovery import process_pending
from models import ChatGroup, Compound, Delivery, MessageOutcome, Occupant, PartyKind, RawMessage, RoleKind, utcnow
from tests.crash import ProcessKilled, killed_after_commit
from tests.helpers import T0
from tests.telegram.conftest import TelegramHarness, start_harness
from tests.telegram.fake_bot_api import BOT_ID
from tests.telegram.updates import OFFICER, RESIDENT, SUPERGROUP, bot_membership

MANAGER = 5550011
_message_ids = count(801)


def telegram_message(text: str, *, chat_id: int = SUPERGROUP, sender: int = RESIDENT) -> InboundMessage:
    """A message as the adapter hands it to the pipeline; a private chat's id is the sender's."""
    return InboundMessage(
        platform="telegram",
        account=str(BOT_ID),
        chat_id=str(chat_id),
        sender_id=str(sender),
        sender_name="王阿姨",
        message_id=message_key(chat_id, next(_message_ids)),
        sent_at=T0,
        text=text,
        is_private=chat_id == sender,
    )


def processed(written: object) -> bool:
    """Tell whether a flush records a raw message's outcome, which the intake commits last."""
    return isinstance(written, RawMessage) and written.outcome != MessageOutcome.PENDING


async def add_staff(harness: TelegramHarness, compound: Compound, user_id: int, role: RoleKind) -> None:
    async with harness.services.sessionmaker() as session, session.begin():
        member = await member_for(session, "telegram", str(user_id), "李经理")
        row = await session.get_one(Compound, compound.id)
        party = {RoleKind.PROPERTY_MANAGER: PartyKind.PROPERTY, RoleKind.LIAISON_OFFICER: PartyKind.PARTY}[role]
        await grant_role(session, member, role, compound=row, party=row.party(party))


async def restart(db_url: str, killed: TelegramHarness) -> TelegramHarness:
    """Start a new process on the same database and the same fake Bot API."""
    return await start_harness(db_url, api=killed.api)


async def stop(harness: TelegramHarness) -> None:
    # The fixture that started the fake Bot API closes it.
    await harness.adapter.stop()
    await harness.client.close()
    await harness.services.close()


async def send_pending(harness: TelegramHarness) -> tuple[int, int, int]:
    """Run the retry pass now, once the first-attempt wait is over, and an hour later; return the counts."""
    outbox = harness.services.outbox
    early = await outbox.retry_due(utcnow())
    due = await outbox.retry_due(utcnow() + FIRST_ATTEMPT_WAIT)
    later = await outbox.retry_due(utcnow() + timedelta(hours=1))
    return early, due, later


async def test_report_answered_once_after_kill(db_url, telegram):
    compound = await telegram.bind(SUPERGROUP)
    await add_staff(telegram, compound, MANAGER, RoleKind.PROPERTY_MANAGER)

    report = telegram_message("3栋2单元电梯坏了，卡在7楼不动")
    with killed_after_commit(processed), pytest.raises(ProcessKilled):
        await telegram.services.pipeline.handle(report)
    assert telegram.api.sent_to(SUPERGROUP) == []
    assert telegram.api.sent_to(MANAGER) == []

    restarted = await restart(db_url, telegram)
    try:
        recovered = await process_pending(restarted.services.pipeline, grace=timedelta(0))
        early, due, later = await send_pending(restarted)
    finally:
        await stop(restarted)

    assert recovered.processed == 0
    assert (early, due, later) == (0, 2, 0)
    [receipt] = telegram.api.sent_to(SUPERGROUP)
    assert receipt.startswith("已登记：工单 0001")
    [notice] = telegram.api.sent_to(MANAGER)
    assert "工单 0001" in notice
    [to_group] = [c for c in telegram.api.calls_of("sendMessage") if c.params["chat_id"] == str(SUPERGROUP)]
    assert message_key(SUPERGROUP, to_group.params["reply_parameters"]["message_id"]) == report.message_id


async def test_personal_command_reply_after_kill(db_url, telegram):
    compound = await telegram.bind(SUPERGROUP)
    await add_staff(telegram, compound, OFFICER, RoleKind.LIAISON_OFFICER)
    command = telegram_message("登记住户 3栋2单元1002 张三 业主 13812345678", chat_id=OFFICER, sender=OFFICER)

    with killed_after_commit(processed), pytest.raises(ProcessKilled):
        await telegram.services.pipeline.handle(command)
    async with telegram.services.sessionmaker() as session:
        [waiting] = await session.scalars(select(Delivery))
        occupants = list(await session.scalars(select(Occupant)))
    assert waiting.status == "pending"
    assert len(occupants) == 1

    restarted = await restart(db_url, telegram)
    try:
        early, due, later = await send_pending(restarted)
    finally:
        await stop(restarted)

    assert (early, due, later) == (0, 1, 0)
    [reply] = telegram.api.sent_to(OFFICER)
    assert reply.startswith("已登记：3栋2单元1002室 张三")
    async with telegram.services.sessionmaker() as session:
        [sent] = await session.scalars(select(Delivery))
    assert sent.status == "sent"
    assert sent.text == PERSONAL_PLACEHOLDER


async def test_group_reply_gives_up_at_six_hours(db_url, telegram):
    await telegram.bind(SUPERGROUP)

    with killed_after_commit(processed), pytest.raises(ProcessKilled):
        await telegram.services.pipeline.handle(telegram_message("5号楼楼道的灯坏了好几天"))

    restarted = await restart(db_url, telegram)
    telegram.api.behind_broken_proxy = True
    try:
        await restarted.services.outbox.retry_due(utcnow() + FIRST_ATTEMPT_WAIT)
        async with telegram.services.sessionmaker() as session:
            [row] = await session.scalars(select(Delivery))
        assert row.status == "pending"
        await restarted.services.outbox.retry_due(utcnow() + timedelta(hours=6, minutes=1))
    finally:
        telegram.api.behind_broken_proxy = False
        await stop(restarted)

    async with telegram.services.sessionmaker() as session:
        [row] = await session.scalars(select(Delivery))
    assert row.give_up_at - row.created_at == timedelta(hours=6)
    assert row.status == "failed"
    assert row.attempts == 2
    assert telegram.api.sent_to(SUPERGROUP) == []


async def test_slow_first_attempt_sends_once(db_url, telegram, monkeypatch):
    compound = await telegram.bind(SUPERGROUP)
    await add_staff(telegram, compound, MANAGER, RoleKind.PROPERTY_MANAGER)
    other = await restart(db_url, telegram)
    outbox = telegram.services.outbox
    first_attempt = outbox.send_queued

    async def stalled(queued):  # noqa: ANN001, ANN202
        # This process stalls between the commit and its claim, and the other
        # process's retry pass runs after the first-attempt wait.
        await other.services.outbox.retry_due(utcnow() + FIRST_ATTEMPT_WAIT)
        return await first_attempt(queued)

    monkeypatch.setattr(outbox, "send_queued", stalled)
    try:
        await telegram.services.pipeline.handle(telegram_message("2栋门禁坏了，刷卡没反应"))
        again = await other.services.outbox.retry_due(utcnow() + timedelta(hours=1))
    finally:
        await stop(other)

    assert again == 0
    assert len(telegram.api.sent_to(SUPERGROUP)) == 1
    assert len(telegram.api.sent_to(MANAGER)) == 1
    async with telegram.services.sessionmaker() as session:
        rows = list(await session.scalars(select(Delivery)))
    assert [(r.status, r.attempts, r.claimed_by) for r in rows] == [("sent", 1, None)] * 2


async def test_join_greeting_survives_kill(db_url, telegram):
    def hint_marked(written: object) -> bool:
        return isinstance(written, ChatGroup) and written.bind_hint_sent_at is not None

    new_group = -1005550001111
    with killed_after_commit(hint_marked), pytest.raises(ProcessKilled):
        await telegram.adapter.dispatcher.feed_webhook_update(
            telegram.adapter.bot, bot_membership(new_group, "left", "member")
        )
    assert telegram.api.sent_to(new_group) == []

    restarted = await restart(db_url, telegram)
    try:
        early, due, later = await send_pending(restarted)
    finally:
        await stop(restarted)

    assert (early, due, later) == (0, 1, 0)
    [greeting] = telegram.api.sent_to(new_group)
    assert "/bind" in greeting
