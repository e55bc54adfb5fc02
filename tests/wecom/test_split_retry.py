"""A long WeCom text sent as several messages is retried from the first part that did not arrive."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.adapters.wecom.limits import MARKDOWN_MAX_BYTES, TEXT_MAX_BYTES
from handlers.directory import chat_for
from handlers.messages import ChatTarget, Reply, UserTarget
from handlers.outbox_store import STALE_CLAIM
from models import ChatKind, Delivery, utcnow
from tests.helpers import two_part_text
from tests.wecom.conftest import WeChatBot

LATER = timedelta(hours=1)
FIRST, SECOND = two_part_text(TEXT_MAX_BYTES)
LONG_TEXT = FIRST + SECOND
MARKDOWN_FIRST, MARKDOWN_SECOND = two_part_text(MARKDOWN_MAX_BYTES)
LONG_MARKDOWN = MARKDOWN_FIRST + MARKDOWN_SECOND
STAFF_GROUP = "wrOgQhDgAAmX-staff"


def texts(wechat: WeChatBot, path: str) -> list[str]:
    return [p["text"]["content"] for p in wechat.fake.sent(path)]


def markdowns(wechat: WeChatBot) -> list[str]:
    return [p["markdown"]["content"] for p in wechat.fake.sent("webhook/send")]


async def only_row(wechat: WeChatBot) -> Delivery:
    [row] = await wechat.rows(select(Delivery))
    return row


async def deliver_then_retry(wechat: WeChatBot, reply: Reply) -> tuple[Delivery, Delivery]:
    """Deliver a reply whose second part fails, retry it, and return the row after each step."""
    [result] = await wechat.services.outbox.deliver([reply])
    assert result.retryable
    failed = await only_row(wechat)

    assert await wechat.services.outbox.retry_due(utcnow() + LATER) == 1
    return failed, await only_row(wechat)


async def test_member_message_resent_from_failed_part(wechat: WeChatBot):
    wechat.fake.fail("message/send", -1, errmsg="system busy", text={"content": SECOND})

    failed, retried = await deliver_then_retry(wechat, Reply(UserTarget("wecom", "zhangwei"), LONG_TEXT))

    assert (failed.status, failed.parts_sent) == ("pending", 1)
    assert "errcode -1" in (failed.last_error or "")
    assert retried.status == "sent"
    assert texts(wechat, "message/send") == [FIRST, SECOND]


async def test_app_group_resent_from_failed_part(wechat: WeChatBot):
    async with wechat.services.sessionmaker() as session, session.begin():
        chat = await chat_for(session, "wecom", STAFF_GROUP, title="物业工作群")
        chat.kind = ChatKind.STAFF_GROUP
    wechat.fake.fail("appchat/send", -1, errmsg="system busy", text={"content": SECOND})

    failed, retried = await deliver_then_retry(wechat, Reply(ChatTarget("wecom", STAFF_GROUP), LONG_TEXT))

    assert (failed.status, failed.parts_sent) == ("pending", 1)
    assert retried.status == "sent"
    assert texts(wechat, "appchat/send") == [FIRST, SECOND]


async def test_official_account_resent_after_http_500(wechat: WeChatBot):
    # The transport tries four times (the first and three backoffs) before it gives up.
    wechat.fake.fail("message/custom/send", 0, status=500, times=4, text={"content": SECOND})

    failed, retried = await deliver_then_retry(
        wechat, Reply(UserTarget("wechat_mp", "oResident-openid-1"), LONG_TEXT)
    )

    assert (failed.status, failed.parts_sent) == ("pending", 1)
    assert "HTTP 500" in (failed.last_error or "")
    assert retried.status == "sent"
    assert texts(wechat, "message/custom/send") == [FIRST, SECOND]


async def test_group_robot_resent_from_failed_part(wechat: WeChatBot):
    wechat.fake.fail("webhook/send", -1, errmsg="system busy", markdown={"content": MARKDOWN_SECOND})

    failed, retried = await deliver_then_retry(
        wechat, Reply(ChatTarget("wecom_webhook", "物业工作群"), LONG_MARKDOWN)
    )

    assert (failed.status, failed.parts_sent) == ("pending", 1)
    assert retried.status == "sent"
    assert markdowns(wechat) == [MARKDOWN_FIRST, MARKDOWN_SECOND]


async def test_interrupted_send_resumes_after_recorded_part(wechat: WeChatBot):
    long_ago = utcnow() - STALE_CLAIM - timedelta(minutes=1)
    async with wechat.services.sessionmaker() as session, session.begin():
        # A process that died after the first part arrived left this row.
        session.add(
            Delivery(
                platform="wecom",
                target_kind="user",
                target_id="zhangwei",
                text=LONG_TEXT,
                status="sending",
                created_at=long_ago,
                give_up_at=utcnow() + LATER,
                claimed_at=long_ago,
                claimed_by="dead-host:1:abc123",
                parts_sent=1,
            )
        )

    assert await wechat.services.outbox.retry_due() == 1

    assert texts(wechat, "message/send") == [SECOND]
    row = await only_row(wechat)
    assert row.status == "sent"


async def test_aibot_resume_stays_on_app_route(wechat: WeChatBot):
    # The person wrote again meanwhile, but the first part went through the app.
    wechat.aibot.outbound.urls.remember("zhangwei", "msg-2", wechat.fake.response_url())
    recorded: list[int] = []

    async def record(parts: int) -> None:
        recorded.append(parts)

    await wechat.aibot.outbound.send_parts(
        UserTarget("wecom_aibot", "zhangwei"), LONG_TEXT, first_part=1, parts_sent=record
    )

    assert texts(wechat, "message/send") == [SECOND]
    assert wechat.fake.calls("aibot/response") == []
    assert wechat.aibot.outbound.urls.take("zhangwei", "msg-2") is not None
    # No part follows the last one, so nothing more is recorded.
    assert recorded == []


async def test_parts_recorded_between_sends(wechat: WeChatBot):
    recorded: list[int] = []

    async def record(parts: int) -> None:
        recorded.append(parts)

    await wechat.app.outbound.send_parts(UserTarget("wecom", "zhangwei"), LONG_TEXT, parts_sent=record)

    assert recorded == [1]
    assert texts(wechat, "message/send") == [FIRST, SECOND]
