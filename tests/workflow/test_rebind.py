"""Moving a bound group to another compound: only the current compound's officers may."""

from __future__ import annotations

from sqlalchemy import select

from handlers.directory import create_compound
from models import ChatGroup, RoleKind
from tests.workflow.desk import Desk, open_desk


async def _second_compound(desk: Desk) -> str:
    """Create a compound nobody runs yet and return its code."""
    async with desk.services.sessionmaker() as session, session.begin():
        other = await create_compound(session, "翠竹园")
        return other.code


async def _group_compound_id(desk: Desk, chat_id: str = "group-1") -> int | None:
    async with desk.services.sessionmaker() as session:
        return await session.scalar(select(ChatGroup.compound_id).where(ChatGroup.chat_id == chat_id))


async def test_resident_cannot_rebind_group(db_url):
    async with open_desk(db_url) as desk:
        code = await _second_compound(desk)

        refused = await desk.say(f"绑定 {code}", sender="r1")

        assert len(refused) == 1
        assert "本群已绑定“阳光花园”" in refused[0]
        assert "只有该小区的小区专员" in refused[0]
        assert await _group_compound_id(desk) == desk.compound.id


async def test_party_staff_cannot_rebind_group(db_url):
    async with open_desk(db_url) as desk:
        code = await _second_compound(desk)

        refused = await desk.say(f"绑定 {code}", sender="wang")

        assert "可以改绑" in refused[0]
        assert await _group_compound_id(desk) == desk.compound.id


async def test_officer_rebind_tells_other_officers(db_url):
    async with open_desk(db_url) as desk:
        await desk.grant("secretary", RoleKind.BRANCH_SECRETARY, name="书记老周")
        code = await _second_compound(desk)

        replies = await desk.say(f"绑定 {code}", sender="officer", name="专员小李")

        assert replies[0].startswith("本群已绑定到“翠竹园”")
        assert await _group_compound_id(desk) != desk.compound.id
        notices = desk.last_to_user("secretary")
        assert len(notices) == 1
        assert "原绑定“阳光花园”" in notices[0]
        assert f"改绑到“翠竹园”（{code}）" in notices[0]
        assert "专员小李" in notices[0]
        assert desk.last_to_user("officer") == []


async def test_rebind_to_same_compound_needs_no_notice(db_url):
    async with open_desk(db_url) as desk:
        await desk.grant("secretary", RoleKind.BRANCH_SECRETARY, name="书记老周")

        replies = await desk.say(f"绑定 {desk.compound.code}", sender="officer")

        assert replies == [f"本群已绑定到“阳光花园”（{desk.compound.code}），居民在群里反映的问题将自动登记为工单。"]
        assert desk.last_to_user("secretary") == []
