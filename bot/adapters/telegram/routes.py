"""The aiogram router: which updates go to the pipeline, to edits, or to the chat bindings.

Handlers get the bot's context by parameter name from the dispatcher's
workflow data: `context` is a TelegramContext.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiogram import F, Router
from aiogram.enums import ChatMemberStatus
from aiogram.types import ChatMemberUpdated, Message

from bot.adapters.telegram.chats import ChatBindings
from bot.adapters.telegram.convert import GROUP_CHAT_TYPES, HANDLED_CHAT_TYPES, PLATFORM, to_inbound
from bot.services import Services
from handlers.directory import chat_for
from handlers.edits import apply_edit
from handlers.messages import ChatTarget, Reply
from models import utcnow

log = logging.getLogger("bot.telegram")

REMOVED_STATUSES = frozenset({ChatMemberStatus.LEFT, ChatMemberStatus.KICKED})
T = TypeVar("T")

JOIN_GREETING = (
    "您好，我是小区服务台机器人。本群尚未绑定小区，暂不能受理报事。"
    "请小区专员在群内发送 /bind 小区编码（例如 /bind XQ0001）完成绑定。"
)


@dataclass(slots=True)
class TelegramContext:
    """Shared state of the update handlers: the services, the chats and the bot's identity."""

    services: Services
    chats: ChatBindings
    account: str
    username: str | None = None
    # Pipeline work that a shutdown must let finish; see shielded().
    in_flight: set[asyncio.Task[Any]] = field(default_factory=set)

    async def shielded(self, work: Coroutine[Any, Any, T]) -> T:
        """Run work so that cancelling the caller does not stop it half-way.

        Stopping the poller cancels the handler of the update in progress; the
        message is then already stored but not yet acted on. The work goes on
        in its own task, which the adapter waits for before it closes.
        """
        task = asyncio.ensure_future(work)
        self.in_flight.add(task)
        task.add_done_callback(self.in_flight.discard)
        return await asyncio.shield(task)


def build_router() -> Router:
    """Return a router with every Telegram update handler of the adapter."""
    router = Router(name="compound-bot")
    chats = F.chat.type.in_(HANDLED_CHAT_TYPES)
    # Migration notices come first: a service message carries no text, and
    # both the old group and the new supergroup receive one.
    router.message.register(on_migrate_to, F.migrate_to_chat_id)
    router.message.register(on_migrate_from, F.migrate_from_chat_id)
    router.message.register(on_message, chats)
    router.edited_message.register(on_edited_message, chats)
    router.my_chat_member.register(on_my_chat_member)
    return router


async def on_message(message: Message, context: TelegramContext) -> None:
    inbound = to_inbound(message, account=context.account, bot_username=context.username)
    if inbound is None:
        return
    try:
        await context.shielded(context.services.pipeline.handle(inbound))
    except Exception:
        # Raising again makes the webhook return 500, so Telegram delivers the
        # update again and the pipeline's duplicate check keeps it single.
        log.exception("telegram message failed: chat=%s message=%s", message.chat.id, message.message_id)
        raise


async def on_edited_message(message: Message, context: TelegramContext) -> None:
    inbound = to_inbound(message, account=context.account, bot_username=context.username)
    if inbound is None:
        return
    try:
        await context.shielded(apply_edit(context.services.pipeline, inbound))
    except Exception:
        log.exception("telegram edit failed: chat=%s message=%s", message.chat.id, message.message_id)
        raise


async def on_migrate_to(message: Message, context: TelegramContext) -> None:
    await context.chats.migrate(str(message.chat.id), str(message.migrate_to_chat_id))


async def on_migrate_from(message: Message, context: TelegramContext) -> None:
    await context.chats.migrate(str(message.migrate_from_chat_id), str(message.chat.id))


async def on_my_chat_member(event: ChatMemberUpdated, context: TelegramContext) -> None:
    """Follow the bot being removed from a chat or added to one."""
    removed = event.new_chat_member.status in REMOVED_STATUSES
    known = await context.chats.set_active(str(event.chat.id), not removed)
    log.info(
        "bot membership in chat %s is now %s (stored chat: %s)",
        event.chat.id,
        event.new_chat_member.status,
        known,
    )

    joined = event.old_chat_member.status in REMOVED_STATUSES and not removed
    if joined and event.chat.type in GROUP_CHAT_TYPES:
        await context.shielded(_greet_unbound(context, str(event.chat.id), event.chat.title or ""))


async def _greet_unbound(context: TelegramContext, chat_id: str, title: str) -> None:
    # With privacy mode on the bot may never see an ordinary message here, so
    # the binding hint goes out on joining, naming the slash command that
    # reaches the bot in any case.
    outbox = context.services.outbox
    async with context.services.sessionmaker() as session, session.begin():
        chat = await chat_for(session, PLATFORM, chat_id, title=title)
        if chat.compound_id is not None or chat.bind_hint_sent_at is not None:
            return
        chat.bind_hint_sent_at = utcnow()
        # Queued with the mark, so a crash after the commit cannot leave the hint marked but unsent.
        queued = await outbox.enqueue(session, [Reply(ChatTarget(PLATFORM, chat_id), JOIN_GREETING)])
    await outbox.send_queued(queued)
