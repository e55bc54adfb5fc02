"""Cases, their audit trail, co-reporters, attachments and routing overrides."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.org import Compound, Party


class StatusCategory(enum.StrEnum):
    OPEN = "open"
    FINAL = "final"


class CaseStatus(enum.StrEnum):
    """Case states; each belongs to a category so queries never list labels by hand."""

    TRIAGE = "triage"
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    REOPENED = "reopened"
    RESOLVED = "resolved"
    CLOSED = "closed"
    MERGED = "merged"

    @property
    def category(self) -> StatusCategory:
        if self in _FINAL_STATUSES:
            return StatusCategory.FINAL
        return StatusCategory.OPEN

    @property
    def is_open(self) -> bool:
        return self.category is StatusCategory.OPEN

    @classmethod
    def open_statuses(cls) -> tuple[CaseStatus, ...]:
        return tuple(s for s in cls if s.is_open)

    @classmethod
    def final_statuses(cls) -> tuple[CaseStatus, ...]:
        return tuple(s for s in cls if not s.is_open)


# RESOLVED is final for the acting party; the reporter can still rate it and
# a rating of 不满意 reopens it.
_FINAL_STATUSES = frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.MERGED})

STATUS_LABELS: dict[CaseStatus, str] = {
    CaseStatus.TRIAGE: "待分类",
    CaseStatus.NEW: "待受理",
    CaseStatus.ACKNOWLEDGED: "已受理",
    CaseStatus.IN_PROGRESS: "处理中",
    CaseStatus.REOPENED: "已重新打开",
    CaseStatus.RESOLVED: "已办结",
    CaseStatus.CLOSED: "已关闭",
    CaseStatus.MERGED: "已合并",
}


class CaseOutcome(enum.StrEnum):
    """The final outcome of a closed case; only RESOLVED counts towards the resolution rate.

    NOT_A_CASE marks a message an officer found to be no problem at all
    (chat or a joke the classifier took for a report). Such a case is left
    out of every count and rate, because no party had any work to do.
    """

    RESOLVED = "resolved"
    CANNOT_RESOLVE = "cannot_resolve"
    NOT_OUR_DUTY = "not_our_duty"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"
    NOT_A_CASE = "not_a_case"


OUTCOME_LABELS: dict[CaseOutcome, str] = {
    CaseOutcome.RESOLVED: "已解决",
    CaseOutcome.CANNOT_RESOLVE: "无法解决",
    CaseOutcome.NOT_OUR_DUTY: "非本方职责",
    CaseOutcome.WITHDRAWN: "反映人撤回",
    CaseOutcome.MERGED: "并入其他工单",
    CaseOutcome.NOT_A_CASE: "误报·非诉求",
}


class Case(Base):
    """A problem a party must act on, with a number residents can quote."""

    __tablename__ = "case"
    __table_args__ = (
        UniqueConstraint("compound_id", "seq"),
        Index("ix_case_compound_status", "compound_id", "status"),
        Index("ix_case_status_response_due", "status", "response_due_at"),
        Index("ix_case_status_resolve_due", "status", "resolve_due_at"),
        # The scheduler finds cases changed since its last sweep by this column.
        Index("ix_case_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"))
    seq: Mapped[int]
    category: Mapped[str] = mapped_column(String(32))
    urgent: Mapped[bool] = mapped_column(default=False)
    confidence: Mapped[float] = mapped_column(default=1.0)
    route: Mapped[str] = mapped_column(String(16))
    party_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"))
    external: Mapped[bool] = mapped_column(default=False)
    building: Mapped[str | None] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(16))
    room: Mapped[str | None] = mapped_column(String(16))
    place: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.NEW)
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    chat_group_id: Mapped[int | None] = mapped_column(ForeignKey("chat_group.id"))
    # The forum topic of that chat the case was reported in, so the group's
    # notes about it reach the residents who follow that topic.
    thread_id: Mapped[str | None] = mapped_column(String(32))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    reporter_count: Mapped[int] = mapped_column(default=1)
    # Raised as more residents report the same problem: 0 normal, 1 high, 2 highest.
    priority: Mapped[int] = mapped_column(default=0, server_default="0")
    escalation_level: Mapped[int] = mapped_column(default=0)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    response_due_at: Mapped[datetime | None]
    # The response limit the case was opened with; response_due_at is the
    # limit of the current handling round.
    first_response_due_at: Mapped[datetime | None]
    resolve_due_at: Mapped[datetime | None]
    rating: Mapped[str | None] = mapped_column(String(16))
    rating_comment: Mapped[str | None] = mapped_column(Text)
    # The current handling round (see CaseRound): its number and start.
    # party_id, route, acknowledged_at and the limits above belong to it.
    round_number: Mapped[int] = mapped_column(default=1, server_default="1")
    # None on rows written before rounds were recorded, where opened_at is used instead.
    round_started_at: Mapped[datetime | None]

    compound: Mapped[Compound] = relationship(lazy="joined")
    party: Mapped[Party | None] = relationship(lazy="joined")

    @property
    def number(self) -> str:
        """The case number people see and type, zero-padded to four digits."""
        return f"{self.seq:04d}"

    @property
    def status_enum(self) -> CaseStatus:
        return CaseStatus(self.status)


class CaseEvent(Base):
    """One entry in a case's audit trail; rows are only ever added."""

    __tablename__ = "case_event"
    __table_args__ = (Index("ix_case_event_case_at", "case_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    # Who acted when no member did: "bot", "scheduler", a platform name.
    actor_label: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseRound(Base):
    """One ended handling round of a case: a party's turn, from its start to its end.

    A round starts when a case is opened, reopened or given to another
    party, and ends with a closing act (resolved, cannot resolve, not our
    duty, withdrawn, merged, false alarm) or when the case goes to another
    party. The row is written when the round ends, in the transaction of
    that change, and never changed afterwards. So a reopen leaves the
    figures of past periods as they were. The round still running lives on
    the case row.
    """

    __tablename__ = "case_round"
    __table_args__ = (
        UniqueConstraint("case_id", "number"),
        # The figures select a period's rounds of many compounds by end time.
        Index("ix_case_round_compound_ended", "compound_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"))
    number: Mapped[int]
    party_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"))
    route: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    # The limits in force when the round ended, pauses included.
    response_due_at: Mapped[datetime | None]
    resolve_due_at: Mapped[datetime | None]
    # The party's first response: acknowledging, or closing the case itself.
    responded_at: Mapped[datetime | None]
    ended_at: Mapped[datetime]
    # The event kind that ended the round, e.g. resolved, withdrawn, handed_on.
    end_kind: Mapped[str] = mapped_column(String(32))
    # The case's outcome for a closing act; None when the case went to another party.
    outcome: Mapped[str | None] = mapped_column(String(16))


class CaseReporter(Base):
    """A resident who reported a case or joined it later ("我也是")."""

    __tablename__ = "case_reporter"
    __table_args__ = (UniqueConstraint("case_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    raw_message_id: Mapped[int | None] = mapped_column(ForeignKey("raw_message.id"))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attachment(Base):
    """A photo, voice note, file, location or link that came with a message."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    raw_message_id: Mapped[int] = mapped_column(ForeignKey("raw_message.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    media_id: Mapped[str | None] = mapped_column(String(256))
    url: Mapped[str | None] = mapped_column(Text)
    file_path: Mapped[str | None] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RouteOverride(Base):
    """A compound's own choice of party for a category, over the default table."""

    __tablename__ = "route_override"
    __table_args__ = (UniqueConstraint("compound_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"))
    category: Mapped[str] = mapped_column(String(32))
    route: Mapped[str] = mapped_column(String(16))


class Delivery(Base):
    """An outgoing message, stored before its first send attempt and retried until sent or given up.

    Status is pending (waiting for next_attempt_at), sending (claimed by the
    process named in claimed_by), sent, failed, or skipped (not sent on
    purpose, with the reason in last_error). See handlers.outbox_store.
    """

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_status", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    target_kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(String(128))
    # The forum topic of a chat target, or None for the chat itself.
    thread_id: Mapped[str | None] = mapped_column(String(32))
    # The text to send; a personal reply's text is replaced by a placeholder once it is sent or given up.
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    # The Reply fields a later attempt needs to send the same message again.
    audience: Mapped[str] = mapped_column(String(16), default="group", server_default="group")
    reply_to: Mapped[str | None] = mapped_column(String(256))
    image_path: Mapped[str | None] = mapped_column(Text)
    # Set once the text of a delivery with a picture has arrived, so a retry
    # after a failed picture sends the picture alone.
    text_sent: Mapped[bool] = mapped_column(default=False, server_default=false())
    # How many messages of a text that the adapter split (Telegram's 4096
    # characters, the WeCom routes' byte limits) have arrived, so a retry
    # sends only the rest.
    parts_sent: Mapped[int] = mapped_column(default=0, server_default="0")
    # The scheduled notification this delivery is an attempt of. A later
    # attempt to the same account starts where this one stopped.
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notification.id"), index=True)
    personal: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Whether the branch is told when this delivery finally fails. False when
    # the caller reports failures itself (the scheduler's notifications).
    report_failure: Mapped[bool] = mapped_column(default=True, server_default=true())
    # After this moment a failed attempt is final. None: the caller retries
    # the message itself, so the first attempt is the only one.
    give_up_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    # Set when a delivery whose failure is reported to the branch fails for
    # good, to the latest moment its 【发送失败】 notice goes out, even while
    # replies of the same message are in their first attempt. Cleared once a
    # notice names it (see handlers.failure_reports).
    notice_due_at: Mapped[datetime | None] = mapped_column(index=True)
