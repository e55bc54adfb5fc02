"""The AI bot over the long connection: feeds the pipeline and replies through the same socket."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Any

from aiohttp import web

from bot.adapters.completeness import filled
from bot.adapters.wecom.limits import LONGCONN_MAX_BYTES
from bot.adapters.wecom.markdown import markdown_parts
from bot.adapters.wecom.parts import send_from
from bot.adapters.wecom_longconn.client import ConnectionSettings, LongConnection
from bot.adapters.wecom_longconn.protocol import (
    CHAT_TYPE_GROUP,
    CHAT_TYPE_SINGLE,
    PLATFORM,
    Callback,
    parse_message_frame,
    respond_frame,
    send_frame,
)
from bot.services import Services
from bot.settings import Settings
from handlers.intake import Pipeline
from handlers.messages import ChatTarget, PartsSent, UserTarget
from models import utcnow

log = logging.getLogger("bot.wecom_aibot")

# How many answered-message req_ids and chat types to remember.
MAX_REMEMBERED = 2000


class LongConnOutbound:
    """Sends replies for the platform "wecom_aibot" over the long connection.

    A text longer than LONGCONN_MAX_BYTES goes out as several markdown
    messages, split at line breaks where possible and never inside a
    character. The first part of a reply to a received message goes out as
    `aibot_respond_msg` under that message's req_id. Every other part, and
    anything else, is pushed with `aibot_send_msg`, which WeCom allows in a
    chat once someone there wrote to the bot. Both render markdown, so each
    part is escaped. Satisfies handlers.messages.SendsInParts.
    """

    platform = PLATFORM

    def __init__(self, connection: LongConnection) -> None:
        self._connection = connection
        self._req_ids: OrderedDict[str, str] = OrderedDict()
        self._chat_types: OrderedDict[str, int] = OrderedDict()

    def remember(self, callback: Callback) -> None:
        """Note how to answer a received message and what kind of chat it came from."""
        _put(self._req_ids, callback.message.message_id, callback.req_id)
        _put(self._chat_types, callback.message.chat_id, callback.chat_type)

    async def send(self, target: ChatTarget | UserTarget, text: str, *, reply_to: str | None = None) -> None:
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

        Raises:
            PlatformError: The connection is not open, WeCom did not
                acknowledge a part in time, or it rejected a part.
        """
        parts = markdown_parts(text, LONGCONN_MAX_BYTES)
        # A resumed reply pushes the rest, because its first part used the req_id.
        req_id = self._req_ids.pop(reply_to, None) if reply_to and first_part == 0 else None

        async def request(index: int, part: str) -> None:
            if index == 0 and req_id is not None:
                await self._connection.request(respond_frame(req_id, part))
            else:
                await self._connection.request(self._push_frame(target, part))

        await send_from(parts, first_part, parts_sent, request, target=f"AI-bot chat {_chat_id(target)}")

    def _push_frame(self, target: ChatTarget | UserTarget, text: str) -> dict[str, Any]:
        if isinstance(target, UserTarget):
            return send_frame(target.user_id, CHAT_TYPE_SINGLE, text)
        chat_type = self._chat_types.get(target.chat_id, CHAT_TYPE_GROUP)
        return send_frame(target.chat_id, chat_type, text)


def _chat_id(target: ChatTarget | UserTarget) -> str:
    return target.chat_id if isinstance(target, ChatTarget) else target.user_id


def _put(store: OrderedDict[str, Any], key: str, value: Any) -> None:
    store[key] = value
    store.move_to_end(key)
    while len(store) > MAX_REMEMBERED:
        store.popitem(last=False)


class MessageFeeder:
    """Turns received message frames into pipeline runs."""

    def __init__(self, pipeline: Pipeline, outbound: LongConnOutbound) -> None:
        self._pipeline = pipeline
        self._outbound = outbound

    async def __call__(self, frame: dict[str, Any]) -> None:
        try:
            callback = parse_message_frame(frame, received_at=utcnow())
        except ValueError as exc:
            log.warning("long connection: message frame rejected: %s", exc)
            return
        if callback is None:
            log.info("long connection: message type not used: msgtype=%s", (frame.get("body") or {}).get("msgtype"))
            return
        self._outbound.remember(callback)
        await self._pipeline.handle(callback.message)


def connection_settings(settings: Settings) -> ConnectionSettings:
    return ConnectionSettings(
        url=settings.wecom_aibot_ws_url,
        bot_id=settings.wecom_aibot_bot_id,
        secret=settings.wecom_aibot_secret.get_secret_value(),
        heartbeat_seconds=settings.wecom_aibot_heartbeat_seconds,
        reconnect_base_seconds=settings.wecom_aibot_reconnect_base_seconds,
        reconnect_max_seconds=settings.wecom_aibot_reconnect_max_seconds,
        request_timeout_seconds=settings.wecom_aibot_request_timeout_seconds,
    )


class WecomLongConnAdapter:
    """Runs the AI bot's long connection when WECOM_AIBOT_MODE is longconn."""

    name = "wecom_aibot_longconn"

    def __init__(self) -> None:
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._feeder: MessageFeeder | None = None
        self.connection: LongConnection | None = None
        self.outbound: LongConnOutbound | None = None

    def incomplete_settings(self, settings: Settings) -> str | None:
        """Describe what a requested long connection lacks, in Chinese, else None."""
        own = ("wecom_aibot_bot_id", "wecom_aibot_secret")
        if settings.wecom_aibot_mode == "longconn":
            missing = [name.upper() for name in own if not filled(settings, name)]
            if not missing:
                return None
            return (
                f"企业微信智能机器人的配置不完整：WECOM_AIBOT_MODE=longconn 时还需要 {'、'.join(missing)}；"
                "用回调模式就设 WECOM_AIBOT_MODE=callback"
            )
        callback = ("wecom_aibot_token", "wecom_aibot_aes_key")
        if any(filled(settings, name) for name in own) and not any(filled(settings, name) for name in callback):
            # Long-connection credentials without the mode leave the AI bot off.
            return (
                "企业微信智能机器人的配置不完整：已填写 WECOM_AIBOT_BOT_ID 或 WECOM_AIBOT_SECRET，"
                f"但 WECOM_AIBOT_MODE={settings.wecom_aibot_mode}；用长连接就设 WECOM_AIBOT_MODE=longconn"
            )
        return None

    def missing_settings(self, settings: Settings) -> str | None:
        if settings.wecom_aibot_mode != "longconn":
            return "WECOM_AIBOT_MODE is not longconn"
        missing = [
            name
            for name, value in (
                ("WECOM_AIBOT_BOT_ID", settings.wecom_aibot_bot_id),
                ("WECOM_AIBOT_SECRET", settings.wecom_aibot_secret.get_secret_value()),
            )
            if not value
        ]
        return f"missing {', '.join(missing)}" if missing else None

    async def start(self, services: Services, app: web.Application) -> None:
        """Connect, and wait for the first subscribe so wrong credentials stop the start.

        Raises:
            SubscribeRejected: WeCom rejected the bot id or secret.
        """
        settings = connection_settings(services.settings)
        self.connection = LongConnection(settings, self._on_message)
        self.outbound = LongConnOutbound(self.connection)
        self._feeder = MessageFeeder(services.pipeline, self.outbound)
        services.outbox.register(self.outbound)
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name="wecom-aibot-longconn")

        connected = asyncio.create_task(self.connection.connected.wait())
        done, _pending = await asyncio.wait(
            {connected, self._task},
            timeout=settings.request_timeout_seconds * 2,
            return_when=asyncio.FIRST_COMPLETED,
        )
        connected.cancel()
        await asyncio.gather(connected, return_exceptions=True)
        if self._task in done:
            # Surfaces a rejected subscribe; the task only ends early on errors.
            self._task.result()
        elif not done:
            log.warning("long connection not open yet; still trying in the background")

    async def _on_message(self, frame: dict[str, Any]) -> None:
        if self._feeder is not None:
            await self._feeder(frame)

    async def _run(self) -> None:
        assert self.connection is not None
        try:
            await self.connection.run(self._stop)
        except Exception:
            log.exception("long connection stopped for good")
            raise

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        log.info("long connection closed")
