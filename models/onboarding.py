"""The homes that residents writing to the bot one-to-one give."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class PrivateChatHome(Base):
    """The compound and building a resident named in a private chat with the bot.

    A private chat has no group title to tell its compound, so the bot asks
    once and keeps the answer here; the chat itself is then bound to the
    compound like a group.
    """

    __tablename__ = "private_chat_home"
    __table_args__ = (UniqueConstraint("platform", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compound.id"), index=True)
    building: Mapped[str | None] = mapped_column(String(16))
    # When the bot last asked for the home. The first prompt carries the
    # greeting, and small talk gets a reminder only 24 hours after the last.
    asked_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
