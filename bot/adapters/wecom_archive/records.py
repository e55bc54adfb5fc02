"""Turning decrypted archive records into platform-neutral messages.

A decrypted record is JSON in the format of WeCom doc 91774: `msgid`,
`action` (send, recall or switch), `from`, `tolist`, `roomid` (empty in a
one-to-one chat), `msgtime` in milliseconds and `msgtype` with a body under
the key of the same name. Media carry an `sdkfileid` for GetMediaData.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from handlers.messages import InboundAttachment, InboundMessage

PLATFORM = "wecom_archive"
# One-to-one chats have no room id; their chat id is built from both parties.
PRIVATE_CHAT_PREFIX = "single:"

# File extensions the archive uses for media without a file name (WeCom doc 91774).
MEDIA_EXTENSIONS = {"image": "jpg", "voice": "amr", "video": "mp4"}

# A quoted reply as the WeChat client writes it into the text:
# 「张三：原来的话」, a line of dashes, then the reply.
# NOTE: taken from what the client shows; not yet checked against a real archive.
_QUOTED_REPLY = re.compile(
    r"^「(?P<who>[^：:」\n]{0,64})[：:](?P<quoted>.*?)」\s*\n\s*(?:-\s*){3,}\n(?P<reply>.*)$",
    re.DOTALL,
)


class RecordFormatError(ValueError):
    """Decrypted text that is not an archive record this decoder understands."""


@dataclass(frozen=True, slots=True)
class MediaRef:
    """A media file to fetch with GetMediaData and attach to the message."""

    kind: str
    sdk_file_id: str
    extension: str
    size: int = 0
    md5sum: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DecodedRecord:
    """One archive record, ready to store.

    Attributes:
        seq: The record's sequence number.
        action: "message" goes through the pipeline, "recall" withdraws an
            earlier message, "skip" is stored for the record and not acted on,
            "drop" is not stored at all (one-to-one chats when they are off).
        message: The message to store; for "drop", only the ids are meaningful.
        media: Media to fetch before storing, in attachment order.
        recalled_id: For "recall", the id of the withdrawn message.
        quoted_text: For a quoted reply, the text it quotes.
        reason: Why a record is skipped or dropped, for the log.
    """

    seq: int
    action: str
    message: InboundMessage
    media: tuple[MediaRef, ...] = ()
    recalled_id: str | None = None
    quoted_text: str | None = None
    reason: str = ""


def decode_record(seq: int, plaintext: str, *, corp_id: str, include_private: bool) -> DecodedRecord:
    """Decode one decrypted record.

    Raises:
        RecordFormatError: The text is not JSON or lacks the fields every record has.
    """
    try:
        data = json.loads(plaintext)
    except json.JSONDecodeError as exc:
        msg = f"record seq={seq} is not JSON: {exc.msg} at {exc.pos}"
        raise RecordFormatError(msg) from exc
    if not isinstance(data, dict) or not data.get("msgid"):
        msg = f"record seq={seq} has no msgid"
        raise RecordFormatError(msg)

    if data.get("action") == "switch":
        # A staff member switched enterprise; the record has no msgtype and no chat.
        message = _message(data, corp_id, chat_id="", sent_ms=data.get("time"), sender=data.get("user"))
        return DecodedRecord(seq, "skip", message, reason="switch")

    room_id = str(data.get("roomid") or "")
    sender = str(data.get("from") or "")
    is_private = not room_id
    chat_id = room_id or _private_chat_id(sender, data.get("tolist"))
    message = _message(data, corp_id, chat_id=chat_id, sent_ms=data.get("msgtime"), sender=sender)
    message = replace(message, is_private=is_private)

    if is_private and not include_private:
        return DecodedRecord(seq, "drop", message, reason="one-to-one chat")

    msgtype = str(data.get("msgtype") or "")
    if data.get("action") == "recall" or msgtype == "revoke":
        revoke = data.get("revoke") or {}
        return DecodedRecord(seq, "recall", message, recalled_id=str(revoke.get("pre_msgid") or "") or None)

    decoder = _DECODERS.get(msgtype)
    if decoder is None:
        return DecodedRecord(seq, "skip", message, reason=f"msgtype {msgtype or 'missing'}")
    body = data.get(msgtype)
    if not isinstance(body, dict):
        return DecodedRecord(seq, "skip", message, reason=f"msgtype {msgtype} without a body")
    return decoder(seq, message, body)


def _message(data: dict[str, Any], corp_id: str, *, chat_id: str, sent_ms: Any, sender: Any) -> InboundMessage:
    return InboundMessage(
        platform=PLATFORM,
        account=corp_id,
        chat_id=chat_id,
        sender_id=str(sender or ""),
        message_id=str(data["msgid"]),
        sent_at=_timestamp(sent_ms),
    )


def _timestamp(value: Any) -> datetime:
    try:
        millis = int(value)
    except (TypeError, ValueError):
        millis = 0
    if millis <= 0:
        return datetime.now(UTC)
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def _private_chat_id(sender: str, tolist: Any) -> str:
    receivers = [str(r) for r in tolist or [] if r]
    pair = sorted({sender, *(receivers[:1])})
    return PRIVATE_CHAT_PREFIX + "|".join(pair)


def _text(seq: int, message: InboundMessage, body: dict[str, Any]) -> DecodedRecord:
    content = str(body.get("content") or "")
    quoted = _QUOTED_REPLY.match(content)
    if quoted is None:
        return DecodedRecord(seq, "message", replace(message, text=content))
    reply = quoted.group("reply").strip()
    return DecodedRecord(
        seq, "message", replace(message, text=reply), quoted_text=quoted.group("quoted").strip()
    )


def _media_decoder(kind: str):  # noqa: ANN202 - returns a decoder function
    def decode(seq: int, message: InboundMessage, body: dict[str, Any]) -> DecodedRecord:
        ref = _media_ref(kind, body)
        if ref is None:
            return DecodedRecord(seq, "skip", message, reason=f"{kind} without sdkfileid")
        return DecodedRecord(seq, "message", message, media=(ref,))

    return decode


def _media_ref(kind: str, body: dict[str, Any]) -> MediaRef | None:
    sdk_file_id = str(body.get("sdkfileid") or "")
    if not sdk_file_id:
        return None
    meta: dict[str, Any] = {}
    if "play_length" in body:
        meta["play_length"] = body["play_length"]
    extension = MEDIA_EXTENSIONS.get(kind, "bin")
    if kind == "file":
        meta["file_name"] = str(body.get("filename") or "")
        extension = _safe_extension(str(body.get("fileext") or "")) or "bin"
    size = body.get("filesize", body.get("voice_size", 0))
    return MediaRef(
        kind=kind,
        sdk_file_id=sdk_file_id,
        extension=extension,
        size=int(size) if isinstance(size, int) else 0,
        md5sum=str(body.get("md5sum") or ""),
        meta=meta,
    )


def _safe_extension(extension: str) -> str:
    # The extension comes from the sender's file name and becomes part of a path.
    cleaned = re.sub(r"[^0-9A-Za-z]", "", extension)[:10]
    return cleaned.lower()


def _location(seq: int, message: InboundMessage, body: dict[str, Any]) -> DecodedRecord:
    attachment = InboundAttachment(
        kind="location",
        meta={
            "latitude": body.get("latitude"),
            "longitude": body.get("longitude"),
            "address": str(body.get("address") or ""),
            "title": str(body.get("title") or ""),
        },
    )
    return DecodedRecord(seq, "message", replace(message, attachments=(attachment,)))


def _link(seq: int, message: InboundMessage, body: dict[str, Any]) -> DecodedRecord:
    attachment = InboundAttachment(
        kind="link",
        url=str(body.get("link_url") or "") or None,
        meta={"title": str(body.get("title") or ""), "description": str(body.get("description") or "")},
    )
    return DecodedRecord(seq, "message", replace(message, attachments=(attachment,)))


def _mixed(seq: int, message: InboundMessage, body: dict[str, Any]) -> DecodedRecord:
    """Decode 图文混排: items whose `content` is itself a JSON string."""
    texts: list[str] = []
    media: list[MediaRef] = []
    for item in body.get("item") or []:
        if not isinstance(item, dict):
            continue
        try:
            content = json.loads(item.get("content") or "{}")
        except json.JSONDecodeError:
            continue
        if not isinstance(content, dict):
            continue
        kind = str(item.get("type") or "")
        if kind == "text":
            texts.append(str(content.get("content") or ""))
        elif kind in ("image", "voice", "video", "file"):
            ref = _media_ref(kind, content)
            if ref is not None:
                media.append(ref)
    text = "\n".join(t for t in texts if t)
    if not text and not media:
        return DecodedRecord(seq, "skip", message, reason="mixed without text or media")
    return DecodedRecord(seq, "message", replace(message, text=text), media=tuple(media))


_DECODERS = {
    "text": _text,
    "image": _media_decoder("image"),
    "voice": _media_decoder("voice"),
    "video": _media_decoder("video"),
    "file": _media_decoder("file"),
    "location": _location,
    "link": _link,
    "mixed": _mixed,
}
