"""Building and finding stored raw messages, shared by the pipeline and batch intake."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.messages import InboundAttachment, InboundMessage
from models import MessageOutcome, RawMessage, utcnow


def raw_lookup(message: InboundMessage) -> Select[tuple[int]]:
    """Select the id of the stored copy of a message, keyed as platforms redeliver it."""
    return select(RawMessage.id).where(*_same_message(message))


def stored_outcome(message: InboundMessage) -> Select[tuple[int, str]]:
    """Select the id and outcome of the stored copy of a message."""
    return select(RawMessage.id, RawMessage.outcome).where(*_same_message(message))


def _same_message(message: InboundMessage) -> tuple[Any, ...]:
    return (
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
        "thread_id": message.thread_id,
        "quoted_text": message.quoted_text,
        "attachments": [attachment_json(a) for a in message.attachments],
        "chat_title": message.chat_title[:200],
        "is_private": message.is_private,
        "mentions_bot": message.mentions_bot,
    }
    fields.update(overrides)
    return RawMessage(**fields)


def message_from_raw(raw: RawMessage) -> InboundMessage:
    """Rebuild the inbound message a stored row came from, as the adapter built it."""
    return InboundMessage(
        platform=raw.platform,
        account=raw.account,
        chat_id=raw.chat_id,
        chat_title=raw.chat_title,
        is_private=raw.is_private,
        sender_id=raw.sender_id,
        sender_name=raw.sender_name,
        message_id=raw.platform_message_id,
        sent_at=raw.sent_at,
        text=raw.text,
        reply_to=raw.reply_to,
        thread_id=raw.thread_id,
        quoted_text=raw.quoted_text or "",
        attachments=tuple(InboundAttachment(**item) for item in raw.attachments or ()),
        mentions_bot=raw.mentions_bot,
    )


async def claim_pending(session: AsyncSession, raw_id: int) -> bool:
    """Lock a pending raw message for the caller's transaction; return False when it is not for this caller.

    False means another transaction processed the message already or has
    it locked now. The lock lasts until the transaction ends, so the outcome the
    caller records commits with it, and a process that dies mid-way leaves
    the message pending for the next one.

    On PostgreSQL, SKIP LOCKED returns at once when another transaction has
    locked the row. SQLite has no row locks, so there the UPDATE takes the
    database's write lock, waiting for the writer before it, and then finds
    the message pending or not.
    """
    pending = (RawMessage.id == raw_id, RawMessage.outcome == MessageOutcome.PENDING.value)
    locked = await session.scalar(select(RawMessage.id).where(*pending).with_for_update(skip_locked=True))
    if locked is None:
        return False
    claimed = await session.execute(
        update(RawMessage).where(*pending).values(outcome=MessageOutcome.PENDING.value)
    )
    return claimed.rowcount == 1
