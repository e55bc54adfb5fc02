"""Building and finding stored raw messages, shared by the pipeline and batch intake."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.messages import InboundAttachment, InboundMessage
from models import RawMessage, utcnow


def raw_lookup(message: InboundMessage) -> Select[tuple[int]]:
    """Select the id of the stored copy of a message, keyed as platforms redeliver it."""
    return select(RawMessage.id).where(
        RawMessage.platform == message.platform,
        RawMessage.account == message.account,
        RawMessage.sender_id == message.sender_id,
        RawMessage.platform_message_id == message.message_id,
    )


async def stored_before(session: AsyncSession, message: InboundMessage) -> bool:
    return await session.scalar(raw_lookup(message)) is not None


def attachment_json(attachment: InboundAttachment) -> dict[str, Any]:
    return {
        "kind": attachment.kind,
        "media_id": attachment.media_id,
        "url": attachment.url,
        "file_path": attachment.file_path,
        "meta": attachment.meta,
    }


def raw_message_for(message: InboundMessage, **overrides: Any) -> RawMessage:
    """Build the row that stores a message as it arrived; overrides set other columns."""
    fields: dict[str, Any] = {
        "platform": message.platform,
        "account": message.account,
        "chat_id": message.chat_id,
        "sender_id": message.sender_id,
        "sender_name": message.sender_name,
        "platform_message_id": message.message_id,
        "sent_at": message.sent_at,
        "received_at": utcnow(),
        "text": message.text,
        "reply_to": message.reply_to,
        "attachments": [attachment_json(a) for a in message.attachments],
    }
    fields.update(overrides)
    return RawMessage(**fields)
