"""Links from register entries to residents' accounts, made by 关联住户.

A link lets 我的信息 and 删除我的信息 find an entry for the resident, who then
reads the full phone, the tags and the note, and may delete the entry. So a
link is made only once it is checked: the account's chat name is the
entry's name, or the officer confirms it after seeing whom it links. An
entry has at most one linked account, so a new link replaces the old one. An
account may be linked to several entries, for a resident registered at two
flats or one whose moved-out history is kept.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.register import NAME_SEPARATORS
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


def names_match(display_name: str, name: str) -> bool:
    """Tell whether a chat display name is the register name, ignoring width, case, spaces and separators.

    A masked or partial display name (小*, 张先生) or a nickname never
    matches, so linking such an account needs the officer's confirmation.
    """
    return bool(name) and _plain(display_name) == _plain(name)


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(char for char in folded if not char.isspace() and char not in NAME_SEPARATORS)


def is_linked(occupant: Occupant, member: Member) -> bool:
    """Tell whether an entry is linked to the account by a checked link."""
    return occupant.member_id == member.id and occupant.link_confirmed


async def link_occupant(session: AsyncSession, occupant: Occupant, member: Member, now: datetime) -> LinkChange:
    """Link a register entry to a resident's account, replacing any other account it was linked to.

    The caller has checked the link (see the module docstring), so it is
    stored as confirmed. An unchecked link to the same account, left from
    before links were checked, becomes a checked one.
    """
    also_linked = list(
        await session.scalars(
            select(Occupant)
            .join(Dwelling, Dwelling.id == Occupant.dwelling_id)
            .where(
                Dwelling.compound_id == occupant.dwelling.compound_id,
                Occupant.member_id == member.id,
                Occupant.link_confirmed.is_(True),
                Occupant.id != occupant.id,
                Occupant.moved_out_at.is_(None),
            )
            .order_by(Dwelling.building, Dwelling.unit, Dwelling.room, Occupant.id)
        )
    )
    if is_linked(occupant, member):
        return LinkChange(replaced=None, unchanged=True, also_linked=also_linked)
    replaced = None
    if occupant.member_id is not None and occupant.member_id != member.id:
        replaced = await session.get(Member, occupant.member_id)
    occupant.member_id = member.id
    occupant.link_confirmed = True
    occupant.updated_at = now
    await session.flush()
    return LinkChange(replaced=replaced, unchanged=False, also_linked=also_linked)
