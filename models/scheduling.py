"""Timers of cases, the notifications they produce, and departments called in by the street.

Timers live here rather than in the scheduler's memory, so a restart loses
nothing and two service instances share one view of what is due.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class CaseTimer(Base):
    """The scheduler's state for one case: when to look at it next and where it stands.

    The sweep reads only timers whose `due_at` has passed (an indexed range
    query), so the number of open cases does not set the cost of a sweep.
    """

    __tablename__ = "case_timer"
    __table_args__ = (Index("ix_case_timer_due_at", "due_at"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), primary_key=True)
    # Next moment anything can happen to the case; NULL when nothing can.
    due_at: Mapped[datetime | None]
    # The case status the timer was last computed for; a change reschedules it.
    status_seen: Mapped[str] = mapped_column(String(16), default="")
    # The resolve deadline it was computed for; a restarted clock reschedules it too.
    resolve_due_seen: Mapped[datetime | None]
    # Rung of the escalation ladder the case stands on (0 = property firm ... 4 = street).
    rung: Mapped[int | None]
    rung_due_at: Mapped[datetime | None]
    overdue_since: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    pause_reason: Mapped[str | None] = mapped_column(Text)
    paused_seconds: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    # At least one recipient got it.
    SENT = "sent"
    # A later reminder of the same limit replaced it (the service was down).
    SUPERSEDED = "superseded"
    NO_RECIPIENT = "no_recipient"
    # Every platform rejected it, on every attempt, and no retry is left.
    FAILED = "failed"
    # No running adapter or registered account could reach any recipient, which a retry cannot change.
    UNDELIVERABLE = "undeliverable"


class Notification(Base):
    """A message the scheduler decided to send, keyed so it is decided only once.

    `key` names the occasion (reminder 90% of case 12's resolve limit, the
    daily digest of compound 3 on 2026-03-02). The unique constraint turns a
    second decision, by a rerun or by another instance, into a no-op.
    """

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_notification_status_release", "status", "release_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compound.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street.id"))
    urgent: Mapped[bool] = mapped_column(default=False)
    # Where it goes: [{"kind": "party", "party_id": 3, "name": "..."}, {"kind": "user", ...}].
    targets: Mapped[list[Any]] = mapped_column(default=list)
    text: Mapped[str] = mapped_column(Text)
    image_path: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=NotificationStatus.PENDING)
    # When it was due, and the earliest time quiet hours let it go out.
    due_at: Mapped[datetime]
    release_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when an instance takes it for sending; a stale claim means a crash mid-send.
    claimed_at: Mapped[datetime | None]
    # Set only when at least one recipient got it.
    sent_at: Mapped[datetime | None]
    sent_by: Mapped[str | None] = mapped_column(String(64))
    # Send attempts so far, and the errors of the deliveries that failed in the
    # last one. A no_recipient row keeps why it has no recipient.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)


class DepartmentCall(Base):
    """A department the street tri-party office "whistled" to (吹哨) about a case, and its report-in (报到)."""

    __tablename__ = "department_call"
    __table_args__ = (UniqueConstraint("case_id", "department"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    department: Mapped[str] = mapped_column(String(32))
    called_at: Mapped[datetime]
    reported_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
