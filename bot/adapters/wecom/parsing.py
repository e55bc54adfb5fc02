"""Turning decrypted callbacks into InboundMessage, or into events to ignore.

WeCom app and Official Account callbacks are XML parsed by wechatpy; AI-bot
callbacks are JSON. Each parser returns an InboundMessage for what the
pipeline acts on, or an Ignored with a reason for events the bot does not use.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.parsers.expat import ExpatError

import wechatpy
import wechatpy.work

from bot.adapters.wecom.guard import CallbackRejected, clean_text, clean_xml
from handlers.messages import InboundAttachment, InboundMessage

PLATFORM_APP = "wecom"
PLATFORM_AIBOT = "wecom_aibot"
PLATFORM_MP = "wechat_mp"

# Group text keeps the @mention of the bot ("@物业小助手 3号楼漏水").
_LEADING_MENTION = re.compile(r"^(?:\s*@\S+)+\s*")
# Official Account events that start or restart a resident's private chat.
_MP_GREETING_EVENTS = frozenset({"subscribe", "subscribe_scan", "scan"})


# WeCom user ids take at most 64 characters and openids 28; longer ids are
# forged, and the database columns hold 128.
MAX_SENDER_CHARS = 64
MAX_ID_CHARS = 128


# The fields the parsers read, each of which the platforms send as text.
_TEXT_FIELDS = (
    "ToUserName",
    "FromUserName",
    "CreateTime",
    "MsgType",
    "MsgId",
    "AgentID",
    "Content",
    "Event",
    "EventKey",
    "MediaId",
    "PicUrl",
    "Format",
    "Recognition",
    "ThumbMediaId",
    "FileName",
    "Location_X",
    "Location_Y",
    "Scale",
    "Label",
    "Title",
    "Description",
    "Url",
)


def bounded(value: str, field: str, limit: int = MAX_ID_CHARS) -> str:
    """Return an id unchanged, or reject it when it is longer than the platform makes them."""
    if len(value) > limit:
        raise CallbackRejected(400, f"{field} longer than {limit} characters")
    return value


@dataclass(frozen=True, slots=True)
class Ignored:
    """A callback the bot acknowledges but does not act on."""

    reason: str
    event_id: str = ""


Parsed = InboundMessage | Ignored


def event_message_id(sender: str, create_time: str, event: str) -> str:
    """Build a message id for an event, which carries no MsgId of its own."""
    return f"event:{sender}:{create_time}:{event}"


def parse_xml_callback(xml: str, *, platform: str, account: str) -> Parsed:
    """Parse a decrypted app or Official Account callback.

    Raises:
        CallbackRejected: The XML is malformed or lacks the fields every callback has.
    """
    xml = clean_xml(xml)
    parser = wechatpy.work.parse_message if platform == PLATFORM_APP else wechatpy.parse_message
    try:
        parsed = parser(xml)
    except (ExpatError, ValueError, KeyError, TypeError):
        raise CallbackRejected(400, "malformed message XML") from None
    if parsed is None:
        raise CallbackRejected(400, "empty message XML")
    data: dict[str, Any] = dict(parsed._data)  # noqa: SLF001 - wechatpy keeps the raw fields here
    nested = sorted(name for name in _TEXT_FIELDS if isinstance(data.get(name), dict | list))
    if nested:
        # xmltodict turns <FromUserName><a>b</a></FromUserName> into a dict,
        # which must not become a member id or a case text.
        raise CallbackRejected(400, f"message field {','.join(nested)} holds elements, not text")
    sender = bounded(str(data.get("FromUserName") or ""), "FromUserName", MAX_SENDER_CHARS)
    create_time = str(data.get("CreateTime") or "")
    if not sender or not create_time.isdigit() or len(create_time) > 12:
        raise CallbackRejected(400, "message without FromUserName or a valid CreateTime")
    msg_type = str(data.get("MsgType") or "").lower()
    if msg_type == "event":
        return _parse_xml_event(data, platform=platform, account=account)
    base = {
        "platform": platform,
        "account": account,
        "chat_id": sender,
        "sender_id": sender,
        "message_id": bounded(
            str(data.get("MsgId") or event_message_id(sender, create_time, msg_type)), "MsgId"
        ),
        "sent_at": datetime.fromtimestamp(int(create_time), UTC),
        "is_private": True,
    }
    if msg_type == "text":
        text = clean_text(str(data.get("Content") or ""))
        if not text.strip():
            # Nothing visible is left, as in a message of zero-width spaces.
            return Ignored("text message empty after cleaning", base["message_id"])
        return InboundMessage(**base, text=text)
    attachment = _xml_attachment(msg_type, data)
    if attachment is None:
        return Ignored(f"message type {msg_type or 'missing'} not used")
    return InboundMessage(**base, attachments=(attachment,))


def _xml_attachment(msg_type: str, data: dict[str, Any]) -> InboundAttachment | None:
    media_id = data.get("MediaId")
    if msg_type == "image":
        return InboundAttachment("image", media_id=media_id, url=data.get("PicUrl"))
    if msg_type == "voice":
        meta = {"format": data.get("Format")}
        if data.get("Recognition"):
            meta["recognition"] = clean_text(str(data["Recognition"]))
        return InboundAttachment("voice", media_id=media_id, meta=meta)
    if msg_type in ("video", "shortvideo"):
        return InboundAttachment(
            "video", media_id=media_id, meta={"thumb_media_id": data.get("ThumbMediaId")}
        )
    if msg_type == "file":
        return InboundAttachment(
            "file", media_id=media_id, meta={"file_name": data.get("FileName")}
        )
    if msg_type == "location":
        meta = {
            "latitude": _float(data.get("Location_X")),
            "longitude": _float(data.get("Location_Y")),
            "scale": data.get("Scale"),
            "label": clean_text(str(data.get("Label") or "")),
        }
        return InboundAttachment("location", meta=meta)
    if msg_type == "link":
        meta = {
            "title": clean_text(str(data.get("Title") or "")),
            "description": clean_text(str(data.get("Description") or "")),
        }
        return InboundAttachment("link", url=data.get("Url"), meta=meta)
    return None


def _parse_xml_event(data: dict[str, Any], *, platform: str, account: str) -> Parsed:
    sender = str(data["FromUserName"])
    create_time = str(data["CreateTime"])
    event = bounded(str(data.get("Event") or "").lower(), "Event", 32)
    event_id = event_message_id(sender, create_time, event)
    if platform != PLATFORM_MP or event not in _MP_GREETING_EVENTS:
        return Ignored(f"event {event or 'missing'} not used", event_id)

    # Following the account, or scanning a compound's QR code, opens the
    # private chat: the scene value is the compound code, and it goes to the
    # pipeline as if the resident had typed it, so onboarding reads it.
    scene = bounded(str(data.get("EventKey") or "").removeprefix("qrscene_"), "EventKey")
    return InboundMessage(
        platform=platform,
        account=account,
        chat_id=sender,
        sender_id=sender,
        message_id=event_id,
        sent_at=datetime.fromtimestamp(int(create_time), UTC),
        text=clean_text(scene),
        is_private=True,
    )


@dataclass(frozen=True, slots=True)
class AibotCallback:
    """A decrypted AI-bot callback: the message, and where to send the reply."""

    parsed: Parsed
    chat_id: str
    response_url: str | None


def parse_aibot_callback(plaintext: str, *, received_at: datetime) -> AibotCallback:
    """Parse a decrypted AI-bot JSON callback.

    Raises:
        CallbackRejected: The JSON is malformed, has fields of the wrong
            type, or lacks the sender.
    """
    try:
        data = json.loads(plaintext, strict=False)
    except ValueError:
        raise CallbackRejected(400, "malformed AI-bot JSON") from None
    if not isinstance(data, dict):
        raise CallbackRejected(400, "AI-bot JSON is not an object")
    try:
        return _aibot_callback(data, received_at)
    except (AttributeError, TypeError):
        # A field that should be an object or a list is something else.
        raise CallbackRejected(400, "AI-bot JSON field of the wrong type") from None


def _aibot_callback(data: dict[str, Any], received_at: datetime) -> AibotCallback:
    sender = bounded(
        str((data.get("from") or {}).get("userid") or ""), "from.userid", MAX_SENDER_CHARS
    )
    msg_type = str(data.get("msgtype") or "")
    if not sender:
        raise CallbackRejected(400, "AI-bot callback without from.userid")
    private = data.get("chattype") != "group"
    chat_id = sender if private else bounded(str(data.get("chatid") or ""), "chatid")
    if not chat_id:
        raise CallbackRejected(400, "AI-bot group callback without chatid")
    response_url = data.get("response_url")
    if not isinstance(response_url, str) or not response_url.startswith(("https://", "http://")):
        response_url = None

    if msg_type in ("event", "stream"):
        # Entering the chat, card clicks, feedback and stream refreshes.
        event = str((data.get("event") or {}).get("eventtype") or msg_type)
        return AibotCallback(
            Ignored(f"AI-bot {event} not used", str(data.get("msgid") or "")), chat_id, None
        )
    msg_id = bounded(str(data.get("msgid") or ""), "msgid")
    if not msg_id:
        raise CallbackRejected(400, "AI-bot message without msgid")

    text, attachments = _aibot_content(msg_type, data)
    if not text and not attachments:
        return AibotCallback(
            Ignored(f"AI-bot message type {msg_type or 'missing'} not used", msg_id), chat_id, None
        )
    quoted_id, quoted_text = _aibot_quote(data)
    message = InboundMessage(
        platform=PLATFORM_AIBOT,
        account=bounded(str(data.get("aibotid") or ""), "aibotid"),
        chat_id=chat_id,
        sender_id=sender,
        message_id=msg_id,
        # The callback carries no send time; it arrives within seconds.
        sent_at=received_at,
        text=text,
        is_private=private,
        attachments=tuple(attachments),
        mentions_bot=not private,
        reply_to=quoted_id,
        quoted_text=quoted_text,
    )
    return AibotCallback(message, chat_id, response_url)


def _aibot_quote(data: dict[str, Any]) -> tuple[str | None, str]:
    """Return the message id and text of the message an AI-bot message quotes.

    The quote contains the quoted message's msgtype and content, read like
    the message itself. WeCom's receive-message documentation (doc 100719,
    2025-12-11) shows no msgid in it, so the id is read only if one comes.
    """
    quote = data.get("quote")
    if not isinstance(quote, dict):
        return None, ""
    quoted_id = quote.get("msgid")
    text, _attachments = _aibot_content(str(quote.get("msgtype") or ""), quote)
    if isinstance(quoted_id, str) and quoted_id:
        return bounded(quoted_id, "quote.msgid"), text
    return None, text


def _aibot_content(msg_type: str, data: dict[str, Any]) -> tuple[str, list[InboundAttachment]]:
    items = [data]
    if msg_type == "mixed":
        items = list((data.get("mixed") or {}).get("msg_item") or [])
    texts: list[str] = []
    attachments: list[InboundAttachment] = []
    for item in items:
        kind = str(item.get("msgtype") or "")
        body = item.get(kind) or {}
        if not isinstance(body, dict):
            continue
        if kind == "text":
            texts.append(_LEADING_MENTION.sub("", clean_text(str(body.get("content") or ""))))
        elif kind in ("image", "file"):
            attachments.append(InboundAttachment(kind, url=body.get("url")))
        elif kind == "voice":
            # The AI bot delivers voice already transcribed.
            attachments.append(
                InboundAttachment(
                    "voice", meta={"recognition": clean_text(str(body.get("content") or ""))}
                )
            )
    return "\n".join(t for t in texts if t).strip(), attachments


def _float(value: object) -> float | None:
    try:
        return float(str(value))
    except ValueError:
        return None
