"""A staff member's archive account shares the member of the same corp user id on the app or AI bot."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.directory import member_for
from models import ChatGroup, Identity, Member, MessageOutcome, RawMessage, Role, RoleKind
from tests.archive.conftest import ArchiveWorld
from tests.archive.fake_sdk import text
from tests.helpers import T0

STAFF = "zhangsan"
NEW_ROOM = "wrNewGroup"
# Shaped like the external_userids WeCom generates: a prefix and 30 more characters.
RESIDENT = "wmQ3kTBwAAx5Jf0cZ2mNf8LqW1sVyR0A"


def at(minutes: float) -> int:
    return int((T0 + timedelta(minutes=minutes)).timestamp() * 1000)


async def _outcomes(world: ArchiveWorld) -> dict[str, str]:
    async with world.services.sessionmaker() as session:
        rows = await session.scalars(select(RawMessage))
        return {r.platform_message_id: r.outcome for r in rows}


async def _member_of(world: ArchiveWorld, platform: str, user_id: str) -> int | None:
    async with world.services.sessionmaker() as session:
        return await session.scalar(
            select(Identity.member_id).where(Identity.platform == platform, Identity.platform_user_id == user_id)
        )


async def _bound_compound(world: ArchiveWorld, room: str) -> int | None:
    async with world.services.sessionmaker() as session:
        return await session.scalar(select(ChatGroup.compound_id).where(ChatGroup.chat_id == room))


async def test_aibot_officer_binds_group_from_archive(world: ArchiveWorld) -> None:
    async with world.services.sessionmaker() as session, session.begin():
        officer = await member_for(session, "wecom_aibot", STAFF, "张专员")
        session.add(Role(member_id=officer.id, role=RoleKind.LIAISON_OFFICER, compound_id=world.compound.id))
        app_lookalike = await member_for(session, "wecom", RESIDENT, "")
    world.archive.add(text("m1", STAFF, f"绑定 {world.compound.code}", room=NEW_ROOM, msgtime=at(0)))
    world.archive.add(text("m2", RESIDENT, "2单元楼顶漏水", room=NEW_ROOM, msgtime=at(1)))

    await world.poller().poll_once()

    assert await _bound_compound(world, NEW_ROOM) == world.compound.id
    outcomes = await _outcomes(world)
    assert outcomes["m1"] == MessageOutcome.COMMAND
    assert outcomes["m2"] == MessageOutcome.OPENED
    assert await _member_of(world, "wecom_archive", STAFF) == officer.id
    resident = await _member_of(world, "wecom_archive", RESIDENT)
    assert resident is not None
    assert resident != app_lookalike.id


async def test_split_archive_member_merged(world: ArchiveWorld) -> None:
    async with world.services.sessionmaker() as session, session.begin():
        archived = Member(display_name="")
        archived.identities.append(Identity(platform="wecom_archive", platform_user_id=STAFF))
        session.add(archived)
        await session.flush()
        # Written after the archive member, as versions that linked only new
        # archive accounts left it.
        officer = Member(display_name="张专员")
        officer.identities.append(Identity(platform="wecom", platform_user_id=STAFF))
        session.add(officer)
        await session.flush()
        session.add(Role(member_id=officer.id, role=RoleKind.LIAISON_OFFICER, compound_id=world.compound.id))
    world.archive.add(text("m1", STAFF, f"绑定 {world.compound.code}", room=NEW_ROOM, msgtime=at(0)))

    await world.poller().poll_once()

    assert await _bound_compound(world, NEW_ROOM) == world.compound.id
    assert await _member_of(world, "wecom_archive", STAFF) == archived.id
    assert await _member_of(world, "wecom", STAFF) == archived.id
    async with world.services.sessionmaker() as session:
        survivor = await session.get_one(Member, archived.id)
        assert survivor.display_name == "张专员"
        assert await session.get(Member, officer.id) is None
        roles = list(await session.scalars(select(Role.role).where(Role.member_id == archived.id)))
    assert roles == [RoleKind.LIAISON_OFFICER]
