"""The outgoing side: delivers replies with sendMessage, honouring flood control."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import FSInputFile, ReplyParameters

from bot.adapters.telegram.chats import ChatBindings
from bot.adapters.telegram.convert import PLATFORM, split_message_key
from bot.adapters.telegram.markup import PARSE_MODE, escape, split_text
from handlers.errors import PlatformError
from handlers.messages import ChatTarget, PartsSent, UserTarget

log = logging.getLogger("bot.telegram")

Sleep = Callable[[float], Awaitable[None]]
# Parts of the 400 error descriptions the Bot API returns for a message to a
# forum topic that was deleted or closed.
_TOPIC_GONE = ("message thread not found", "topic_closed", "topic_deleted")


class TelegramOutbound:
    """Sends text to Telegram chats and users; satisfies handlers.messages.Outbound and SendsInParts.

    Every chunk is retried after flood control (HTTP 429) for as long as the
    server's retry_after gives, and after network or server errors with a
    doubling delay, up to `max_attempts` tries per chunk.
    """

    platform = PLATFORM

    def __init__(
        self,
        bot: Bot,
        chats: ChatBindings,
        *,
        max_attempts: int = 5,
        max_retry_after: float = 300,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """Create the sender.

        Args:
            bot: The aiogram bot whose session talks to the Bot API.
            chats: Stored chats, to refuse inactive ones and follow migrations.
            max_attempts: Tries per chunk before the send is reported failed.
            max_retry_after: Maximum flood-control wait in seconds this sender
                accepts; a longer one fails the send so the outbox records it.
            sleep: Waits between tries; tests pass a recorder.
        """
        self._bot = bot
        self._chats = chats
        self._max_attempts = max_attempts
        self._max_retry_after = max_retry_after
        self._sleep = sleep

    async def send(self, target: ChatTarget | UserTarget, text: str, *, reply_to: str | None = None) -> None:
        """Deliver text, split into as many messages as the length limit needs.

        Raises:
            PlatformError: The chat is inactive (the bot was removed), or the
                Bot API rejected a chunk after the retries.
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
        """Deliver the chunks of text from index `first_part` on; see handlers.messages.SendsInParts.

        Raises:
            PlatformError: As for `send`.
        """
        chat_id = target.chat_id if isinstance(target, ChatTarget) else target.user_id
        if isinstance(target, ChatTarget) and not await self._chats.is_active(chat_id):
            msg = f"chat {chat_id} is inactive because the bot was removed from it; message not sent"
            raise PlatformError(msg)

        chunks = split_text(text)
        if not chunks:
            log.warning("empty reply to chat %s not sent", chat_id)
            return
        if first_part >= len(chunks):
            log.warning("all %s parts of the reply to chat %s were sent before; nothing left", len(chunks), chat_id)
            return
        # Only the first chunk quotes the resident's message.
        quoted = _quoted_message(reply_to, chat_id) if first_part == 0 else None
        place = _Place(chat_id, _topic(target), quoted)
        for number, chunk in enumerate(chunks[first_part:], start=first_part + 1):
            place = await self._send_chunk(place, escape(chunk))
            place = replace(place, quoted=None)
            if parts_sent is not None and number < len(chunks):
                await parts_sent(number)

    async def send_image(self, target: ChatTarget | UserTarget, path: Path) -> None:
        """Send a picture (a digest's chart) with the same retries as text.

        Raises:
            PlatformError: The chat is inactive, the file is missing, or the
                Bot API rejected the photo after the retries.
        """
        chat_id = target.chat_id if isinstance(target, ChatTarget) else target.user_id
        if isinstance(target, ChatTarget) and not await self._chats.is_active(chat_id):
            msg = f"chat {chat_id} is inactive because the bot was removed from it; picture not sent"
            raise PlatformError(msg)
        if not await asyncio.to_thread(path.is_file):
            msg = f"picture {path.name} not found; not sent to chat {chat_id}"
            raise PlatformError(msg)

        async def send_photo(place: _Place) -> None:
            await self._bot.send_photo(
                chat_id=place.chat_id, message_thread_id=place.thread_id, photo=FSInputFile(path)
            )

        await self._with_retries(_Place(chat_id, _topic(target), None), send_photo)

    async def _send_chunk(self, place: _Place, html_text: str) -> _Place:
        """Send one chunk and return where it finally went."""

        async def send_message(to: _Place) -> None:
            await self._bot.send_message(
                chat_id=to.chat_id,
                message_thread_id=to.thread_id,
                text=html_text,
                parse_mode=PARSE_MODE,
                reply_parameters=_reply_parameters(to.quoted),
            )

        return await self._with_retries(place, send_message)

    async def _with_retries(self, place: _Place, call: Callable[[_Place], Awaitable[None]]) -> _Place:
        """Make one Bot API call, following migrations and waiting out flood control."""
        migrated = False
        for attempt in range(1, self._max_attempts + 1):
            chat_id = place.chat_id
            try:
                await call(place)
                return place
            except TelegramRetryAfter as exc:
                if exc.retry_after > self._max_retry_after:
                    msg = (
                        f"flood control on chat {chat_id} asks for {exc.retry_after} s, "
                        f"more than the {self._max_retry_after} s this sender waits"
                    )
                    raise PlatformError(msg, transient=True, retry_after=exc.retry_after) from exc
                log.warning(
                    "flood control on chat %s: waiting %s s before try %s of %s",
                    chat_id,
                    exc.retry_after,
                    attempt + 1,
                    self._max_attempts,
                )
                await self._sleep(exc.retry_after)
            except TelegramMigrateToChat as exc:
                if migrated:
                    msg = f"chat {chat_id} reported a second migration; message not sent"
                    raise PlatformError(msg) from exc
                migrated = True
                new_chat_id = str(exc.migrate_to_chat_id)
                log.info("chat %s became supergroup %s; resending there", chat_id, new_chat_id)
                await self._chats.migrate(chat_id, new_chat_id)
                # The quoted message belongs to the old chat, and a basic
                # group has no topics.
                place = _Place(new_chat_id, None, None)
            except TelegramForbiddenError as exc:
                # Kicked, left, or a user who never started the bot.
                await self._chats.set_active(chat_id, False)
                msg = f"Telegram refused to send to chat {chat_id}: {exc.message}"
                raise PlatformError(msg) from exc
            except (TelegramNetworkError, TelegramServerError, ClientDecodeError) as exc:
                # An answer that is not the Bot API's JSON comes from a proxy
                # in front of it (a 502 page), so it is retried like a 5xx.
                delay = float(2 ** (attempt - 1))
                log.warning("send to chat %s failed (%s); retrying in %s s", chat_id, exc, delay)
                await self._sleep(delay)
            except TelegramBadRequest as exc:
                if place.thread_id is None or not _topic_gone(exc):
                    msg = f"Telegram rejected a message to chat {chat_id}: {exc.message}"
                    raise PlatformError(msg) from exc
                # A deleted or closed topic would otherwise lose the message,
                # and the chat's General topic reaches the same residents.
                log.warning(
                    "topic %s of chat %s rejected the message (%s); sending it to the General topic",
                    place.thread_id,
                    chat_id,
                    exc.message,
                )
                place = _Place(chat_id, None, None)
            except TelegramAPIError as exc:
                msg = f"Telegram rejected a message to chat {chat_id}: {exc.message}"
                raise PlatformError(msg) from exc
        msg = f"message to chat {chat_id} not delivered after {self._max_attempts} tries"
        raise PlatformError(msg, transient=True)


@dataclass(frozen=True, slots=True)
class _Place:
    """The destination of one Bot API call: the chat, its forum topic and the quoted message."""

    chat_id: str
    thread_id: int | None
    quoted: int | None


def _topic(target: ChatTarget | UserTarget) -> int | None:
    if not isinstance(target, ChatTarget) or target.thread_id is None:
        return None
    return int(target.thread_id) if target.thread_id.isdigit() else None


def _topic_gone(exc: TelegramBadRequest) -> bool:
    """Tell whether the Bot API rejected a message because its forum topic was deleted or closed."""
    description = exc.message.lower()
    return any(words in description for words in _TOPIC_GONE)


def _quoted_message(reply_to: str | None, chat_id: str) -> int | None:
    if reply_to is None:
        return None
    parts = split_message_key(reply_to)
    if parts is None or parts[0] != chat_id:
        return None
    return parts[1]


def _reply_parameters(quoted: int | None) -> ReplyParameters | None:
    if quoted is None:
        return None
    # The resident may have deleted the message; the reply still goes out.
    return ReplyParameters(message_id=quoted, allow_sending_without_reply=True)
