"""Texts over the AI bot's 20480-byte limit go out over the long connection as several messages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.adapters.wecom.limits import LONGCONN_MAX_BYTES
from bot.adapters.wecom_longconn.adapter import LongConnOutbound
from bot.adapters.wecom_longconn.protocol import PLATFORM, parse_message_frame
from handlers.messages import ChatTarget, Reply, UserTarget
from handlers.outbox_store import STALE_CLAIM
from models import Delivery, utcnow
from tests.helpers import two_part_text
from tests.longconn.conftest import GROUP, Deployment
from tests.longconn.fake_gateway import message_frame

FIRST, SECOND = two_part_text(LONGCONN_MAX_BYTES)
LONG_TEXT = FIRST + SECOND
GROUP_TARGET = ChatTarget(PLATFORM, GROUP)


def outbound(deployed: Deployment) -> LongConnOutbound:
    assert deployed.adapter.outbound is not None
    return deployed.adapter.outbound


def accepted(deployed: Deployment) -> list[dict[str, Any]]:
    """Reply and push frames that the gateway acknowledged with errcode 0."""
    return [
        frame
        for frame in deployed.gateway.frames
        if frame.get("cmd") in ("aibot_respond_msg", "aibot_send_msg") and frame not in deployed.gateway.rejected
    ]


def content(frame: dict[str, Any]) -> str:
    body = frame["body"]
    return body["stream"]["content"] if body["msgtype"] == "stream" else body["markdown"]["content"]


def remember_message(deployed: Deployment, msgid: str) -> None:
    """Let the sender know a group message as if the gateway had pushed it, without running the pipeline."""
    frame = message_frame(f"REQ-{msgid}", msgid, "@物业小助手 3号楼电梯又坏了")
    callback = parse_message_frame(frame, received_at=utcnow())
    assert callback is not None
    outbound(deployed).remember(callback)


async def stored(deployed: Deployment) -> Delivery:
    async with deployed.services.sessionmaker() as session:
        [row] = list(await session.scalars(select(Delivery)))
    return row


async def test_long_push_split_on_line_break(deployed: Deployment) -> None:
    await outbound(deployed).send(UserTarget(PLATFORM, "wangwu"), LONG_TEXT)

    pushes = accepted(deployed)
    assert [content(f) for f in pushes] == [FIRST, SECOND]
    assert all(f["cmd"] == "aibot_send_msg" for f in pushes)
    assert all(f["body"]["chatid"] == "wangwu" for f in pushes)
    assert all(len(content(f).encode()) <= LONGCONN_MAX_BYTES for f in pushes)


async def test_text_without_breaks_split_between_characters(deployed: Deployment) -> None:
    # Four-byte characters and no line break: every cut falls between two characters.
    text = "🏠" * (LONGCONN_MAX_BYTES // 4 + 10)

    await outbound(deployed).send(UserTarget(PLATFORM, "wangwu"), text)

    parts = [content(f) for f in accepted(deployed)]
    assert len(parts) == 2
    assert "".join(parts) == text
    assert all(len(part.encode()) <= LONGCONN_MAX_BYTES for part in parts)


async def test_reply_answers_then_pushes_rest(deployed: Deployment) -> None:
    remember_message(deployed, "MSG-7")

    await outbound(deployed).send(GROUP_TARGET, LONG_TEXT, reply_to="MSG-7")

    reply, push = accepted(deployed)
    assert (reply["cmd"], reply["headers"]["req_id"], content(reply)) == ("aibot_respond_msg", "REQ-MSG-7", FIRST)
    assert (push["cmd"], push["body"]["chatid"], content(push)) == ("aibot_send_msg", GROUP, SECOND)
    assert push["body"]["chat_type"] == 2


async def test_busy_second_part_resent_alone(deployed: Deployment) -> None:
    remember_message(deployed, "MSG-8")
    deployed.gateway.reject("aibot_send_msg", -1)

    [result] = await deployed.services.outbox.deliver([Reply(GROUP_TARGET, LONG_TEXT, reply_to="MSG-8")])

    assert result.retryable
    row = await stored(deployed)
    assert (row.status, row.parts_sent) == ("pending", 1)
    assert [content(f) for f in accepted(deployed)] == [FIRST]

    assert await deployed.services.outbox.retry_due(utcnow() + timedelta(hours=1)) == 1

    assert [content(f) for f in accepted(deployed)] == [FIRST, SECOND]
    assert (await stored(deployed)).status == "sent"


async def test_interrupted_send_resumes_after_recorded_part(deployed: Deployment) -> None:
    long_ago = utcnow() - STALE_CLAIM - timedelta(minutes=1)
    async with deployed.services.sessionmaker() as session, session.begin():
        # A process that died after the first part arrived left this row.
        session.add(
            Delivery(
                platform=PLATFORM,
                target_kind="chat",
                target_id=GROUP,
                text=LONG_TEXT,
                status="sending",
                created_at=long_ago,
                give_up_at=utcnow() + timedelta(hours=1),
                claimed_at=long_ago,
                claimed_by="dead-host:1:abc123",
                parts_sent=1,
                reply_to="MSG-9",
            )
        )

    assert await deployed.services.outbox.retry_due() == 1

    [push] = accepted(deployed)
    assert (push["cmd"], content(push)) == ("aibot_send_msg", SECOND)
    assert (await stored(deployed)).status == "sent"
