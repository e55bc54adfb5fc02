"""非本方职责 for a case that leaves the compound: the office or officer who takes it on gets a notice."""

from __future__ import annotations

from handlers.directory import member_for
from handlers.permissions import grant_role
from models import CaseOutcome, CaseStatus, Community, Compound, RoleKind, Street
from tests.workflow.desk import open_desk

LEAK = "3栋2单元1002室厨房天花板漏水了"
PROPERTY = "阳光花园物业服务中心"


async def place_in_street(desk, *, staffed: bool) -> None:
    """Put the desk's compound under a community and a street, with one staff member each when `staffed`."""
    async with desk.services.sessionmaker() as session, session.begin():
        street = Street(name="朝阳街道")
        community = Community(name="向阳社区", street=street)
        session.add(community)
        await session.flush()
        compound = await session.get_one(Compound, desk.compound.id)
        compound.community_id = community.id
        if staffed:
            social_worker = await member_for(session, "test", "shequ1", "社区小张")
            await grant_role(session, social_worker, RoleKind.COMMUNITY_STAFF, community=community)
            street_officer = await member_for(session, "test", "jiedao1", "街道老刘")
            await grant_role(session, street_officer, RoleKind.STREET_STAFF, street=street)


async def test_handed_to_street_notifies_street(db_url):
    async with open_desk(db_url) as desk:
        await place_in_street(desk, staffed=True)
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("非本方职责 0001 转街道 不归物业管", sender="wang", chat_id="wang", private=True)

        case = await desk.case(1)
        assert case.status == CaseStatus.CLOSED
        assert case.outcome == CaseOutcome.NOT_OUR_DUTY
        assert replies[0] == "工单 0001 已标记为非本方职责，已通知街道三方办。去向已告知反映人。"
        street = desk.last_to_user("jiedao1")
        assert len(street) == 1
        assert street[0].startswith("【非本方职责·转交街道三方办】")
        assert f"{PROPERTY}：不归物业管。请街道三方办接手协调。" in street[0]
        assert desk.last_to_user("shequ1") == []
        reporter = desk.last_to_user("r1")
        assert len(reporter) == 1
        assert "不属于小区内部职责，已转交街道三方办。" in reporter[0]
        assert "说明：不归物业管" in reporter[0]
        assert "承办：街道三方办" in reporter[0]
        assert PROPERTY not in reporter[0]
        assert "相关部门" not in reporter[0]
        assert any("已转交街道三方办" in text for text in desk.last_to_group("group-1"))


async def test_handed_to_unstaffed_street_goes_to_officer(db_url):
    async with open_desk(db_url) as desk:
        await place_in_street(desk, staffed=False)
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("非本方职责 0001 转街道 不归物业管", sender="wang", chat_id="wang", private=True)

        assert replies[0] == "工单 0001 已标记为非本方职责，已通知小区专员转交街道三方办。去向已告知反映人。"
        officer = desk.last_to_user("officer")
        assert len(officer) == 1
        assert officer[0].startswith("【非本方职责·转交小区专员】")
        assert "请小区专员转交街道三方办跟进" in officer[0]
        reporter = desk.last_to_user("r1")
        assert "由小区专员负责转交街道三方办。" in reporter[0]
        assert "承办：小区专员" in reporter[0]
        assert PROPERTY not in reporter[0]


async def test_handed_to_department_goes_to_officer(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        await desk.say("非本方职责 0001 转交供电公司 线路属于供电局", sender="wang", chat_id="wang", private=True)

        officer = desk.last_to_user("officer")
        assert len(officer) == 1
        assert "请小区专员转交供电公司跟进" in officer[0]
        assert "说明：阳光花园物业服务中心：线路属于供电局" in officer[0]
        reporter = desk.last_to_user("r1")
        assert "由小区专员负责转交供电公司。" in reporter[0]
        assert "承办：小区专员" in reporter[0]


async def test_hand_on_without_reason_rejected(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("非本方职责 0001 转党组织", sender="wang", chat_id="wang", private=True)

        assert replies == ["请写明转交原因，格式：非本方职责 0001 转党组织 原因"]
        case = await desk.case(1)
        assert case.status == CaseStatus.NEW
        assert [e.kind for e in await desk.events(1)] == ["opened"]
