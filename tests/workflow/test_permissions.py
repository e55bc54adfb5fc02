"""Who may do what: residents, party staff, the liaison officer, community and street staff."""

from __future__ import annotations

import logging

from sqlalchemy import select

from handlers.directory import member_for
from handlers.permissions import access_for, grant_role
from models import Community, Compound, RoleKind, Street
from tests.workflow.desk import open_desk

LEAK = "3栋2单元1002室厨房天花板漏水了"


async def test_resident_refused_officer_command(db_url, caplog):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        caplog.set_level(logging.INFO, logger="handlers.permissions")

        replies = await desk.say("受理 0001", sender="r2")

        assert replies == [
            "抱歉，只有承办方工作人员或小区专员可以受理工单。居民可发送“查询 0001”了解进度。"
        ]
        assert [e.kind for e in await desk.events(1)] == ["opened"]
        refusals = [r for r in caplog.records if "permission denied" in r.getMessage()]
        assert len(refusals) == 1
        assert "command=acknowledge" in refusals[0].getMessage()


async def test_resident_refused_merge_and_escalate(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("5号楼电梯又坏了", sender="r2")

        merge = await desk.say("合并 0002 0001", sender="r1")
        escalate = await desk.say("升级 0001 太慢了", sender="r1")

        assert "只有小区专员、党组织书记或社区、街道工作人员可以合并工单" in merge[0]
        assert "可以升级工单" in escalate[0]
        assert (await desk.case(2)).status == "new"
        assert (await desk.case(1)).escalation_level == 0


async def test_other_party_refused(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("受理 0001", sender="chen")

        assert "由“阳光花园物业服务中心”承办" in replies[0]
        assert (await desk.case(1)).status == "new"


async def test_party_staff_act_on_their_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        await desk.say("受理 0001", sender="wang")

        assert (await desk.case(1)).status == "acknowledged"


async def test_party_staff_cannot_assign(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("转派 0001 业委会", sender="wang")

        assert "可以转派工单" in replies[0]
        assert (await desk.case(1)).route == "property"


async def test_community_and_street_staff_reach_compounds_below(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        async with desk.services.sessionmaker() as session, session.begin():
            street = Street(name="朝阳街道")
            community = Community(name="向阳社区", street=street)
            session.add(community)
            await session.flush()
            compound = await session.get_one(Compound, desk.compound.id)
            compound.community_id = community.id
            social_worker = await member_for(session, "test", "community", "社区小张")
            await grant_role(session, social_worker, RoleKind.COMMUNITY_STAFF, community=community)
            street_officer = await member_for(session, "test", "street", "街道老刘")
            await grant_role(session, street_officer, RoleKind.STREET_STAFF, street=street)
            other_street = Street(name="别的街道")
            session.add(other_street)
            await session.flush()
            outsider = await member_for(session, "test", "outsider", "外街道")
            await grant_role(session, outsider, RoleKind.STREET_STAFF, street=other_street)

        await desk.say("升级 0001 物业三天未响应", sender="community")
        await desk.say("升级 0001 社区协调无果", sender="street")
        refused = await desk.say("升级 0001 试试", sender="outsider")

        assert (await desk.case(1)).escalation_level == 2
        assert "可以升级工单" in refused[0]


async def test_access_levels_from_roles(db_url):
    async with open_desk(db_url) as desk:
        async with desk.services.sessionmaker() as session:
            compound = await session.get_one(Compound, desk.compound.id)
            levels = {}
            for user in ("officer", "wang", "chen", "nobody"):
                member = await member_for(session, "test", user)
                levels[user] = (await access_for(session, member, compound)).level.name

        assert levels == {
            "officer": "OFFICER",
            "wang": "PARTY",
            "chen": "PARTY",
            "nobody": "RESIDENT",
        }


async def test_help_lists_commands_for_role(db_url):
    async with open_desk(db_url) as desk:
        resident = "\n".join(await desk.say("帮助", sender="r1"))
        property_staff = "\n".join(await desk.say("/help", sender="wang"))
        officer = "\n".join(await desk.say("帮助", sender="officer"))

        assert "· 评价：" in resident
        assert "· 受理：" not in resident
        assert "· 受理：" in property_staff
        assert "· 转派：" not in property_staff
        for line in (
            "· 转派：",
            "· 分类：",
            "· 合并：",
            "· 绑定：",
            "例：统计 本月",
        ):
            assert line in officer
        assert "（/" not in officer
        assert "Telegram" not in officer
        assert "斜杠指令" not in officer
        assert "· 非本方职责：不属于本方职责时，转交其他承办方或小区外的部门。" in property_staff


async def test_bind_needs_officer_once_compound_has_one(db_url):
    async with open_desk(db_url) as desk:
        refused = await desk.say(f"绑定 {desk.compound.code}", sender="r1", chat_id="building-3")
        bound = await desk.say(f"绑定 {desk.compound.code}", sender="officer", chat_id="building-3")

        assert "只有“阳光花园”（XQ0001）的小区专员" in refused[0]
        assert "本群已绑定到“阳光花园”" in bound[0]


async def test_granted_roles_are_stored(db_url):
    async with open_desk(db_url) as desk:
        async with desk.services.sessionmaker() as session:
            member = await member_for(session, "test", "officer")
            from models import Role

            roles = list(
                await session.scalars(select(Role.role).where(Role.member_id == member.id))
            )
        assert roles == ["liaison_officer"]


async def test_staff_group_opens_no_cases(db_url):
    async with open_desk(db_url) as desk:
        bound = await desk.say(
            f"绑定 {desk.compound.code} 工作群", sender="officer", chat_id="new-staff"
        )
        chatter = await desk.say(
            "3栋2单元1002室厨房天花板漏水了，已经派人去看", sender="wang", chat_id="new-staff"
        )

        assert "工作群绑定" in bound[0]
        assert chatter == []
        assert desk.results[-1].outcome == "ignored"
        assert await desk.case(1) is None
