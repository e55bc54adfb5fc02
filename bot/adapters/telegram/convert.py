"""Conversion of aiogram messages to the platform-neutral InboundMessage."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from aiogram.enums import ChatType, MessageEntityType
from aiogram.types import Message, MessageEntity

from handlers.messages import InboundAttachment, InboundMessage

PLATFORM = "telegram"

GROUP_CHAT_TYPES = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})
HANDLED_CHAT_TYPES = GROUP_CHAT_TYPES | {ChatType.PRIVATE}
_SPACES = re.compile(r"[ \t]{2,}")
# Telegram allows A-Z, a-z, 0-9, _ and - in a start parameter, up to 64 of them.
_START_PAYLOAD = re.compile(r"^/start(?:@\w+)?\s+([A-Za-z0-9_-]{1,64})$")


def message_key(chat_id: int | str, message_id: int | str) -> str:
    """Return the message id stored for a Telegram message, e.g. "-1001234:57".

    Telegram numbers messages per chat, so the same sender can have message 57
    in two groups. The chat id makes the key unique per bot account, which the
    pipeline's duplicate check relies on.
    """
    return f"{chat_id}:{message_id}"


def split_message_key(key: str) -> tuple[str, int] | None:
    """Return (chat id, message id) of a key made by message_key, or None for another form."""
    chat_id, separator, number = key.rpartition(":")
    if not separator or not number.isdigit():
        return None
    return chat_id, int(number)


def to_inbound(message: Message, *, account: str, bot_username: str | None) -> InboundMessage | None:
    """Convert a group or private message; return None for what the pipeline does not take.

    Service messages, channel posts and messages from other bots give None.
    A photo's or document's caption becomes the text and the file becomes an
    attachment whose media_id is the Telegram file_id.
    """
    if message.chat.type not in HANDLED_CHAT_TYPES:
        return None
    sender = _sender(message)
    if sender is None:
        return None
    attachments = _attachments(message)
    text = message.text if message.text is not None else (message.caption or "")
    if not text and not attachments:
        return None

    text, mentioned = _strip_own_mentions(text, message, bot_username)
    private = message.chat.type == ChatType.PRIVATE
    if private:
        text = _deep_link_payload(text)
    sender_id, sender_name = sender
    topic = _topic(message)
    reply_to = None
    quoted = message.reply_to_message
    # Telegram sends every message of a forum topic as a reply to the
    # message that opened the topic. Only a reply to another message quotes.
    if quoted is not None and str(quoted.message_id) != topic:
        reply_to = message_key(message.chat.id, quoted.message_id)
    return InboundMessage(
        platform=PLATFORM,
        account=account,
        chat_id=str(message.chat.id),
        chat_title=message.chat.title or "",
        is_private=private,
        sender_id=sender_id,
        sender_name=sender_name,
        message_id=message_key(message.chat.id, message.message_id),
        sent_at=_aware(message.date),
        text=text,
        reply_to=reply_to,
        attachments=attachments,
        mentions_bot=mentioned,
        thread_id=topic,
    )


def _topic(message: Message) -> str | None:
    """Return the forum topic a message was written in, or None outside a topic.

    A reply in a supergroup without topics, or in a forum's General topic,
    also carries message_thread_id: the id of the message that started the
    reply chain. Only is_topic_message marks a real topic, and sending to
    such a reply chain's id fails with "message thread not found".
    """
    if not message.is_topic_message or message.message_thread_id is None:
        return None
    return str(message.message_thread_id)


def _deep_link_payload(text: str) -> str:
    """Return the payload of a deep link's /start, or the text unchanged.

    A link t.me/<bot>?start=XQ0001-3, printed as a QR code like the WeChat
    ones, opens the chat with "/start XQ0001-3". The payload then reads as
    the resident's answer to "which compound", as a scanned WeChat code does.
    """
    match = _START_PAYLOAD.match(text.strip())
    return match.group(1) if match else text


def _sender(message: Message) -> tuple[str, str] | None:
    user = message.from_user
    if user is not None and not user.is_bot:
        return str(user.id), user.full_name
    if message.sender_chat is not None and message.sender_chat.id == message.chat.id:
        # An anonymous group administrator writes as the group itself.
        return str(message.sender_chat.id), message.sender_chat.title or ""
    return None


def _attachments(message: Message) -> tuple[InboundAttachment, ...]:
    found: list[InboundAttachment] = []
    if message.photo:
        # Telegram sends several sizes of one photo, smallest first.
        largest = message.photo[-1]
        meta = {"width": largest.width, "height": largest.height, "file_unique_id": largest.file_unique_id}
        found.append(InboundAttachment(kind="image", media_id=largest.file_id, meta=meta))
    if message.document is not None:
        document = message.document
        meta = {
            "file_name": document.file_name or "",
            "mime_type": document.mime_type or "",
            "file_unique_id": document.file_unique_id,
        }
        found.append(InboundAttachment(kind="file", media_id=document.file_id, meta=meta))
    if message.voice is not None:
        meta = {"duration": message.voice.duration, "file_unique_id": message.voice.file_unique_id}
        found.append(InboundAttachment(kind="voice", media_id=message.voice.file_id, meta=meta))
    if message.video is not None:
        meta = {"duration": message.video.duration, "file_unique_id": message.video.file_unique_id}
        found.append(InboundAttachment(kind="video", media_id=message.video.file_id, meta=meta))
    if message.location is not None:
        meta = {"latitude": message.location.latitude, "longitude": message.location.longitude}
        if message.venue is not None:
            meta["label"] = message.venue.title
        found.append(InboundAttachment(kind="location", meta=meta))
    if message.sticker is not None:
        found.append(InboundAttachment(kind="sticker", media_id=message.sticker.file_id))
    return tuple(found)


def _strip_own_mentions(text: str, message: Message, bot_username: str | None) -> tuple[str, bool]:
    """Remove @mentions of this bot from the text and tell whether there were any.

    With privacy mode on, residents must write "@Bot 3栋电梯坏了" for the bot
    to see the message at all; the mention itself says nothing about the problem.
    """
    if not bot_username:
        return text, False
    entities: list[MessageEntity] = list(message.entities or message.caption_entities or [])
    # Entity offsets count UTF-16 code units, so the cut happens on UTF-16 bytes.
    encoded = text.encode("utf-16-le")
    spans: list[tuple[int, int]] = []
    for entity in entities:
        if entity.type != MessageEntityType.MENTION:
            continue
        start, end = entity.offset * 2, (entity.offset + entity.length) * 2
        mentioned = encoded[start:end].decode("utf-16-le", errors="replace")
        if mentioned.lstrip("@").lower() == bot_username.lower():
            spans.append((start, end))
    if not spans:
        return text, False
    for start, end in sorted(spans, reverse=True):
        encoded = encoded[:start] + encoded[end:]
    stripped = _SPACES.sub(" ", encoded.decode("utf-16-le", errors="replace")).strip()
    return stripped, True


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
