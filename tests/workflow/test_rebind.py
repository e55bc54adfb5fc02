"""Moving a bound group to another compound.

Only the current compound's officers may, unless that compound has no
officer and no community or street staff. Then the officers of the compound
the group moves to may take it.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.directory import bind_chat, chat_for, create_compound, member_for
from handlers.permissions import grant_role
from models import ChatGroup, Community, Compound, RoleKind
from tests.helpers import T0
from tests.workflow.desk import Desk, open_desk

OTHER_GROUP = "group-2"


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


async def _group_on_other_compound(desk: Desk, name: str = "阳光花园工作") -> int:
    """Bind OTHER_GROUP to a new compound without staff, as a replay that misread its title did; return its id."""
    async with desk.services.sessionmaker() as session, session.begin():
        other = await create_compound(session, name)
        chat = await chat_for(session, "test", OTHER_GROUP, title="阳光花园工作群")
        await bind_chat(session, chat, other, T0)
        return other.id


async def _grant_in(desk: Desk, compound_id: int, user_id: str, role: RoleKind) -> None:
    async with desk.services.sessionmaker() as session, session.begin():
        compound = await session.get_one(Compound, compound_id)
        member = await member_for(session, "test", user_id, user_id)
        await grant_role(session, member, role, compound=compound)


async def test_officer_takes_group_from_unstaffed_compound(db_url):
    async with open_desk(db_url) as desk:
        await _group_on_other_compound(desk)

        replies = await desk.say(f"绑定 {desk.compound.code} 工作群", sender="officer", chat_id=OTHER_GROUP)

        assert replies[0].startswith("本群已作为“阳光花园”")
        assert await _group_compound_id(desk, OTHER_GROUP) == desk.compound.id


async def test_resident_cannot_take_group_from_unstaffed_compound(db_url):
    async with open_desk(db_url) as desk:
        other_id = await _group_on_other_compound(desk)

        refused = await desk.say(f"绑定 {desk.compound.code}", sender="r1", chat_id=OTHER_GROUP)

        assert len(refused) == 1
        assert "本群已绑定“阳光花园工作”" in refused[0]
        assert "该小区还没有小区专员" in refused[0]
        assert "只有“阳光花园”的小区专员" in refused[0]
        assert await _group_compound_id(desk, OTHER_GROUP) == other_id


async def test_party_staff_cannot_take_group_from_unstaffed_compound(db_url):
    async with open_desk(db_url) as desk:
        other_id = await _group_on_other_compound(desk)

        refused = await desk.say(f"绑定 {desk.compound.code}", sender="wang", chat_id=OTHER_GROUP)

        assert "该小区还没有小区专员" in refused[0]
        assert await _group_compound_id(desk, OTHER_GROUP) == other_id


async def test_officer_cannot_take_staffed_group(db_url):
    async with open_desk(db_url) as desk:
        other_id = await _group_on_other_compound(desk, "翠竹园")
        await _grant_in(desk, other_id, "zhu", RoleKind.LIAISON_OFFICER)

        refused = await desk.say(f"绑定 {desk.compound.code}", sender="officer", chat_id=OTHER_GROUP)

        assert "本群已绑定“翠竹园”" in refused[0]
        assert "只有该小区的小区专员" in refused[0]
        assert await _group_compound_id(desk, OTHER_GROUP) == other_id


async def test_officer_cannot_move_group_to_staffed_compound(db_url):
    async with open_desk(db_url) as desk:
        code = await _second_compound(desk)
        other_id = await _compound_id(desk, code)
        await _grant_in(desk, other_id, "zhu", RoleKind.LIAISON_OFFICER)

        refused = await desk.say(f"绑定 {code}", sender="officer")

        assert refused == [
            f"抱歉，只有“翠竹园”（{code}）的小区专员、党组织书记或社区、街道工作人员可以把群聊绑定到该小区。"
        ]
        assert await _group_compound_id(desk) == desk.compound.id


async def _compound_id(desk: Desk, code: str) -> int:
    async with desk.services.sessionmaker() as session:
        return await session.scalar(select(Compound.id).where(Compound.code == code))


async def test_community_staff_keep_group_staffed(db_url):
    async with open_desk(db_url) as desk:
        other_id = await _group_on_other_compound(desk, "翠竹园")
        async with desk.services.sessionmaker() as session, session.begin():
            community = Community(name="东湖社区")
            session.add(community)
            await session.flush()
            other = await session.get_one(Compound, other_id)
            other.community_id = community.id
            member = await member_for(session, "test", "dong", "社区小董")
            await grant_role(session, member, RoleKind.COMMUNITY_STAFF, community=community)

        refused = await desk.say(f"绑定 {desk.compound.code}", sender="officer", chat_id=OTHER_GROUP)

        assert "只有该小区的小区专员" in refused[0]
        assert await _group_compound_id(desk, OTHER_GROUP) == other_id


async def test_cases_found_after_rebinding(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3号楼电梯坏了，有人被困在里面", sender="r1")
        code = await _second_compound(desk)
        await desk.say(f"绑定 {code}", sender="officer", name="专员小李", at=T0 + timedelta(minutes=1))

        in_group = (await desk.say("我的工单", sender="r1", at=T0 + timedelta(minutes=2)))[0]
        query = (await desk.say("查询 0001", sender="r1", at=T0 + timedelta(minutes=3)))[0]
        await desk.say("5栋楼道灯不亮好几天了", sender="r1", at=T0 + timedelta(minutes=4))
        both = (await desk.say("我的工单", sender="r1", chat_id="r1", private=True, at=T0 + timedelta(minutes=5)))[0]

        assert "· 阳光花园 0001" in in_group
        assert query.startswith("阳光花园的工单：")
        assert "电梯" in query
        assert "· 阳光花园 0001" in both
        assert "· 翠竹园 0001" in both
