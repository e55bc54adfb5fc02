"""Private notices about the household register, sent only to its keepers.

The keepers are the compound's liaison officers and branch secretaries, the
only roles that see tags. Notices go to their own accounts rather than to the
party branch, whose other members must not read tags.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.ladder import role_targets
from handlers.masking import mask_name
from handlers.messages import Reply, UserTarget
from handlers.register_store import care_tags_at
from handlers.replies import case_location
from models import Case, Compound, RoleKind

KEEPER_ROLES = (RoleKind.LIAISON_OFFICER, RoleKind.BRANCH_SECRETARY)


async def keeper_targets(session: AsyncSession, compound_id: int) -> list[UserTarget]:
    """Return the accounts of a compound's liaison officers and branch secretaries."""
    found = await role_targets(session, list(KEEPER_ROLES), compound_id=compound_id)
    return [UserTarget(target["platform"], target["user_id"]) for target in found]


async def care_notices(session: AsyncSession, case: Case) -> list[Reply]:
    """Tell the keepers that a new case's dwelling has people with care tags, if it has."""
    tags = await care_tags_at(session, case)
    if not tags:
        return []
    text = (
        f"【关怀提示】{case.compound.name} 工单 {case.number}（{case_location(case)}）："
        f"该户登记有{'、'.join(tags)}，上门处理时请留意，必要时提醒承办方。"
    )
    return [Reply(target, text, case.id, "officer") for target in await keeper_targets(session, case.compound_id)]


async def erased_notices(session: AsyncSession, compound: Compound, label: str, name: str) -> list[Reply]:
    """Tell the keepers that a resident erased their own register entry with 删除我的信息."""
    text = (
        f"【住户档案】{compound.name} {label} 的住户{mask_name(name)}已按本人要求删除了登记信息。"
        "如需重新登记，请征得本人同意。"
    )
    return [Reply(target, text, audience="officer") for target in await keeper_targets(session, compound.id)]
