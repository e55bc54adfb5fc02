"""Update delivery: a webhook route on the shared aiohttp app, or long polling."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.types import TelegramObject, Update
from aiogram.utils.backoff import Backoff, BackoffConfig
from aiohttp import web
from pydantic import ValidationError

from bot.adapters.telegram.outbound import Sleep
from models.db import storage_unavailable

log = logging.getLogger("bot.telegram")

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
STORAGE_BACKOFF = BackoffConfig(min_delay=1.0, max_delay=60.0, factor=2.0, jitter=0.1)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class RetryWhileStorageDown(BaseMiddleware):
    """Handles an update again, with a growing wait, for as long as the database is unreachable.

    In polling mode aiogram confirms an update to Telegram once its handler
    returns or raises, so an update whose handler raised is never delivered
    again. Waiting here keeps the update unconfirmed: the updates behind it
    wait on Telegram's side, and if the process stops meanwhile, the next
    getUpdates returns the same update. Other errors pass through, because
    handling a bad update again would fail the same way and block the rest.
    """

    def __init__(self, sleep: Sleep = asyncio.sleep, config: BackoffConfig = STORAGE_BACKOFF) -> None:
        self._sleep = sleep
        self._config = config

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        backoff = Backoff(self._config)
        while True:
            try:
                return await handler(event, data)
            except Exception as exc:
                if not storage_unavailable(exc):
                    raise
                delay = next(backoff)
                update_id = getattr(event, "update_id", None)
                log.warning(
                    "update %s not stored, the database is unreachable (%s); trying again in %.1f s",
                    update_id,
                    type(exc).__name__,
                    delay,
                )
                await self._sleep(delay)


class WebhookHandler:
    """Receives updates that the Bot API POSTs to the webhook.

    This is the one check of the secret token that Telegram sends with each
    update. The Settings validator checks the token's format at start.
    Returns 401 without the secret token, 400 for a body that is no Update,
    500 when handling failed (Telegram then delivers the update again), and
    200 once the update was handled.
    """

    def __init__(self, dispatcher: Dispatcher, bot: Bot, secret_token: str) -> None:
        # An empty secret would match a request without the header, so the
        # route would accept anyone's updates. TelegramAdapter.incomplete_settings
        # rejects it at start, so this guards only other callers.
        if not secret_token:
            msg = "the webhook needs a secret token"
            raise ValueError(msg)
        self._dispatcher = dispatcher
        self._bot = bot
        self._secret = secret_token.encode()

    def register(self, app: web.Application, path: str = WEBHOOK_PATH) -> None:
        app.router.add_post(path, self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        received = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not secrets.compare_digest(received, self._secret):
            log.warning("webhook request without a valid secret token from %s", request.remote)
            return web.json_response({"ok": False, "description": "invalid secret token"}, status=401)

        try:
            payload = json.loads(await request.read())
            update = Update.model_validate(payload, context={"bot": self._bot})
        except (ValueError, ValidationError) as exc:
            # pydantic's ValidationError is a ValueError too; both are bad input.
            log.warning("webhook body is not a Telegram update: %s", type(exc).__name__)
            return web.json_response({"ok": False, "description": "body is not a Telegram Update"}, status=400)

        try:
            await self._dispatcher.feed_webhook_update(self._bot, update)
        except Exception:
            log.exception("webhook update %s failed; Telegram will deliver it again", update.update_id)
            return web.json_response({"ok": False, "description": "update not handled"}, status=500)
        return web.json_response({"ok": True})


class Poller:
    """Runs aiogram's long polling as one named background task.

    aiogram logs an update whose handler raised and moves past it. An update
    that fails because the database is unreachable is therefore handled again
    until it is stored (see RetryWhileStorageDown); with the webhook,
    Telegram itself delivers it again after the 500.
    """

    def __init__(
        self, dispatcher: Dispatcher, bot: Bot, *, polling_timeout: int = 30, sleep: Sleep = asyncio.sleep
    ) -> None:
        self._dispatcher = dispatcher
        self._bot = bot
        self._polling_timeout = polling_timeout
        self._task: asyncio.Task[None] | None = None
        dispatcher.update.outer_middleware(RetryWhileStorageDown(sleep))

    async def start(self) -> None:
        # getUpdates fails with 409 Conflict while a webhook is set.
        await self._bot.delete_webhook(drop_pending_updates=False)
        self._task = asyncio.create_task(self._run(), name="telegram-polling")

    async def _run(self) -> None:
        # aiogram retries failed getUpdates calls with a jittered backoff and
        # logs each delay and the reconnection.
        # One update at a time keeps a group's messages in order, so a "+1"
        # or a photo is handled after the report it follows.
        await self._dispatcher.start_polling(
            self._bot,
            polling_timeout=self._polling_timeout,
            handle_as_tasks=False,
            handle_signals=False,
            close_bot_session=False,
            allowed_updates=self._dispatcher.resolve_used_update_types(),
        )

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        if not task.done():
            try:
                await self._dispatcher.stop_polling()
            except RuntimeError:
                # The task has not entered start_polling yet.
                task.cancel()
        with suppress(asyncio.CancelledError):
            await task
