"""The platform-neutral message types at the adapter boundary.

Every adapter turns what its platform sends into an InboundMessage, and
delivers Reply objects through an object that satisfies Outbound. Handlers
and the scheduler never see WeChat XML or Telegram JSON.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class InboundAttachment:
    """Something that came with a message besides its text.

    Attributes:
        kind: image, voice, video, file, location or link.
        media_id: The platform's id for fetching the media later.
        url: A link, or a URL the media can be downloaded from.
        file_path: Where the media was saved under the data folder, if fetched.
        meta: What else the platform gave: recognition text of a voice note,
            coordinates and label of a location, a file name, a title.
    """

    kind: str
    media_id: str | None = None
    url: str | None = None
    file_path: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One message from a chat, whatever platform it came from.

    Attributes:
        platform: wecom, wechat_mp, wecom_aibot, wecom_archive, telegram or replay.
        account: The bot account or corp that received it; scopes message ids.
        chat_id: The group or private chat, as the platform names it.
        chat_title: The chat's display name, when the platform gives one.
        is_private: A one-to-one chat with the bot rather than a group.
        sender_id: The platform's user id of the sender.
        sender_name: The sender's display name.
        message_id: The platform's message id, unique per account and sender.
        sent_at: When the sender sent it, time-zone aware.
        text: The text, or the caption of a photo or file.
        reply_to: The platform id of the message this one quotes or replies to.
        thread_id: The forum topic of the chat the message was written in,
            for platforms whose groups have topics (Telegram forums); None
            for a chat without topics and for Telegram's General topic.
        quoted_text: The text of the quoted message, for platforms whose quote
            names no message id (the WeCom AI bot).
        attachments: Media and other non-text parts.
        mentions_bot: The message @-mentions the bot.
    """

    platform: str
    chat_id: str
    sender_id: str
    message_id: str
    sent_at: datetime
    text: str = ""
    sender_name: str = ""
    account: str = ""
    chat_title: str = ""
    is_private: bool = False
    reply_to: str | None = None
    quoted_text: str = ""
    attachments: tuple[InboundAttachment, ...] = ()
    mentions_bot: bool = False
    thread_id: str | None = None


def with_spoken_text(message: InboundMessage) -> InboundMessage:
    """Return the message with its voice notes' recognised text as its text.

    WeChat and WeCom transcribe a voice note themselves, and residents who
    cannot type report a burst pipe or a lift that trapped someone that
    way. Typed text wins: a caption is never replaced. The voice
    attachment stays, so the recording is still kept with the case.
    """
    if message.text.strip():
        return message
    spoken = [
        str(item.meta.get("recognition") or "").strip()
        for item in message.attachments
        if item.kind == "voice"
    ]
    spoken = [text for text in spoken if text]
    if not spoken:
        return message
    return replace(message, text="\n".join(spoken))


@dataclass(frozen=True, slots=True)
class ChatTarget:
    """A group or private chat on one platform, or one forum topic of it.

    Attributes:
        platform: The platform's name.
        chat_id: The chat, as the platform names it.
        thread_id: The forum topic to post in. None posts to the chat
            itself, which is the General topic of a Telegram forum.
    """

    platform: str
    chat_id: str
    thread_id: str | None = None


def chat_target(message: InboundMessage) -> ChatTarget:
    """Return where a reply to a message goes: its chat, and the topic it was written in."""
    return ChatTarget(message.platform, message.chat_id, message.thread_id)


@dataclass(frozen=True, slots=True)
class UserTarget:
    """One person on one platform, reached in a private chat."""

    platform: str
    user_id: str


@dataclass(frozen=True, slots=True)
class PartyTarget:
    """Everyone who acts for a party (property firm, committee, branch) of a compound.

    The outbox resolves it to the members' accounts, or to the party's staff group.
    """

    party_id: int
    name: str


@dataclass(frozen=True, slots=True)
class Reply:
    """A message the bot sends.

    Attributes:
        target: Where it goes.
        text: Plain text in Chinese; adapters split it to their platform's limits.
        case_id: The case it is about, so a failed send can be recorded there.
        audience: group, reporter, party or officer: who is meant to read it.
        reply_to: The platform message id it replies to, where the platform supports quoting.
        image_path: A PNG sent after the text (a digest's chart), where the
            adapter can send images.
        personal: The text holds personal data (full phones, register
            tags), so the delivery record keeps a placeholder, not the text.
    """

    target: ChatTarget | UserTarget | PartyTarget
    text: str
    case_id: int | None = None
    audience: str = "group"
    reply_to: str | None = None
    image_path: str | None = None
    personal: bool = False


class Outbound(Protocol):
    """The sending interface an adapter implements for its platform."""

    platform: str

    async def send(self, target: ChatTarget | UserTarget, text: str, *, reply_to: str | None = None) -> None:
        """Deliver text to a chat or a person.

        Raises:
            handlers.errors.DeliverySkipped: The adapter chose not to send
                it, because no route reaches the target.
            handlers.errors.PlatformError: The platform rejected the message
                after the adapter's own retries.
        """
        ...


# Awaited by a SendsInParts adapter with the number of parts delivered so far.
PartsSent = Callable[[int], Awaitable[None]]


@runtime_checkable
class SendsInParts(Protocol):
    """An Outbound that splits a long text into several messages and can resume after the parts that arrived."""

    async def send_parts(
        self,
        target: ChatTarget | UserTarget,
        text: str,
        *,
        reply_to: str | None = None,
        first_part: int = 0,
        parts_sent: PartsSent | None = None,
    ) -> None:
        """Deliver the parts of text from index `first_part` on, in order.

        Only part 0 quotes `reply_to`. The split must depend on the text
        alone, so that a later call with the same text resumes at the right
        part. `parts_sent` is awaited after each part that more parts follow,
        with the number of parts delivered so far, which a later call passes
        as `first_part`. An exception it raises stops the send and propagates.

        Raises:
            handlers.errors.PlatformError: As for Outbound.send.
        """
        ...


@runtime_checkable
class SendsImages(Protocol):
    """An Outbound that can also send a picture."""

    async def send_image(self, target: ChatTarget | UserTarget, path: Path) -> None:
        """Deliver a PNG or JPEG file.

        Raises:
            handlers.errors.PlatformError: The platform rejected the image.
        """
        ...
