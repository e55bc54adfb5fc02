"""Chat groups and the raw messages that arrive from them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.org import Compound


class ChatKind(enum.StrEnum):
    RESIDENT_GROUP = "resident_group"
    STAFF_GROUP = "staff_group"
    PRIVATE = "private"


class ChatGroup(Base):
    """A chat on one platform, bound to a compound once an officer binds it."""

    __tablename__ = "chat_group"
    __table_args__ = (UniqueConstraint("platform", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(16), default=ChatKind.RESIDENT_GROUP)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compound.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Set when the "please bind this chat" hint went out, so it goes out once.
    bind_hint_sent_at: Mapped[datetime | None]
    bound_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    compound: Mapped[Compound | None] = relationship(lazy="joined")


class MessageOutcome(enum.StrEnum):
    """What the pipeline did with a raw message."""

    PENDING = "pending"
    IGNORED = "ignored"
    OPENED = "opened"
    ATTACHED = "attached"
    COMMAND = "command"
    UNBOUND = "unbound"
    FAILED = "failed"


class RawMessage(Base):
    """A message exactly as it arrived, stored before anything acts on it.

    The unique key makes a redelivered message a no-op once it was processed:
    platforms retry callbacks they think went unanswered. A row still pending
    is processed by whoever claims it first (see handlers.rawstore.claim_pending).
    """

    __tablename__ = "raw_message"
    __table_args__ = (
        UniqueConstraint("platform", "account", "sender_id", "platform_message_id"),
        Index("ix_raw_message_pending", "outcome", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    account: Mapped[str] = mapped_column(String(128), default="")
    chat_id: Mapped[str] = mapped_column(String(128))
    sender_id: Mapped[str] = mapped_column(String(128))
    sender_name: Mapped[str] = mapped_column(String(100), default="")
    platform_message_id: Mapped[str] = mapped_column(String(128))
    sent_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    text: Mapped[str] = mapped_column(Text, default="")
    reply_to: Mapped[str | None] = mapped_column(String(128))
    # The forum topic the message was written in, where the platform has topics.
    thread_id: Mapped[str | None] = mapped_column(String(32))
    quoted_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    # The rest of the inbound message, so a row left pending by a crash can be
    # rebuilt and processed after a restart.
    chat_title: Mapped[str] = mapped_column(String(200), default="")
    is_private: Mapped[bool] = mapped_column(default=False)
    mentions_bot: Mapped[bool] = mapped_column(default=False)
    # Times the pending-message pass took this row up; it gives up after a few,
    # so a message that kills the process is not retried forever.
    recovery_attempts: Mapped[int] = mapped_column(default=0)
    withdrawn: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str] = mapped_column(String(16), default=MessageOutcome.PENDING)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    chat_group_id: Mapped[int | None] = mapped_column(ForeignKey("chat_group.id"))
    processed_at: Mapped[datetime | None]
