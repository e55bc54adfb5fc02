"""Merging members that turn out to be one person.

Accounts that name one person (see handlers.directory) were not always
linked: members written before the link existed, or created by two first
messages through two routes at the same moment, are two rows for one
person. Such members are merged when the link is found, that is in the
transaction of the first message or grant of either account that comes
afterwards. An operator then has nothing to run after an upgrade, and the
merge covers splits that arise later as well as old ones. It commits with
the message that found it, and a merge that fails is rolled back alone
(see handlers.directory), so nothing is half-written. A split member who
never writes again stays split, which changes nothing, because each half
still reaches its own accounts.

The older member (the lower id) survives. Every row that refers to the
other one moves to it: accounts, roles, case reports, events, homes and
register links. A case that both had reported counts its reporters once.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from sqlalchemy import Column, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import object_mapper
from sqlalchemy.orm.attributes import set_committed_value

from handlers.cases import record_event
from models import Base, Case, CaseEvent, CaseReporter, Identity, Member, Role, utcnow

log = logging.getLogger("handlers.members")

# The references to a member that need more than a new member id.
_MERGED_BY_HAND = frozenset(
    {Identity.__table__.c.member_id, Role.__table__.c.member_id, CaseReporter.__table__.c.member_id}
)


async def account_member_ids(session: AsyncSession, platforms: Collection[str], user_id: str) -> set[int]:
    """Return the ids of the members that have an account with `user_id` on one of `platforms`."""
    rows = await session.scalars(
        select(Identity.member_id).where(Identity.platform.in_(platforms), Identity.platform_user_id == user_id)
    )
    return set(rows)


async def merge_split(session: AsyncSession, platforms: Collection[str], user_id: str) -> Member:
    """Merge the members that have an account with `user_id` on `platforms` into the oldest; return it.

    Raises:
        LookupError: No such account exists.
    """
    await _lock_accounts(session, platforms, user_id)
    # Read after the lock: a transaction that merged these members while
    # this one waited has committed by now.
    member_ids = await account_member_ids(session, platforms, user_id)
    if not member_ids:
        msg = f"no member has an account {user_id!r} on {', '.join(platforms)}"
        raise LookupError(msg)
    survivor_id = min(member_ids)
    survivor = await _load(session, survivor_id)
    for other_id in sorted(member_ids - {survivor_id}):
        await merge_members(session, survivor, await _load(session, other_id))
    return survivor


async def merge_members(session: AsyncSession, survivor: Member, absorbed: Member) -> None:
    """Move everything of `absorbed` to `survivor` and delete `absorbed`, in the caller's transaction."""
    identities = [i.platform for i in absorbed.identities]
    for identity in list(absorbed.identities):
        identity.member = survivor
    roles = await _merge_roles(session, survivor, absorbed)
    recounted = await _merge_reports(session, survivor, absorbed)
    await session.flush()
    for column in member_references():
        await _repoint(session, column, absorbed.id, survivor.id)
    await _repoint_split_events(session, absorbed.id, survivor.id)
    if not survivor.display_name:
        survivor.display_name = absorbed.display_name
    if survivor.phone is None:
        survivor.phone = absorbed.phone
    await session.flush()
    # The collections still list what moved or was deleted in this flush.
    await session.refresh(absorbed, ["identities", "roles"])
    await session.refresh(survivor, ["identities", "roles"])
    await session.delete(absorbed)
    await session.flush()
    log.info(
        "merged member %s into member %s: accounts=%s roles_moved=%s cases_recounted=%s",
        absorbed.id,
        survivor.id,
        ",".join(identities),
        roles,
        recounted,
    )


def member_references() -> list[Column]:
    """Return the columns that refer to member.id and take the survivor's id as they are.

    Found in the models, so a table added later is merged without a change
    here. None of them is part of a unique constraint, which a test checks,
    because two rows would then collide.
    """
    member_id = Member.__table__.c.id
    return [
        column
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column not in _MERGED_BY_HAND and any(fk.column is member_id for fk in column.foreign_keys)
    ]


async def _lock_accounts(session: AsyncSession, platforms: Collection[str], user_id: str) -> None:
    """Lock the members that have these accounts until the transaction ends.

    An UPDATE locks the rows on PostgreSQL and takes the write lock on
    SQLite, where SELECT ... FOR UPDATE locks nothing. A SQLite transaction
    that has not written yet has no read snapshot here, so the UPDATE waits
    for another writer's commit and then reads the committed rows.
    """
    accounts = select(Identity.member_id).where(Identity.platform.in_(platforms), Identity.platform_user_id == user_id)
    await session.execute(
        update(Member)
        .where(Member.id.in_(accounts.scalar_subquery()))
        .values(id=Member.id)
        .execution_options(synchronize_session=False)
    )


async def _load(session: AsyncSession, member_id: int) -> Member:
    return (
        await session.scalars(select(Member).where(Member.id == member_id).execution_options(populate_existing=True))
    ).one()


async def _merge_roles(session: AsyncSession, survivor: Member, absorbed: Member) -> int:
    """Move the roles the survivor lacks and drop the ones it has; return how many moved."""
    survivor_roles = {(r.role, r.compound_id, r.community_id, r.street_id): r for r in survivor.roles}
    moved = 0
    for role in list(absorbed.roles):
        same = survivor_roles.get((role.role, role.compound_id, role.community_id, role.street_id))
        if same is None:
            role.member = survivor
            moved += 1
            continue
        if same.party_id is None:
            same.party_id = role.party_id
        await session.delete(role)
    return moved


async def _merge_reports(session: AsyncSession, survivor: Member, absorbed: Member) -> int:
    """Move the absorbed member's case reports; return how many cases both had reported.

    Such a case keeps one report, with the earlier join time and message,
    and counts one reporter fewer.
    """
    reports = list(
        await session.scalars(
            select(CaseReporter)
            .where(CaseReporter.member_id.in_((survivor.id, absorbed.id)))
            .order_by(CaseReporter.id)
            .execution_options(populate_existing=True)
        )
    )
    survivor_reports = {r.case_id: r for r in reports if r.member_id == survivor.id}
    doubled = 0
    for report in reports:
        if report.member_id != absorbed.id:
            continue
        same = survivor_reports.get(report.case_id)
        if same is None:
            report.member_id = survivor.id
            continue
        if report.joined_at < same.joined_at:
            same.joined_at = report.joined_at
            same.raw_message_id = report.raw_message_id
        await session.delete(report)
        await _count_once(session, report.case_id, survivor)
        doubled += 1
    return doubled


async def _count_once(session: AsyncSession, case_id: int, survivor: Member) -> None:
    await session.flush()
    # Locked, so a co-reporter joining at the same moment cannot lose this count.
    await session.execute(select(Case.id).where(Case.id == case_id).with_for_update())
    case = await session.get(Case, case_id, populate_existing=True)
    if case is None:
        return
    case.reporter_count = max(1, case.reporter_count - 1)
    record_event(
        session,
        case,
        "reporters_merged",
        note=f"同一人的两个企业微信账号已合并，反映人数更正为{case.reporter_count}人",
        at=utcnow(),
        data={"count": case.reporter_count, "member_id": survivor.id},
    )


async def _repoint(session: AsyncSession, column: Column, old_id: int, new_id: int) -> None:
    """Point every row of `column` from one member to the other, in the database and in the session."""
    table = column.table
    values: dict[str, object] = {column.name: new_id}
    # A column set on every update (Case.updated_at) keeps its value: the
    # scheduler reads it as "the case changed", and a merge changes no case.
    values.update({c.name: c for c in table.columns if c.onupdate is not None and c is not column})
    await session.execute(update(table).where(column == old_id).values(values))
    for instance in list(session.identity_map.values()):
        mapper = object_mapper(instance)
        if mapper.local_table is not table:
            continue
        key = mapper.get_property_by_column(column).key
        if inspect(instance).dict.get(key) == old_id:
            set_committed_value(instance, key, new_id)


async def _repoint_split_events(session: AsyncSession, old_id: int, new_id: int) -> None:
    # A split names the reporter it moved in its data, not in a column.
    for event in await session.scalars(select(CaseEvent).where(CaseEvent.kind == "split")):
        if (event.data or {}).get("member_id") == old_id:
            event.data = {**event.data, "member_id": new_id}
