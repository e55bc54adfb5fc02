"""The household register (住户档案): dwellings of a compound, the people living in them, and care notices."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.org import Compound


class Dwelling(Base):
    """A flat: building (栋), unit (单元) and room (室) inside one compound.

    A building without units stores the unit as an empty string rather than
    NULL, because a unique constraint treats NULLs as distinct and would let
    the same flat be entered twice.
    """

    __tablename__ = "dwelling"
    __table_args__ = (UniqueConstraint("compound_id", "building", "unit", "room"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"), index=True)
    building: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(16), default="")
    room: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    compound: Mapped[Compound] = relationship(lazy="joined")
    occupants: Mapped[list[Occupant]] = relationship(back_populates="dwelling", lazy="selectin")


class Occupant(Base):
    """A person recorded at a dwelling by the liaison officer or the branch secretary.

    The register rejects any text that contains an ID-card number, so no
    column contains one. A moved-out occupant keeps only name, relation and dates.
    """

    __tablename__ = "occupant"

    id: Mapped[int] = mapped_column(primary_key=True)
    dwelling_id: Mapped[int] = mapped_column(ForeignKey("dwelling.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    # 业主, 家属, 租户, 借住 or 其他; see handlers.register.RELATIONS.
    relation: Mapped[str] = mapped_column(String(16))
    # Eleven digits, stored unmasked. Replies mask it for everyone but the person.
    phone: Mapped[str | None] = mapped_column(String(32))
    moved_in_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(Text, default="")
    # Labels from handlers.register.TAGS, in the order given.
    tags: Mapped[list[Any]] = mapped_column(default=list)
    # The bot's member for this person, once known, so 我的信息 can find them.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    # Whether the link to member_id was checked: the member's chat name was the
    # entry's name, or the officer confirmed the link with 确认. 我的信息 and
    # 删除我的信息 follow checked links only.
    link_confirmed: Mapped[bool] = mapped_column(default=False, server_default=false())
    moved_out_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    dwelling: Mapped[Dwelling] = relationship(back_populates="occupants", lazy="joined")


class CareNotice(Base):
    """A 【关怀提示】 sent to the register's keepers about one dwelling of one case.

    The row contains no tag, only the fact that the notice was sent. The unique constraint
    keeps the notice to once per case and dwelling, also when two reports
    of one case arrive at the same moment.
    """

    __tablename__ = "care_notice"
    __table_args__ = (UniqueConstraint("case_id", "dwelling_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    dwelling_id: Mapped[int] = mapped_column(ForeignKey("dwelling.id"), index=True)
    sent_at: Mapped[datetime]
