"""The Telegram adapter as the service starts and stops it."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramUnauthorizedError
from aiogram.types import User
from aiogram.utils.backoff import Backoff, BackoffConfig
from aiogram.utils.token import TokenValidationError
from aiohttp import web

from bot.adapters.completeness import filled, incomplete
from bot.adapters.telegram.chats import ChatBindings
from bot.adapters.telegram.commands import register_commands
from bot.adapters.telegram.outbound import Sleep, TelegramOutbound
from bot.adapters.telegram.routes import TelegramContext, build_router
from bot.adapters.telegram.transport import WEBHOOK_PATH, Poller, WebhookHandler
from bot.services import Services
from bot.settings import Settings
from handlers.errors import ConfigError

log = logging.getLogger("bot.telegram")

CONNECT_BACKOFF = BackoffConfig(min_delay=1.0, max_delay=300.0, factor=2.0, jitter=0.1)
# How long a stop waits for messages still being handled; a flood-control
# wait can make one take longer, and it is then cut off.
STOP_GRACE_SECONDS = 30.0


class TelegramAdapter:
    """Receives group messages from Telegram and sends the bot's replies there."""

    name = "telegram"

    def __init__(self, *, sleep: Sleep = asyncio.sleep, polling_timeout: int = 30) -> None:
        """Create an adapter that does nothing until started.

        Args:
            sleep: Waits between send retries; tests pass a recorder.
            polling_timeout: Seconds one getUpdates call waits for updates.
        """
        self._sleep = sleep
        self._polling_timeout = polling_timeout
        self.bot: Bot | None = None
        self.dispatcher: Dispatcher | None = None
        self.outbound: TelegramOutbound | None = None
        self.context: TelegramContext | None = None
        self._poller: Poller | None = None
        self._connect_task: asyncio.Task[None] | None = None

    def incomplete_settings(self, settings: Settings) -> str | None:
        """Describe what a partly configured Telegram adapter lacks, in Chinese, else None."""
        problem = incomplete(
            "Telegram",
            settings,
            ("telegram_bot_token", "telegram_webhook_secret", "telegram_webhook_url"),
            ("telegram_bot_token",),
        )
        if problem is not None:
            return problem
        if settings.telegram_mode == "webhook" and not filled(settings, "telegram_webhook_secret"):
            return (
                "Telegram 的配置不完整：TELEGRAM_MODE=webhook 时还需要 TELEGRAM_WEBHOOK_SECRET"
                "（1 到 256 个 A-Z、a-z、0-9、_、- 字符）；不用 webhook 就设 TELEGRAM_MODE=polling"
            )
        if settings.telegram_mode == "webhook" and not filled(settings, "telegram_bot_token"):
            return "Telegram 的配置不完整：TELEGRAM_MODE=webhook 时还需要 TELEGRAM_BOT_TOKEN"
        return None

    def missing_settings(self, settings: Settings) -> str | None:
        """Return why the adapter is off, or None when it is configured.

        A webhook without TELEGRAM_WEBHOOK_SECRET is rejected before this by
        `incomplete_settings`, and a malformed secret by the Settings
        validator, so neither reaches `start`.
        """
        if not settings.telegram_bot_token.get_secret_value():
            return "TELEGRAM_BOT_TOKEN is empty"
        return None

    async def start(self, services: Services, app: web.Application) -> None:
        """Register the webhook route or start polling, and register the outbound sender.

        Raises:
            ConfigError: The token is malformed, or the Bot API rejected the
                token or TELEGRAM_WEBHOOK_URL.
        """
        settings = services.settings
        bot = _build_bot(settings)
        chats = ChatBindings(services.sessionmaker)
        self.bot = bot
        self.outbound = TelegramOutbound(bot, chats, sleep=self._sleep)
        services.outbox.register(self.outbound)

        self.context = TelegramContext(services=services, chats=chats, account=str(bot.id))
        self.dispatcher = Dispatcher(context=self.context)
        self.dispatcher.include_router(build_router())

        if settings.telegram_mode == "webhook":
            secret = settings.telegram_webhook_secret.get_secret_value()
            WebhookHandler(self.dispatcher, bot, secret).register(app, WEBHOOK_PATH)

        try:
            me = await bot.me()
        except TelegramUnauthorizedError as exc:
            await bot.session.close()
            msg = "TELEGRAM_BOT_TOKEN 无效：Bot API 拒绝了这个 token（401 Unauthorized）；请从 BotFather 重新复制"
            raise ConfigError(msg) from exc
        except TelegramAPIError as exc:
            # Telegram may be unreachable from the server for a while; the rest
            # of the service runs, and the adapter keeps trying in the background.
            log.error(
                "Bot API at %s not reachable (%s); retrying in the background", settings.telegram_api_base_url, exc
            )
            self._connect_task = asyncio.create_task(self._connect_later(services), name="telegram-connect")
            return
        try:
            await self._on_connected(services, me)
        except ConfigError:
            await bot.session.close()
            raise
        except TelegramAPIError as exc:
            log.error("Telegram setup failed (%s); retrying in the background", exc)
            self._connect_task = asyncio.create_task(self._connect_later(services), name="telegram-connect")

    async def stop(self) -> None:
        """Stop polling or background connecting, and close the HTTP session."""
        if self._connect_task is not None:
            self._connect_task.cancel()
            try:
                await self._connect_task
            except asyncio.CancelledError:
                pass
            self._connect_task = None
        if self._poller is not None:
            await self._poller.stop()
            self._poller = None
        if self.context is not None and self.context.in_flight:
            log.info("waiting for %d Telegram messages still being handled", len(self.context.in_flight))
            _done, pending = await asyncio.wait(set(self.context.in_flight), timeout=STOP_GRACE_SECONDS)
            if pending:
                log.error(
                    "%d Telegram messages still unfinished after %s s; stopping anyway",
                    len(pending),
                    STOP_GRACE_SECONDS,
                )
        if self.bot is not None:
            await self.bot.session.close()

    async def _on_connected(self, services: Services, me: User) -> None:
        settings = services.settings
        assert self.bot is not None
        assert self.dispatcher is not None
        assert self.context is not None
        # The registry then ignores /cmd@OtherBot in groups with several bots.
        services.commands.bot_username = me.username
        self.context.username = me.username
        log.info("connected to the Bot API as @%s (id %s)", me.username, me.id)
        if me.can_read_all_group_messages is False:
            log.warning(
                "privacy mode is on: in groups the bot receives only commands, @mentions and replies "
                "to its own messages. To let it read every message, turn privacy off with BotFather "
                "/setprivacy or make it a group administrator, then remove and re-add it to each group"
            )

        try:
            await register_commands(self.bot, services.commands)
        except TelegramAPIError as exc:
            # Commands still work without the menu; only the suggestions are missing.
            log.error("setMyCommands failed, the command menu is not updated: %s", exc)

        if settings.telegram_mode == "polling":
            self._poller = Poller(
                self.dispatcher, self.bot, polling_timeout=self._polling_timeout, sleep=self._sleep
            )
            await self._poller.start()
            log.info("receiving updates by long polling")
            return
        if settings.telegram_webhook_url:
            try:
                await self.bot.set_webhook(
                    url=settings.telegram_webhook_url,
                    secret_token=settings.telegram_webhook_secret.get_secret_value(),
                    allowed_updates=self.dispatcher.resolve_used_update_types(),
                )
            except TelegramBadRequest as exc:
                msg = (
                    f"TELEGRAM_WEBHOOK_URL={settings.telegram_webhook_url} 无效：setWebhook 拒绝了它"
                    f"（{exc.message}）；应为可从公网访问的 https:// 地址"
                )
                raise ConfigError(msg) from exc
            log.info("webhook set; Telegram posts updates to %s", WEBHOOK_PATH)
        else:
            log.info("webhook mode without TELEGRAM_WEBHOOK_URL: setWebhook is left to the operator")

    async def _connect_later(self, services: Services) -> None:
        assert self.bot is not None
        backoff = Backoff(CONNECT_BACKOFF)
        while True:
            delay = next(backoff)
            log.info("connecting to the Bot API again in %.1f s", delay)
            await asyncio.sleep(delay)
            try:
                me = await self.bot.me()
            except TelegramUnauthorizedError:
                log.error("the Bot API rejected TELEGRAM_BOT_TOKEN; the Telegram adapter stays off")
                return
            except TelegramAPIError as exc:
                log.warning("Bot API still not reachable: %s", exc)
                continue
            try:
                await self._on_connected(services, me)
            except ConfigError as exc:
                log.error("the Telegram adapter stays off: %s", exc)
                return
            except TelegramAPIError:
                log.exception("Telegram setup after reconnecting failed; trying again")
                continue
            return


def _build_bot(settings: Settings) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base_url))
    try:
        return Bot(token=settings.telegram_bot_token.get_secret_value(), session=session)
    except TokenValidationError as exc:
        msg = "TELEGRAM_BOT_TOKEN 无效：格式不对；应为 BotFather 发放的 token，形如 123456789:AAE..."
        raise ConfigError(msg) from exc
