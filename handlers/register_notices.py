"""Private notices about the household register, sent only to its keepers.

The keepers are the compound's liaison officers and branch secretaries, the
only roles that see tags. Notices go to their own accounts rather than to the
party branch, whose other members must not read tags.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.ladder import role_targets
from handlers.masking import mask_name
from handlers.messages import Reply, UserTarget
from handlers.register_address import DwellingAddress
from handlers.register_store import care_tags_of, dwelling_at
from models import CareNotice, Case, Compound, Dwelling, RoleKind
from nlp.findings import Location

KEEPER_ROLES = (RoleKind.LIAISON_OFFICER, RoleKind.BRANCH_SECRETARY)
# A group robot may hold a keeper role to pass on case notices and digests,
# but it posts into a whole staff group, so register notices never go to it.
GROUP_ROBOT_PLATFORM = "wecom_webhook"


async def keeper_targets(session: AsyncSession, compound_id: int) -> list[UserTarget]:
    """Return the personal accounts of a compound's liaison officers and branch secretaries."""
    found = await role_targets(session, list(KEEPER_ROLES), compound_id=compound_id)
    return [
        UserTarget(target["platform"], target["user_id"])
        for target in found
        if target["platform"] != GROUP_ROBOT_PLATFORM
    ]


async def care_notices(
    session: AsyncSession, case: Case, now: datetime, location: Location | None = None
) -> list[Reply]:
    """Tell the keepers that a dwelling of a case has people with care tags, once per case and dwelling.

    The dwelling is the one at `location`, a report's own place in the case,
    or the case's place when no location is given. A report that joins an
    open case counts as much as one that opens a case, so a neighbour's flat
    named in a merged report is not missed.
    """
    where = location or Location(case.building, case.unit, case.room, case.place)
    dwelling = await dwelling_at(session, case.compound_id, where)
    if dwelling is None:
        return []
    tags = care_tags_of(dwelling)
    if not tags:
        return []
    targets = await keeper_targets(session, case.compound_id)
    # With no keeper to tell, nothing is recorded, so a keeper named later
    # still hears about the dwelling at the case's next report.
    if not targets or not await _record_notice(session, case, dwelling, now):
        return []
    address = DwellingAddress(dwelling.building, dwelling.unit, dwelling.room)
    text = (
        f"【关怀提示】{case.compound.name} 工单 {case.number}（{address.label}）："
        f"该户登记有{'、'.join(tags)}，上门处理时请留意，必要时提醒承办方。"
    )
    return [Reply(target, text, case.id, "officer") for target in targets]


async def _record_notice(session: AsyncSession, case: Case, dwelling: Dwelling, now: datetime) -> bool:
    """Record a care notice for a case and dwelling; return False when one was recorded before."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = await session.execute(
        insert(CareNotice)
        .values(case_id=case.id, dwelling_id=dwelling.id, sent_at=now)
        .on_conflict_do_nothing(index_elements=["case_id", "dwelling_id"])
        .returning(CareNotice.id)
    )
    return result.first() is not None


async def erased_notices(session: AsyncSession, compound: Compound, label: str, name: str) -> list[Reply]:
    """Tell the keepers that a resident erased their own register entry with 删除我的信息."""
    text = (
        f"【住户档案】{compound.name} {label} 的住户{mask_name(name)}已按本人要求删除了登记信息。"
        "如需重新登记，请征得本人同意。"
    )
    return [Reply(target, text, audience="officer") for target in await keeper_targets(session, compound.id)]
