"""Outbound senders for each WeChat route, as the outbox calls them.

Each send splits the text to the route's byte limit and raises PlatformError
when a part could not be delivered after the client's retries, so the
outbox records the failure on the case. Routes that send markdown escape
the text first (see bot.adapters.wecom.markdown), because it is plain text
that may quote a resident.

Every sender that splits implements handlers.messages.SendsInParts, so a
retry after a failed later part starts at that part.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.adapters.wecom.api import ApiTransport, TokenApi, WebhookApi, post_response_url
from bot.adapters.wecom.limits import (
    MARKDOWN_MAX_BYTES,
    RESPONSE_URL_MAX_BYTES,
    TEXT_MAX_BYTES,
    SlidingWindowLimiter,
    split_utf8,
)
from bot.adapters.wecom.markdown import markdown_parts
from bot.adapters.wecom.parsing import PLATFORM_AIBOT, PLATFORM_APP, PLATFORM_MP
from bot.adapters.wecom.parts import send_from
from handlers.errors import DeliverySkipped, PlatformError
from handlers.messages import ChatTarget, PartsSent, UserTarget
from models import ChatGroup, ChatKind

PLATFORM_WEBHOOK = "wecom_webhook"
# A response_url takes one POST within an hour of the message.
RESPONSE_URL_SECONDS = 3600


class WeComAppOutbound:
    """Messages of a WeCom self-built app: to members one-to-one, or to groups the app created."""

    platform = PLATFORM_APP

    def __init__(
        self,
        api: TokenApi,
        agent_id: int,
        sessionmaker: async_sessionmaker[AsyncSession],
        member_limiter: SlidingWindowLimiter,
    ) -> None:
        self.api = api
        self.agent_id = agent_id
        self._sessionmaker = sessionmaker
        self._member_limiter = member_limiter

    async def send(
        self, target: ChatTarget | UserTarget, text: str, *, reply_to: str | None = None
    ) -> None:
        """Send text to a member (message/send) or an app group chat (appchat/send)."""
        await self.send_parts(target, text, reply_to=reply_to)

    async def send_parts(
        self,
        target: ChatTarget | UserTarget,
        text: str,
        *,
        reply_to: str | None = None,
        first_part: int = 0,
        parts_sent: PartsSent | None = None,
    ) -> None:
        """Send the parts of text from index `first_part` on; see handlers.messages.SendsInParts."""
        if isinstance(target, ChatTarget) and await self._is_group(target.chat_id):

            async def post(_index: int, part: str) -> None:
                await self.api.post(
                    "appchat/send",
                    {"chatid": target.chat_id, "msgtype": "text", "text": {"content": part}},
                )

            parts = split_utf8(text, TEXT_MAX_BYTES)
            await send_from(parts, first_part, parts_sent, post, target=f"app group {target.chat_id}")
            return
        user_id = target.chat_id if isinstance(target, ChatTarget) else target.user_id
        await self.send_to_member(user_id, text, first_part=first_part, parts_sent=parts_sent)

    async def send_image(self, target: ChatTarget | UserTarget, path: Path) -> None:
        """Upload a picture and send it to a member or an app group chat."""
        media_id = await self.api.upload_image(path)
        image = {"msgtype": "image", "image": {"media_id": media_id}}
        if isinstance(target, ChatTarget) and await self._is_group(target.chat_id):
            await self.api.post("appchat/send", {"chatid": target.chat_id, **image})
            return
        user_id = target.chat_id if isinstance(target, ChatTarget) else target.user_id
        await self._member_limiter.acquire(user_id)
        await self.api.post("message/send", {"touser": user_id, "agentid": self.agent_id, **image})

    async def send_to_member(
        self, user_id: str, text: str, *, first_part: int = 0, parts_sent: PartsSent | None = None
    ) -> None:
        """Send text to one member as app messages, at most 30 a minute per member.

        Only the parts from index `first_part` on are sent, as in `send_parts`.
        """

        async def post(_index: int, part: str) -> None:
            await self._member_limiter.acquire(user_id)
            payload = {
                "touser": user_id,
                "agentid": self.agent_id,
                "msgtype": "text",
                "text": {"content": part},
            }
            data = await self.api.post("message/send", payload)
            if data.get("invaliduser"):
                # WeCom returns errcode 0 but lists the members it could not reach.
                msg = f"message/send: member {user_id} is invalid or outside the app's visibility"
                raise PlatformError(msg)

        parts = split_utf8(text, TEXT_MAX_BYTES)
        await send_from(parts, first_part, parts_sent, post, target=f"member {user_id}")

    async def _is_group(self, chat_id: str) -> bool:
        # Members write to the app one-to-one, so a chat the pipeline stored is
        # private. A group chat is one the app created and an officer registered.
        async with self._sessionmaker() as session:
            kind = await session.scalar(
                select(ChatGroup.kind).where(
                    ChatGroup.platform == self.platform, ChatGroup.chat_id == chat_id
                )
            )
        return kind is not None and kind != ChatKind.PRIVATE


class OfficialAccountOutbound:
    """Customer-service messages of an Official Account, within 48 hours of the user's message."""

    platform = PLATFORM_MP

    def __init__(self, api: TokenApi) -> None:
        self.api = api

    async def send(
        self, target: ChatTarget | UserTarget, text: str, *, reply_to: str | None = None
    ) -> None:
        """Send text to the user (openid) of a private chat.

        45015 (outside the 48-hour window) and 45047 (20 messages without a
        user message) are final and raised at once.
        """
        await self.send_parts(target, text, reply_to=reply_to)

    async def send_parts(
        self,
        target: ChatTarget | UserTarget,
        text: str,
        *,
        reply_to: str | None = None,
        first_part: int = 0,
        parts_sent: PartsSent | None = None,
    ) -> None:
        """Send the parts of text from index `first_part` on; see handlers.messages.SendsInParts."""
        open_id = target.chat_id if isinstance(target, ChatTarget) else target.user_id

        async def post(_index: int, part: str) -> None:
            await self.api.post(
                "message/custom/send",
                {"touser": open_id, "msgtype": "text", "text": {"content": part}},
            )

        parts = split_utf8(text, TEXT_MAX_BYTES)
        await send_from(parts, first_part, parts_sent, post, target=f"Official Account user {open_id}")


class WebhookOutbound:
    """Staff group robots, addressed by their name in WECOM_WEBHOOK_KEYS.

    A robot is granted roles like a staff member (`grant ROLE --platform
    wecom_webhook --user NAME`), so notices for those roles reach it as a
    UserTarget whose user id is the robot's name. A ChatTarget names the
    robot by its chat id in the same way.
    """

    platform = PLATFORM_WEBHOOK

    def __init__(self, api: WebhookApi) -> None:
        self.api = api

    async def send(
        self, target: ChatTarget | UserTarget, text: str, *, reply_to: str | None = None
    ) -> None:
        """Send text to the robot's group as markdown, split to 4096 bytes a message."""
        await self.send_parts(target, text, reply_to=reply_to)

    async def send_parts(
        self,
        target: ChatTarget | UserTarget,
        text: str,
        *,
        reply_to: str | None = None,
        first_part: int = 0,
        parts_sent: PartsSent | None = None,
    ) -> None:
        """Send the parts of text from index `first_part` on; see handlers.messages.SendsInParts."""
        robot = target.chat_id if isinstance(target, ChatTarget) else target.user_id

        async def post(_index: int, part: str) -> None:
            await self.api.send_markdown(robot, part)

        parts = markdown_parts(text, MARKDOWN_MAX_BYTES)
        await send_from(parts, first_part, parts_sent, post, target=f"group robot {robot}")


@dataclass(slots=True)
class _ResponseUrl:
    url: str
    expires_at: float


class ResponseUrls:
    """The unused response_urls of AI-bot messages, by chat and message id.

    NOTE: Kept in memory: after a restart, replies to messages received
    before it fail and are recorded as failed deliveries.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._urls: dict[str, dict[str, _ResponseUrl]] = {}
        self._clock = clock

    def remember(self, chat_id: str, message_id: str, url: str) -> None:
        self._urls.setdefault(chat_id, {})[message_id] = _ResponseUrl(
            url, self._clock() + RESPONSE_URL_SECONDS
        )

    def take(self, chat_id: str, message_id: str | None = None) -> str | None:
        """Return and forget the response_url of a message, or else the chat's newest one."""
        chat = self._urls.get(chat_id, {})
        now = self._clock()
        for key in [k for k, v in chat.items() if v.expires_at <= now]:
            del chat[key]
        if message_id in chat:
            return chat.pop(message_id).url  # type: ignore[arg-type]
        if not chat:
            return None
        newest = next(reversed(chat))
        return chat.pop(newest).url


class AibotOutbound:
    """Answers of the AI bot through each message's one-time response_url.

    In API mode the bot cannot start a conversation, and a response_url takes
    one POST within an hour. Without an unused one, a person is reached
    through the WeCom app (AI-bot user ids are the corp's member ids), and a
    group through the group robot WECOM_AIBOT_GROUP_ROBOTS names for it.

    Args:
        group_robots: The group-robot name of each AI-bot group, by chat id.
        webhook: Returns the running group-robot sender, or None; a callable
            because that adapter starts after this one.
    """

    platform = PLATFORM_AIBOT

    def __init__(
        self,
        transport: ApiTransport,
        urls: ResponseUrls,
        app: WeComAppOutbound | None = None,
        *,
        group_robots: dict[str, str] | None = None,
        webhook: Callable[[], WebhookOutbound | None] = lambda: None,
        sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self.transport = transport
        self._sessionmaker = sessionmaker
        self.urls = urls
        self.app = app
        self.group_robots = group_robots or {}
        self.webhook = webhook

    async def send(
        self, target: ChatTarget | UserTarget, text: str, *, reply_to: str | None = None
    ) -> None:
        await self.send_parts(target, text, reply_to=reply_to)

    async def send_parts(
        self,
        target: ChatTarget | UserTarget,
        text: str,
        *,
        reply_to: str | None = None,
        first_part: int = 0,
        parts_sent: PartsSent | None = None,
    ) -> None:
        """Send the parts of text from index `first_part` on; see handlers.messages.SendsInParts.

        Only a whole text goes through a response_url. A text that a
        fallback route (the app or a group robot) began is continued on
        that route, even when the chat has a fresh response_url by then,
        because the route decides where the text is split.
        """
        chat_id = target.chat_id if isinstance(target, ChatTarget) else target.user_id
        url = self.urls.take(chat_id, reply_to) if first_part == 0 else None
        if url is None:
            await self._send_without_url(target, chat_id, text, first_part, parts_sent)
            return
        parts = markdown_parts(text, RESPONSE_URL_MAX_BYTES)
        await post_response_url(self.transport, url, parts[0])
        if len(parts) > 1:
            msg = (
                f"AI-bot reply needs {len(parts)} messages but a response_url takes one, "
                "so the rest was not sent"
            )
            raise PlatformError(msg)

    async def _send_without_url(
        self,
        target: ChatTarget | UserTarget,
        chat_id: str,
        text: str,
        first_part: int,
        parts_sent: PartsSent | None,
    ) -> None:
        if self.app is not None and (isinstance(target, UserTarget) or await self._is_private(chat_id)):
            # A one-to-one chat's id is the member's user id.
            await self.app.send_to_member(chat_id, text, first_part=first_part, parts_sent=parts_sent)
            return
        robot = self.group_robots.get(chat_id)
        webhook = self.webhook()
        if isinstance(target, ChatTarget) and robot is not None and webhook is not None:
            await webhook.send_parts(
                ChatTarget(PLATFORM_WEBHOOK, robot), text, first_part=first_part, parts_sent=parts_sent
            )
            return
        if isinstance(target, ChatTarget) and self.app is not None:
            # Case updates send the reporters their own copy through the app,
            # so the group misses a note but no reporter misses the update.
            msg = (
                f"AI-bot group {chat_id} has no unused response_url and no group robot; "
                "name one in WECOM_AIBOT_GROUP_ROBOTS to post case updates there"
            )
            raise DeliverySkipped(msg)
        msg = (
            f"no unused response_url for AI-bot chat {chat_id}, and neither the WeCom app "
            "nor a group robot in WECOM_AIBOT_GROUP_ROBOTS can reach it"
        )
        raise PlatformError(msg)

    async def _is_private(self, chat_id: str) -> bool:
        if self._sessionmaker is None:
            return False
        async with self._sessionmaker() as session:
            kind = await session.scalar(
                select(ChatGroup.kind).where(ChatGroup.platform == self.platform, ChatGroup.chat_id == chat_id)
            )
        return kind == ChatKind.PRIVATE
