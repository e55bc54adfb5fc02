"""报事: staff report a problem of their own home from a private chat, where plain lines are not reports."""

from __future__ import annotations

from sqlalchemy import select

from handlers.directory import create_compound, member_for
from handlers.onboarding_texts import question
from handlers.permissions import grant_role
from models import Case, Compound, Dwelling, Occupant, RoleKind
from tests.helpers import later
from tests.workflow.desk import STAFF_GROUP, open_desk

LEAK = "报事 3栋2单元1002 厨房漏水了"


async def _second_compound(desk, *, role_for: str | None = None) -> Compound:
    """Create 翠竹园 next to the desk's compound, and give `role_for` a liaison role there."""
    async with desk.services.sessionmaker() as session, session.begin():
        compound = await create_compound(session, "翠竹园", "XQ0099")
        if role_for is not None:
            member = await member_for(session, "test", role_for, role_for)
            await grant_role(session, member, RoleKind.LIAISON_OFFICER, compound=compound)
    return compound


async def _cases(desk) -> list[Case]:
    async with desk.services.sessionmaker() as session:
        return list(await session.scalars(select(Case).order_by(Case.id)))


async def test_officer_report_in_private_opens_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="officer", chat_id="officer-private", private=True)

        [reply] = desk.last_to_group("officer-private")
        assert reply.startswith(f"小区：阳光花园（{desk.compound.code}）\n已登记：工单 0001")
        assert desk.results[-1].outcome == "opened"
        [case] = await _cases(desk)
        assert case.compound_id == desk.compound.id
        assert case.summary == "3栋2单元1002 厨房漏水了"
        assert case.building == "3"
        assert case.party is not None


async def test_party_report_joins_open_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋电梯坏了，上不去", sender="r1")

        await desk.say("报事 3栋电梯坏了", sender="wang", chat_id="wang-private", private=True, at=later(5))

        [reply] = desk.last_to_group("wang-private")

        assert "工单 0001" in reply
        [case] = await _cases(desk)
        assert case.reporter_count == 2


async def test_report_names_compound_by_code(db_url):
    async with open_desk(db_url) as desk:
        other = await _second_compound(desk)

        [reply] = await desk.say(
            "报事 XQ0099 5栋楼道灯坏了好几天了", sender="wang", chat_id="wang-private", private=True
        )

        assert reply.startswith("小区：翠竹园（XQ0099）")
        [case] = await _cases(desk)
        assert case.compound_id == other.id
        assert case.summary == "5栋楼道灯坏了好几天了"


async def test_report_with_unknown_code_rejected(db_url):
    # wang works in one compound only, which would otherwise take the report.
    async with open_desk(db_url) as desk:
        replies = await desk.say(
            "报事 XQ0098 5栋楼道灯坏了好几天了", sender="wang", chat_id="wang-private", private=True
        )

        assert len(replies) == 1
        assert "没有编码为“XQ0098”的小区" in replies[0]
        assert await _cases(desk) == []


async def test_report_starting_with_garage_level_files(db_url):
    # B1 names a garage level, not a compound code.
    async with open_desk(db_url) as desk:
        await desk.say("报事 B1 车库顶上漏水", sender="wang", chat_id="wang-private", private=True)

        [case] = await _cases(desk)
        assert case.compound_id == desk.compound.id


async def test_report_goes_to_registered_home(db_url):
    async with open_desk(db_url) as desk:
        other = await _second_compound(desk)
        async with desk.services.sessionmaker() as session, session.begin():
            member = await member_for(session, "test", "wang", "物业老王")
            dwelling = Dwelling(compound_id=other.id, building="5", unit="1", room="501")
            session.add(dwelling)
            await session.flush()
            session.add(
                Occupant(dwelling_id=dwelling.id, name="王", relation="业主", member_id=member.id, link_confirmed=True)
            )

        [reply] = await desk.say("报事 楼道灯坏了好几天了", sender="wang", chat_id="wang-private", private=True)

        assert reply.startswith("小区：翠竹园（XQ0099）")
        [case] = await _cases(desk)
        assert case.compound_id == other.id


async def test_report_asks_code_with_two_compounds(db_url):
    async with open_desk(db_url) as desk:
        await _second_compound(desk, role_for="officer")

        replies = await desk.say(LEAK, sender="officer", chat_id="officer-private", private=True)

        assert replies == [f"请在“报事”后写上您家所在小区的编码，例如：报事 {desk.compound.code} 3栋2单元1002 厨房漏水"]
        assert await _cases(desk) == []


async def test_report_without_text_explains(db_url):
    async with open_desk(db_url) as desk:
        replies = await desk.say("报事", sender="officer", chat_id="officer-private", private=True)

        assert replies == ["请在“报事”后写上地点和问题，例如：报事 3栋2单元1002 厨房漏水"]
        assert await _cases(desk) == []


async def test_report_without_problem_explains(db_url):
    async with open_desk(db_url) as desk:
        replies = await desk.say("报事 今天天气不错", sender="officer", chat_id="officer-private", private=True)

        assert len(replies) == 1
        assert replies[0].startswith("没有从这句话里看出需要处理的问题。")
        assert await _cases(desk) == []


async def test_staff_plain_line_gets_hint(db_url):
    async with open_desk(db_url) as desk:
        replies = await desk.say("3栋2单元1002 厨房漏水了", sender="officer", chat_id="officer-private", private=True)

        assert len(replies) == 1
        assert "“报事 地点和问题”" in replies[0]
        assert await _cases(desk) == []


async def test_staff_help_lists_report(db_url):
    async with open_desk(db_url) as desk:
        [help_text] = await desk.say("帮助", sender="wang", chat_id="wang-private", private=True)

        assert "· 报事：以居民身份反映自家或小区的问题。例：报事 3栋2单元1002 厨房漏水" in help_text


async def test_resident_report_in_group_opens_case(db_url):
    async with open_desk(db_url) as desk:
        replies = await desk.say("报事 5栋楼道灯坏了好几天了", sender="r1")

        assert replies[0].startswith("已登记：工单 0001")
        [case] = await _cases(desk)
        assert case.summary == "5栋楼道灯坏了好几天了"


async def test_report_in_work_group_opens_case(db_url):
    async with open_desk(db_url) as desk:
        replies = await desk.say("报事 5栋楼道灯坏了好几天了", sender="wang", chat_id=STAFF_GROUP)

        assert replies[0].startswith("已登记：工单 0001")
        [case] = await _cases(desk)
        assert case.compound_id == desk.compound.id


async def test_new_resident_report_asks_home(db_url):
    async with open_desk(db_url) as desk:
        replies = await desk.say("报事 5栋楼道灯坏了好几天了", sender="r9", chat_id="r9-private", private=True)

        assert desk.results[-1].outcome == "unbound"
        assert question("test", reported=True) in replies[0]
        assert await _cases(desk) == []
