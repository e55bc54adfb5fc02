"""Links from register entries to residents' accounts, made by 关联住户.

A link lets 我的信息 and 删除我的信息 find an entry for the resident. An
entry has at most one linked account, so a new link replaces the old one. An
account may be linked to several entries, for a resident registered at two
flats or one whose moved-out history is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseReporter, Dwelling, Member, Occupant


@dataclass(frozen=True, slots=True)
class Reporter:
    """One reporter of a case, numbered from 1 in the order they joined it."""

    position: int
    member: Member
    joined_at: datetime


@dataclass(frozen=True, slots=True)
class LinkChange:
    """The outcome of linking an entry to an account.

    Attributes:
        replaced: The other account the entry was linked to before, if any.
        unchanged: The entry was already linked to this account.
        also_linked: The account's other living entries in the entry's compound.
    """

    replaced: Member | None
    unchanged: bool
    also_linked: list[Occupant]


async def case_reporters(session: AsyncSession, case: Case) -> list[Reporter]:
    """Return a case's reporters in the order they joined, the order in which 拆分 numbers them too."""
    rows = await session.execute(
        select(CaseReporter.joined_at, Member)
        .join(Member, Member.id == CaseReporter.member_id)
        .where(CaseReporter.case_id == case.id)
        .order_by(CaseReporter.joined_at, CaseReporter.id)
    )
    return [Reporter(position, member, joined_at) for position, (joined_at, member) in enumerate(rows, start=1)]


async def link_occupant(session: AsyncSession, occupant: Occupant, member: Member, now: datetime) -> LinkChange:
    """Link a register entry to a resident's account, replacing any other account it was linked to."""
    also_linked = list(
        await session.scalars(
            select(Occupant)
            .join(Dwelling, Dwelling.id == Occupant.dwelling_id)
            .where(
                Dwelling.compound_id == occupant.dwelling.compound_id,
                Occupant.member_id == member.id,
                Occupant.id != occupant.id,
                Occupant.moved_out_at.is_(None),
            )
            .order_by(Dwelling.building, Dwelling.unit, Dwelling.room, Occupant.id)
        )
    )
    if occupant.member_id == member.id:
        return LinkChange(replaced=None, unchanged=True, also_linked=also_linked)
    replaced = await session.get(Member, occupant.member_id) if occupant.member_id is not None else None
    occupant.member_id = member.id
    occupant.updated_at = now
    await session.flush()
    return LinkChange(replaced=replaced, unchanged=False, also_linked=also_linked)
