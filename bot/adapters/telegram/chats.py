"""Changes Telegram makes to a chat's binding: migration to a supergroup, removal of the bot."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.adapters.telegram.convert import PLATFORM
from models import ChatGroup

log = logging.getLogger("bot.telegram")


class ChatBindings:
    """Reads and changes the stored Telegram chats (models.ChatGroup rows)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def is_active(self, chat_id: str) -> bool:
        """Tell whether the bot may send to a chat; a chat never stored counts as active."""
        async with self._sessionmaker() as session:
            active = await session.scalar(
                select(ChatGroup.active).where(ChatGroup.platform == PLATFORM, ChatGroup.chat_id == chat_id)
            )
        return active is None or bool(active)

    async def set_active(self, chat_id: str, active: bool) -> bool:
        """Mark a stored chat active or inactive; return False when the chat is not stored."""
        async with self._sessionmaker() as session, session.begin():
            chat = await _chat(session, chat_id)
            if chat is None:
                return False
            chat.active = active
        log.info("chat %s marked %s", chat_id, "active" if active else "inactive")
        return True

    async def migrate(self, old_chat_id: str, new_chat_id: str) -> bool:
        """Move a chat's binding to the id of the supergroup it became.

        Telegram announces a migration twice (a service message in the old
        group and one in the new supergroup) and also reports it as an error
        on sends to the old id, so this is safe to call repeatedly.

        Returns:
            True when a binding was moved, False when there was nothing to move.
        """
        async with self._sessionmaker() as session, session.begin():
            old = await _chat(session, old_chat_id)
            if old is None:
                return False
            new = await _chat(session, new_chat_id)
            if new is None:
                old.chat_id = new_chat_id
                log.info("chat %s migrated to %s; binding moved", old_chat_id, new_chat_id)
                return True
            if new.compound_id is not None or old.compound_id is None:
                # The supergroup already has its own binding, which wins.
                old.active = False
                return False
            # A message from the supergroup arrived before the migration notice
            # and created an unbound row; the old binding is copied onto it.
            # NOTE: cases opened in the old group keep pointing at the old row.
            new.compound_id = old.compound_id
            new.kind = old.kind
            new.bound_at = old.bound_at
            new.bind_hint_sent_at = old.bind_hint_sent_at
            new.active = True
            old.active = False
        log.info("chat %s migrated to existing chat %s; binding copied", old_chat_id, new_chat_id)
        return True


async def _chat(session: AsyncSession, chat_id: str) -> ChatGroup | None:
    return await session.scalar(
        select(ChatGroup).where(ChatGroup.platform == PLATFORM, ChatGroup.chat_id == chat_id)
    )
