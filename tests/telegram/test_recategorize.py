"""改类 and 误报 over Telegram: the notices reach the parties' staff through the Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from handlers.directory import member_for
from handlers.permissions import grant_role
from models import Case, CaseStatus, Compound, PartyKind, RoleKind
from tests.telegram.conftest import TelegramHarness, start_harness, stop_harness
from tests.telegram.updates import OFFICER, RESIDENT, SUPERGROUP, group_message, update

PROPERTY_STAFF = 5550011
COMMITTEE_DIRECTOR = 5550012


@pytest.fixture
async def telegram(db_url: str) -> AsyncIterator[TelegramHarness]:
    """The Telegram harness with cases opened without triage, whatever the model's confidence."""
    harness = await start_harness(db_url, triage_threshold=0.0)
    try:
        yield harness
    finally:
        await stop_harness(harness)


async def staffed_compound(telegram: TelegramHarness) -> Compound:
    """Bind the group and give the officer, a property staff member and a committee director Telegram accounts."""
    compound = await telegram.bind(SUPERGROUP)
    async with telegram.services.sessionmaker() as session, session.begin():
        loaded = await session.get_one(Compound, compound.id)
        for user_id, role, party in (
            (OFFICER, RoleKind.LIAISON_OFFICER, None),
            (PROPERTY_STAFF, RoleKind.PROPERTY_STAFF, PartyKind.PROPERTY),
            (COMMITTEE_DIRECTOR, RoleKind.COMMITTEE_DIRECTOR, PartyKind.COMMITTEE),
        ):
            member = await member_for(session, "telegram", str(user_id), f"职员{user_id}")
            await grant_role(session, member, role, compound=loaded, party=loaded.party(party) if party else None)
    return compound


async def open_repair_case(telegram: TelegramHarness, compound: Compound) -> None:
    """Let a resident report a problem, then make it a repair of the property firm, whatever the model chose."""
    await telegram.deliver(update(group_message("7栋地下车库的排水沟堵了，积水很深")))
    async with telegram.services.sessionmaker() as session, session.begin():
        loaded = await session.get_one(Compound, compound.id)
        case = await session.scalar(select(Case).where(Case.compound_id == compound.id, Case.seq == 1))
        case.category = "repair"
        case.route = PartyKind.PROPERTY.value
        case.party_id = loaded.party(PartyKind.PROPERTY).id
        case.status = CaseStatus.NEW


async def test_recategorize_reaches_both_parties(telegram):
    compound = await staffed_compound(telegram)
    await open_repair_case(telegram, compound)

    response = await telegram.deliver(update(group_message("/recategorize 0001 物业收费", sender=OFFICER)))

    assert response.status == 200
    (case,) = await telegram.cases()
    assert case.category == "fees"
    assert case.route == "committee"
    assert any("【新工单】" in text for text in telegram.api.sent_to(COMMITTEE_DIRECTOR))
    assert any("【工单转出】" in text for text in telegram.api.sent_to(PROPERTY_STAFF))
    assert any("类别已由“设施报修”更正为“物业收费”" in text for text in telegram.api.sent_to(RESIDENT))
    assert any("类别由“设施报修”更正为“物业收费”" in text for text in telegram.api.sent_to(SUPERGROUP))


async def test_false_alarm_reaches_party(telegram):
    compound = await staffed_compound(telegram)
    await open_repair_case(telegram, compound)

    await telegram.deliver(update(group_message("误报 0001 只是闲聊", sender=OFFICER)))

    (case,) = await telegram.cases()
    assert case.outcome == "not_a_case"
    assert any("【工单撤销】" in text for text in telegram.api.sent_to(PROPERTY_STAFF))
    assert telegram.api.sent_to(COMMITTEE_DIRECTOR) == []
    assert any("打扰大家了" in text for text in telegram.api.sent_to(SUPERGROUP))
