"""Changes Telegram makes to a chat's binding: migration to a supergroup, removal of the bot."""

from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.adapters.telegram.convert import PLATFORM
from models import Base, ChatGroup

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
        """Move a chat's binding, cases and messages to the id of the supergroup it became.

        Telegram announces a migration twice (a service message in the old
        group and one in the new supergroup) and also reports it as an error
        on sends to the old id, so this is safe to call repeatedly.

        Afterwards one row has the supergroup's id and no row has the old
        one. Every row that referred to the old chat row refers to that row,
        so a case's updates and the lookups of a group's cases reach the
        supergroup. A message still queued for the old id is not rejected as
        sent to an inactive chat. Telegram returns the new id for it, and
        the sender resends it there.

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
            copied = new.compound_id is None and old.compound_id is not None
            if copied:
                # A message from the supergroup arrived before the migration
                # notice and created an unbound row, so the old binding is
                # copied onto it.
                new.compound_id = old.compound_id
                new.kind = old.kind
                new.bound_at = old.bound_at
                new.bind_hint_sent_at = old.bind_hint_sent_at
                new.active = True
            # Otherwise the supergroup was bound on its own, and that binding wins.
            moved = await _fold(session, old, new)
        log.info(
            "chat %s migrated to existing chat %s; binding %s, %s references moved",
            old_chat_id,
            new_chat_id,
            "copied" if copied else "kept",
            moved,
        )
        return copied


async def _fold(session: AsyncSession, old: ChatGroup, new: ChatGroup) -> int:
    """Point every row that refers to `old` at `new`, delete `old`, and return how many rows moved.

    The referring tables are found from the schema, so a table added later
    that refers to chats moves too.
    """
    moved = 0
    for table in Base.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table is not ChatGroup.__table__:
                continue
            column = key.parent
            result = await session.execute(
                update(table).where(column == old.id).values({column.name: new.id})
            )
            moved += result.rowcount
    await session.delete(old)
    await session.flush()
    return moved


async def _chat(session: AsyncSession, chat_id: str) -> ChatGroup | None:
    return await session.scalar(
        select(ChatGroup).where(ChatGroup.platform == PLATFORM, ChatGroup.chat_id == chat_id)
    )
