"""In a forum supergroup the bot replies, and later reports on a case, in the topic where the resident wrote."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.adapters.telegram.convert import message_key
from handlers.messages import InboundMessage
from handlers.recovery import process_pending
from models import Delivery, MessageOutcome, RawMessage, utcnow
from tests.crash import ProcessKilled, killed_after_commit
from tests.helpers import T0
from tests.telegram.conftest import TelegramHarness, start_harness
from tests.telegram.fake_bot_api import BOT_ID
from tests.telegram.updates import (
    OFFICER,
    RESIDENT,
    SUPERGROUP,
    group_message,
    in_topic,
    next_message_id,
    private_message,
    update,
)

REPAIRS = 42
CHAT_TOPIC = 7
REPORT = "3栋2单元电梯坏了，卡在7楼不动"


async def staffed_forum(telegram: TelegramHarness) -> None:
    """Bind a forum supergroup with two topics and make OFFICER its compound's liaison officer."""
    compound = await telegram.bind(SUPERGROUP)
    telegram.api.make_forum(SUPERGROUP, REPAIRS, CHAT_TOPIC)
    await telegram.make_officer(compound)


async def deliveries(telegram: TelegramHarness) -> list[Delivery]:
    async with telegram.services.sessionmaker() as session:
        return list(await session.scalars(select(Delivery).order_by(Delivery.id)))


async def test_receipt_goes_to_reporting_topic(telegram):
    await staffed_forum(telegram)
    message_id = next_message_id()

    await telegram.deliver(update(group_message(REPORT, message_id=message_id, **in_topic(REPAIRS))))

    [receipt] = telegram.api.sent_in_topic(SUPERGROUP, REPAIRS)
    assert receipt.startswith("已登记：工单 0001")
    assert telegram.api.sent_in_topic(SUPERGROUP, None) == []
    # The receipt quotes the report, not the message that opened the topic.
    [call] = [c for c in telegram.api.calls_of("sendMessage") if c.params["chat_id"] == str(SUPERGROUP)]
    assert call.params["reply_parameters"]["message_id"] == message_id
    [case] = await telegram.cases()
    assert case.thread_id == str(REPAIRS)


async def test_case_updates_follow_the_topic(telegram):
    await staffed_forum(telegram)
    await telegram.deliver(update(group_message(REPORT, **in_topic(REPAIRS))))

    await telegram.deliver(update(private_message("受理 0001")))
    await telegram.deliver(update(private_message("办结 0001 已更换控制板")))

    receipt, acknowledged, resolved = telegram.api.sent_in_topic(SUPERGROUP, REPAIRS)
    assert receipt.startswith("已登记：工单 0001")
    assert "正在处理" in acknowledged
    assert "已办结" in resolved
    assert "评价 0001" in resolved
    assert telegram.api.sent_in_topic(SUPERGROUP, None) == []


async def test_rating_in_topic_answered_there(telegram):
    await staffed_forum(telegram)
    await telegram.deliver(update(group_message(REPORT, **in_topic(REPAIRS))))
    await telegram.deliver(update(private_message("受理 0001")))
    await telegram.deliver(update(private_message("办结 0001 已更换控制板")))

    await telegram.deliver(update(group_message("评价 0001 满意", **in_topic(REPAIRS))))

    answers = telegram.api.sent_in_topic(SUPERGROUP, REPAIRS)
    assert len(answers) == 4
    assert "满意" in answers[3]
    assert telegram.api.sent_in_topic(SUPERGROUP, None) == []


async def test_command_in_another_topic_also_tells_case_topic(telegram):
    await staffed_forum(telegram)
    await telegram.deliver(update(group_message(REPORT, **in_topic(REPAIRS))))

    await telegram.deliver(update(group_message("受理 0001", sender=OFFICER, **in_topic(CHAT_TOPIC))))

    [answer] = telegram.api.sent_in_topic(SUPERGROUP, CHAT_TOPIC)
    receipt, note = telegram.api.sent_in_topic(SUPERGROUP, REPAIRS)
    assert "正在处理" in note
    assert answer == note


async def test_general_topic_reply_sent_without_topic(telegram):
    await staffed_forum(telegram)
    # A reply in the General topic names the reply chain in message_thread_id,
    # which is no forum topic.
    message = group_message(REPORT, reply_to=311, message_thread_id=311)

    await telegram.deliver(update(message))

    sends = [c for c in telegram.api.calls_of("sendMessage") if c.params["chat_id"] == str(SUPERGROUP)]
    assert [c.params["_topic"] for c in sends] == [None]
    assert sends[0].params["_delivered"]
    [case] = await telegram.cases()
    assert case.thread_id is None


@pytest.mark.parametrize("gone", ["deleted", "closed"])
async def test_update_for_gone_topic_goes_to_general(telegram, gone):
    await staffed_forum(telegram)
    await telegram.deliver(update(group_message(REPORT, **in_topic(REPAIRS))))
    if gone == "deleted":
        telegram.api.delete_topic(SUPERGROUP, REPAIRS)
    else:
        telegram.api.close_topic(SUPERGROUP, REPAIRS)

    await telegram.deliver(update(private_message("受理 0001")))

    [note] = telegram.api.sent_in_topic(SUPERGROUP, None)
    assert "正在处理" in note
    assert {d.status for d in await deliveries(telegram)} == {"sent"}


async def test_retried_reply_keeps_its_topic(telegram):
    await staffed_forum(telegram)
    telegram.api.behind_broken_proxy = True

    await telegram.deliver(update(group_message(REPORT, **in_topic(REPAIRS))))

    [waiting] = [d for d in await deliveries(telegram) if d.target_kind == "chat"]
    assert waiting.status == "pending"
    assert waiting.thread_id == str(REPAIRS)
    telegram.api.behind_broken_proxy = False
    await telegram.services.outbox.retry_due(utcnow() + timedelta(hours=1))
    [receipt] = telegram.api.sent_in_topic(SUPERGROUP, REPAIRS)
    assert receipt.startswith("已登记：工单 0001")


async def test_report_recovered_after_kill_answered_in_topic(db_url, telegram):
    await staffed_forum(telegram)
    report = InboundMessage(
        platform="telegram",
        account=str(BOT_ID),
        chat_id=str(SUPERGROUP),
        sender_id=str(RESIDENT),
        sender_name="王阿姨",
        message_id=message_key(SUPERGROUP, next_message_id()),
        sent_at=T0,
        text=REPORT,
        thread_id=str(REPAIRS),
    )

    def stored(written: object) -> bool:
        return isinstance(written, RawMessage) and written.outcome == MessageOutcome.PENDING

    with killed_after_commit(stored), pytest.raises(ProcessKilled):
        await telegram.services.pipeline.handle(report)
    restarted = await start_harness(db_url, api=telegram.api)
    try:
        counts = await process_pending(restarted.services.pipeline, grace=timedelta(0))
    finally:
        await restarted.adapter.stop()
        await restarted.client.close()
        await restarted.services.close()

    assert counts.processed == 1
    [receipt] = telegram.api.sent_in_topic(SUPERGROUP, REPAIRS)
    assert receipt.startswith("已登记：工单 0001")
    [case] = await telegram.cases()
    assert case.thread_id == str(REPAIRS)
