"""Reading and writing the household register in the database.

Rule for moving out: 迁出 keeps the person's name, relation and dates as
history but clears the phone, tags and note at once, because those are only
needed while the person lives there. 迁出 … 删除 and 删除我的信息 remove the
row altogether.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import BadCommand, NotFound
from handlers.register import CARE_TAGS, RELATIONS, OccupantEntry, full_mobile
from handlers.register_address import DwellingAddress
from models import Compound, Dwelling, Member, Occupant
from nlp.findings import Location

# The maximum number of people a search reply lists.
SEARCH_LIMIT = 20
# A search by phone: the last four digits, or the masked form 138****1234.
_PHONE_TAIL = re.compile(r"^[0-9]{4}$")
_MASKED_PHONE = re.compile(r"^(1[3-9][0-9])\*{4}([0-9]{4})$")
# The empty value of each field that an import may clear.
_EMPTY: dict[str, object] = {"phone": None, "moved_in_on": None, "tags": [], "note": ""}


@dataclass(frozen=True, slots=True)
class RegisterFigures:
    """Aggregate counts of one compound's register; no person appears in it."""

    dwellings: int
    people: int
    by_building: list[tuple[str, int, int]]
    by_tag: list[tuple[str, int]]


async def find_dwelling(session: AsyncSession, compound: Compound, address: DwellingAddress) -> Dwelling | None:
    return await session.scalar(
        select(Dwelling).where(
            Dwelling.compound_id == compound.id,
            Dwelling.building == address.building,
            Dwelling.unit == address.unit,
            Dwelling.room == address.room,
        )
    )


async def require_dwelling(session: AsyncSession, compound: Compound, address: DwellingAddress) -> Dwelling:
    """Return the dwelling, or raise NotFound when the register has none at that address."""
    dwelling = await find_dwelling(session, compound, address)
    if dwelling is None:
        msg = f"住户档案中没有 {address.label}，请核对房号，或先用“登记住户”登记。"
        raise NotFound(msg)
    return dwelling


def living(dwelling: Dwelling) -> list[Occupant]:
    """Return the people who have not moved out, in the order they were entered."""
    return sorted((o for o in dwelling.occupants if o.moved_out_at is None), key=lambda o: o.id)


async def save_occupant(
    session: AsyncSession, compound: Compound, address: DwellingAddress, entry: OccupantEntry, now: datetime
) -> tuple[Occupant, bool]:
    """Add a person to a dwelling, or update the living person of that name there.

    On update only the fields given change; tags given replace the old ones.
    Returns the person and whether they were new.

    Raises:
        BadCommand: A new person comes without a relation.
    """
    dwelling = await find_dwelling(session, compound, address)
    if dwelling is None:
        dwelling = Dwelling(compound_id=compound.id, building=address.building, unit=address.unit, room=address.room)
        session.add(dwelling)
        await session.flush()
    occupant = await session.scalar(
        select(Occupant).where(
            Occupant.dwelling_id == dwelling.id, Occupant.name == entry.name, Occupant.moved_out_at.is_(None)
        )
    )
    created = occupant is None
    if occupant is None:
        if entry.relation is None:
            msg = (
                f"请写明{entry.name}与该户的关系（{'、'.join(RELATIONS)}），"
                f"例如：登记住户 {address.label} {entry.name} 业主"
            )
            raise BadCommand(msg)
        occupant = Occupant(dwelling_id=dwelling.id, name=entry.name, relation=entry.relation, tags=[], note="")
        occupant.created_at = now
        session.add(occupant)
    for name in entry.clear:
        empty = _EMPTY[name]
        setattr(occupant, name, list(empty) if isinstance(empty, list) else empty)
    if entry.relation is not None:
        occupant.relation = entry.relation
    if entry.phone is not None:
        occupant.phone = entry.phone
    if entry.moved_in_on is not None:
        occupant.moved_in_on = entry.moved_in_on
    if entry.tags is not None:
        occupant.tags = list(entry.tags)
    if entry.note is not None:
        occupant.note = entry.note
    occupant.updated_at = now
    await session.flush()
    await session.refresh(dwelling, ["occupants"])
    return occupant, created


async def move_out(
    session: AsyncSession, compound: Compound, address: DwellingAddress, name: str, now: datetime, *, delete: bool
) -> Occupant:
    """Mark a living person as moved out, clearing phone, tags and note, or delete the row.

    Raises:
        NotFound: The dwelling or the person is not in the register.
    """
    dwelling = await require_dwelling(session, compound, address)
    occupant = next((o for o in living(dwelling) if o.name == name), None)
    if occupant is None:
        msg = f"{address.label} 没有在住的“{name}”，请核对姓名。发送“住户 {address.label}”可查看该户登记。"
        raise NotFound(msg)
    if delete:
        await session.delete(occupant)
    else:
        occupant.moved_out_at = now
        occupant.phone = None
        occupant.tags = []
        occupant.note = ""
        occupant.updated_at = now
    await session.flush()
    return occupant


def is_phone_query(query: str) -> bool:
    """Tell whether a search query is a phone: the last four digits, the masked form or the whole number."""
    return bool(_PHONE_TAIL.match(query) or _MASKED_PHONE.match(query) or full_mobile(query))


async def search(session: AsyncSession, compound: Compound, query: str) -> list[Occupant]:
    """Find living people by part of the name, or by phone: its last four digits, masked form or whole number.

    Phones are stored as the 11 digits that parse_phone returns, so a whole
    number, typed with spaces or dashes or not, is compared for equality.
    """
    condition = Occupant.name.contains(query, autoescape=True)
    masked = _MASKED_PHONE.match(query)
    phone = full_mobile(query)
    if _PHONE_TAIL.match(query):
        condition = or_(condition, Occupant.phone.endswith(query))
    elif masked is not None:
        condition = Occupant.phone.startswith(masked.group(1)) & Occupant.phone.endswith(masked.group(2))
    elif phone is not None:
        condition = Occupant.phone == phone
    found = await session.scalars(
        select(Occupant)
        .join(Dwelling, Dwelling.id == Occupant.dwelling_id)
        .where(Dwelling.compound_id == compound.id, Occupant.moved_out_at.is_(None), condition)
        .order_by(Dwelling.building, Dwelling.unit, Dwelling.room, Occupant.id)
        .limit(SEARCH_LIMIT + 1)
    )
    return list(found)


async def figures(session: AsyncSession, compound: Compound) -> RegisterFigures:
    """Count dwellings and living people by building, and people by tag."""
    rows = await session.execute(
        select(Dwelling.id, Dwelling.building, Occupant.tags)
        .join(Occupant, Occupant.dwelling_id == Dwelling.id)
        .where(Dwelling.compound_id == compound.id, Occupant.moved_out_at.is_(None))
    )
    dwellings: dict[str, set[int]] = {}
    people: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    for dwelling_id, building, person_tags in rows:
        dwellings.setdefault(building, set()).add(dwelling_id)
        people[building] += 1
        tags.update(person_tags or [])
    by_building = [(b, len(dwellings[b]), people[b]) for b in sorted(dwellings, key=_building_order)]
    return RegisterFigures(
        dwellings=sum(len(ids) for ids in dwellings.values()),
        people=sum(people.values()),
        by_building=by_building,
        by_tag=sorted(tags.items(), key=lambda item: (-item[1], item[0])),
    )


def _building_order(building: str) -> tuple[int, str]:
    # Numbered buildings in numeric order (2 before 10), lettered ones after.
    return (int(building), "") if building.isdigit() else (10**6, building)


async def records_of(session: AsyncSession, member: Member) -> list[Occupant]:
    """Return the entries in any compound's register linked to a member or carrying the member's phone.

    Only checked links count (see handlers.register_links): an unchecked one,
    made before links were checked, may point at a neighbour. Moved-out
    entries count too, because 我的信息 and 删除我的信息 cover the history
    kept about the person. Member.phone counts as the member's own number,
    and nothing that a resident types in a chat fills it.
    """
    condition = (Occupant.member_id == member.id) & Occupant.link_confirmed.is_(True)
    if member.phone:
        condition = or_(condition, Occupant.phone == member.phone)
    found = await session.scalars(
        select(Occupant).where(condition).order_by(Occupant.id)
    )
    return list(found)


async def dwelling_at(session: AsyncSession, compound_id: int, location: Location) -> Dwelling | None:
    """Return the registered dwelling that a case or report names, if any.

    A location names a dwelling only when it has a building and a room;
    without a unit it matches a dwelling registered without one.
    """
    if not location.building or not location.room:
        return None
    return await session.scalar(
        select(Dwelling).where(
            Dwelling.compound_id == compound_id,
            Dwelling.building == location.building,
            Dwelling.unit == (location.unit or ""),
            Dwelling.room == location.room,
        )
    )


def care_tags_of(dwelling: Dwelling) -> list[str]:
    """Return the care tags of the people living in a dwelling, each once, in the order of CARE_TAGS."""
    found: list[str] = []
    for occupant in living(dwelling):
        found.extend(t for t in occupant.tags if t in CARE_TAGS and t not in found)
    return [t for t in CARE_TAGS if t in found]
