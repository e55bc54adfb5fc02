"""Compounds, the bodies above and inside them, and the people who act for them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow


class PartyKind(enum.StrEnum):
    """The three parties of a compound; the values are the route keys."""

    PROPERTY = "property"
    COMMITTEE = "committee"
    PARTY = "party"


PARTY_KIND_LABELS: dict[PartyKind, str] = {
    PartyKind.PROPERTY: "物业公司",
    PartyKind.COMMITTEE: "业委会",
    PartyKind.PARTY: "小区党组织",
}


class RoleKind(enum.StrEnum):
    """A member's role kind; Role adds where it applies (compound, community or street)."""

    RESIDENT = "resident"
    LIAISON_OFFICER = "liaison_officer"
    BRANCH_SECRETARY = "branch_secretary"
    PARTY_MEMBER = "party_member"
    COMMITTEE_DIRECTOR = "committee_director"
    COMMITTEE_MEMBER = "committee_member"
    PROPERTY_MANAGER = "property_manager"
    PROPERTY_STAFF = "property_staff"
    COMMUNITY_STAFF = "community_staff"
    STREET_STAFF = "street_staff"


ROLE_LABELS: dict[RoleKind, str] = {
    RoleKind.RESIDENT: "居民",
    RoleKind.LIAISON_OFFICER: "小区专员",
    RoleKind.BRANCH_SECRETARY: "小区党组织书记",
    RoleKind.PARTY_MEMBER: "党组织成员",
    RoleKind.COMMITTEE_DIRECTOR: "业委会主任",
    RoleKind.COMMITTEE_MEMBER: "业委会委员",
    RoleKind.PROPERTY_MANAGER: "物业项目经理",
    RoleKind.PROPERTY_STAFF: "物业管家",
    RoleKind.COMMUNITY_STAFF: "社区工作人员",
    RoleKind.STREET_STAFF: "街道三方办工作人员",
}

# The roles whose holders act for each party of their compound.
PARTY_ROLES: dict[PartyKind, frozenset[RoleKind]] = {
    PartyKind.PROPERTY: frozenset({RoleKind.PROPERTY_MANAGER, RoleKind.PROPERTY_STAFF}),
    PartyKind.COMMITTEE: frozenset({RoleKind.COMMITTEE_DIRECTOR, RoleKind.COMMITTEE_MEMBER}),
    PartyKind.PARTY: frozenset({RoleKind.BRANCH_SECRETARY, RoleKind.LIAISON_OFFICER, RoleKind.PARTY_MEMBER}),
}


class Street(Base):
    """A street office (街道) and its tri-party office (三方办)."""

    __tablename__ = "street"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class Community(Base):
    """A community office (社区), the level above a handful of compounds."""

    __tablename__ = "community"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street.id"))

    street: Mapped[Street | None] = relationship(lazy="joined")


class Compound(Base):
    """A residential compound (小区), the unit every case belongs to."""

    __tablename__ = "compound"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    # The last case number handed out; bumped in the case's transaction so
    # numbers are gap-free and unique per compound.
    last_case_seq: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    community: Mapped[Community | None] = relationship(lazy="joined")
    parties: Mapped[list[Party]] = relationship(back_populates="compound", lazy="selectin")

    def party(self, kind: PartyKind) -> Party | None:
        """Return the compound's party of the given kind, if it has one."""
        return next((p for p in self.parties if p.kind == kind), None)


class Party(Base):
    """One of the three parties of a compound: party branch, owners' committee, property firm."""

    __tablename__ = "party"
    __table_args__ = (UniqueConstraint("compound_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))

    compound: Mapped[Compound] = relationship(back_populates="parties")


class Member(Base):
    """A person stored by the bot: a resident who wrote in a group, or a staff member."""

    __tablename__ = "member"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    identities: Mapped[list[Identity]] = relationship(back_populates="member", lazy="selectin")
    roles: Mapped[list[Role]] = relationship(back_populates="member", lazy="selectin")


class Identity(Base):
    """A member's account on one platform (WeCom user id, Telegram user id...)."""

    __tablename__ = "identity"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    platform_user_id: Mapped[str] = mapped_column(String(128))

    member: Mapped[Member] = relationship(back_populates="identities")


class Role(Base):
    """A member's role, scoped to a compound (and party), a community or a street."""

    __tablename__ = "role"
    __table_args__ = (
        UniqueConstraint("member_id", "role", "compound_id", "community_id", "street_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compound.id"), index=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street.id"))

    member: Mapped[Member] = relationship(back_populates="roles")
