"""Frames of the WeCom AI bot long connection (WebSocket mode, WeCom doc 101463).

Every frame is a JSON object with `cmd`, `headers.req_id` and `body`. The
client subscribes with its bot id and secret, sends `ping` as a heartbeat,
receives messages as `aibot_msg_callback` and events as
`aibot_event_callback`, answers a message with `aibot_respond_msg` under the
message's own req_id, and pushes other messages with `aibot_send_msg`. The
server acknowledges each client frame with the same req_id and an `errcode`.
The message body has the same fields as the AI bot's HTTP callback
(WeCom doc 100719), without the encryption.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handlers.messages import InboundAttachment, InboundMessage

PLATFORM = "wecom_aibot"

CMD_SUBSCRIBE = "aibot_subscribe"
CMD_PING = "ping"
CMD_RESPOND = "aibot_respond_msg"
CMD_SEND = "aibot_send_msg"
CMD_MESSAGE = "aibot_msg_callback"
CMD_EVENT = "aibot_event_callback"

# chat_type of aibot_send_msg: 1 is a one-to-one chat (chatid is a user id), 2 a group.
CHAT_TYPE_SINGLE = 1
CHAT_TYPE_GROUP = 2

# WeCom replaces an older connection of the same bot and tells it with this event.
EVENT_DISCONNECTED = "disconnected_event"

# Group text keeps the @mention of the bot ("@物业小助手 3号楼漏水").
_LEADING_MENTION = re.compile(r"^(?:\s*@\S+)+\s*")


def new_req_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def subscribe_frame(bot_id: str, secret: str) -> dict[str, Any]:
    return {
        "cmd": CMD_SUBSCRIBE,
        "headers": {"req_id": new_req_id(CMD_SUBSCRIBE)},
        "body": {"bot_id": bot_id, "secret": secret},
    }


def ping_frame() -> dict[str, Any]:
    return {"cmd": CMD_PING, "headers": {"req_id": new_req_id(CMD_PING)}}


def respond_frame(callback_req_id: str, text: str) -> dict[str, Any]:
    """Answer a received message under its own req_id, as one finished stream."""
    return {
        "cmd": CMD_RESPOND,
        "headers": {"req_id": callback_req_id},
        "body": {
            "msgtype": "stream",
            "stream": {"id": new_req_id("stream"), "finish": True, "content": text},
        },
    }


def send_frame(chat_id: str, chat_type: int, text: str) -> dict[str, Any]:
    """Push a markdown message to a chat or a person without a message to answer."""
    return {
        "cmd": CMD_SEND,
        "headers": {"req_id": new_req_id(CMD_SEND)},
        "body": {
            "chatid": chat_id,
            "chat_type": chat_type,
            "msgtype": "markdown",
            "markdown": {"content": text},
        },
    }


def req_id_of(frame: dict[str, Any]) -> str:
    headers = frame.get("headers")
    return str(headers.get("req_id") or "") if isinstance(headers, dict) else ""


@dataclass(frozen=True, slots=True)
class Callback:
    """A received message and what answering it needs."""

    message: InboundMessage
    req_id: str
    chat_type: int


def parse_message_frame(frame: dict[str, Any], *, received_at: datetime) -> Callback | None:
    """Turn an `aibot_msg_callback` frame into a message; None for content the bot does not use.

    Raises:
        ValueError: The frame lacks the req_id, msgid, sender or group chat id.
    """
    req_id = req_id_of(frame)
    body = frame.get("body")
    if not req_id or not isinstance(body, dict):
        msg = "message frame without req_id or body"
        raise ValueError(msg)
    sender = str((body.get("from") or {}).get("userid") or "")
    message_id = str(body.get("msgid") or "")
    if not sender or not message_id:
        msg = f"message frame req_id={req_id} without from.userid or msgid"
        raise ValueError(msg)
    private = body.get("chattype") != "group"
    chat_id = sender if private else str(body.get("chatid") or "")
    if not chat_id:
        msg = f"group message frame req_id={req_id} without chatid"
        raise ValueError(msg)

    text, attachments = _content(str(body.get("msgtype") or ""), body)
    if not text and not attachments:
        return None
    message = InboundMessage(
        platform=PLATFORM,
        account=str(body.get("aibotid") or ""),
        chat_id=chat_id,
        sender_id=sender,
        message_id=message_id,
        # The frame carries no send time; it arrives within seconds.
        sent_at=received_at,
        text=text,
        is_private=private,
        attachments=tuple(attachments),
        mentions_bot=not private,
    )
    return Callback(message, req_id, CHAT_TYPE_SINGLE if private else CHAT_TYPE_GROUP)


def _content(msg_type: str, body: dict[str, Any]) -> tuple[str, list[InboundAttachment]]:
    items = [body]
    if msg_type == "mixed":
        items = [i for i in (body.get("mixed") or {}).get("msg_item") or [] if isinstance(i, dict)]
    texts: list[str] = []
    attachments: list[InboundAttachment] = []
    for item in items:
        kind = str(item.get("msgtype") or "")
        content = item.get(kind)
        if not isinstance(content, dict):
            continue
        if kind == "text":
            texts.append(_LEADING_MENTION.sub("", str(content.get("content") or "")))
        elif kind in ("image", "file", "video"):
            # The URL serves the file encrypted with the per-message aeskey.
            meta = {"aeskey": str(content.get("aeskey") or "")} if content.get("aeskey") else {}
            attachments.append(InboundAttachment(kind, url=content.get("url"), meta=meta))
        elif kind == "voice":
            # The AI bot delivers voice already transcribed.
            attachments.append(InboundAttachment("voice", meta={"recognition": str(content.get("content") or "")}))
    return "\n".join(t for t in texts if t).strip(), attachments
