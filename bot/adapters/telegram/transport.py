"""Update delivery: a webhook route on the shared aiohttp app, or long polling."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from contextlib import suppress

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

log = logging.getLogger("bot.telegram")

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookHandler:
    """Receives updates that the Bot API POSTs to the webhook.

    Returns 401 without the secret token, 400 for a body that is no Update,
    500 when handling failed (Telegram then delivers the update again), and
    200 once the update was handled.
    """

    def __init__(self, dispatcher: Dispatcher, bot: Bot, secret_token: str) -> None:
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

    NOTE: aiogram logs an update whose handler raised and moves past it, so
    a message that could not even be stored (database down) is lost in this
    mode. With the webhook, Telegram delivers such an update again.
    """

    def __init__(self, dispatcher: Dispatcher, bot: Bot, *, polling_timeout: int = 30) -> None:
        self._dispatcher = dispatcher
        self._bot = bot
        self._polling_timeout = polling_timeout
        self._task: asyncio.Task[None] | None = None

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
