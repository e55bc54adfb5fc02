"""A compound code inside a command names the compound, never a second case number or a period."""

from __future__ import annotations

from sqlalchemy import select

from handlers.directory import bind_chat, chat_for
from models import Case, CaseEvent, CaseStatus, ChatKind, Compound, Identity, Member, Role, RoleKind
from tests.helpers import T0, later, make_services, message, send
from tests.pipeline.test_area_staff import make_area, private, report_in_each_compound

WORK_GROUP = "work-XQ0001"


async def area_with_officer(db_url: str):  # noqa: ANN201 - the services
    """Build the street of test_area_staff, a case in each compound, and 阳光花园's officer in its work group."""
    services, _console = await make_services(db_url)
    await make_area(services)
    await report_in_each_compound(services)
    async with services.sessionmaker() as session, session.begin():
        compound = await session.scalar(select(Compound).where(Compound.code == "XQ0001"))
        officer = Member(display_name="李专员")
        officer.identities.append(Identity(platform="test", platform_user_id="li"))
        officer.roles.append(Role(role=RoleKind.LIAISON_OFFICER, compound_id=compound.id))
        session.add(officer)
        work = await chat_for(session, "test", WORK_GROUP, title="阳光花园工作群")
        work.kind = ChatKind.STAFF_GROUP
        await bind_chat(session, work, compound, T0)
    return services


def in_work_group(text: str, minutes: float):  # noqa: ANN201 - InboundMessage
    return message(text, sender="li", chat_id=WORK_GROUP, at=later(minutes))


async def first_case(services, code: str) -> Case:  # noqa: ANN001
    """Return case 0001 of the compound with this code."""
    async with services.sessionmaker() as session:
        return await session.scalar(
            select(Case).join(Compound, Case.compound_id == Compound.id).where(Compound.code == code, Case.seq == 1)
        )


async def test_own_code_before_case_number(db_url):
    services = await area_with_officer(db_url)

    result = await send(services, in_work_group("受理 XQ0001 0001", 10))

    assert result.replies[0].text.startswith("已受理工单 0001")
    assert (await first_case(services, "XQ0001")).status == CaseStatus.ACKNOWLEDGED
    await services.close()


async def test_own_code_after_case_number(db_url):
    services = await area_with_officer(db_url)

    result = await send(services, in_work_group("受理 0001 xq0001 马上安排师傅", 10))

    case = await first_case(services, "XQ0001")
    async with services.sessionmaker() as session:
        note = await session.scalar(
            select(CaseEvent.note).where(CaseEvent.case_id == case.id, CaseEvent.kind == "acknowledged")
        )
    assert result.replies[0].text.startswith("已受理工单 0001")
    assert case.status == CaseStatus.ACKNOWLEDGED
    assert note == "马上安排师傅"
    await services.close()


async def test_unknown_code_named(db_url):
    services = await area_with_officer(db_url)

    in_group = await send(services, in_work_group("受理 XQ0009 0001", 10))
    in_private = await send(services, private("查询 XQ0009 0001", "shequ1", 11))

    assert in_group.replies[0].text == "没有编码为“XQ0009”的小区，请核对小区编码。"
    assert in_private.replies[0].text == "没有编码为“XQ0009”的小区，请核对小区编码。"
    assert (await first_case(services, "XQ0001")).status == CaseStatus.NEW
    await services.close()


async def test_stats_take_code_and_period(db_url):
    services = await area_with_officer(db_url)

    own = await send(services, in_work_group("统计 XQ0001 本月", 10))
    other = await send(services, in_work_group("统计 XQ0002 本月", 11))

    assert own.replies[0].text.startswith("阳光花园 本月工单统计")
    assert other.replies[0].text == "翠竹园（XQ0002）不在您负责的范围内。您负责的是阳光花园（XQ0001）。"
    await services.close()


async def test_area_staff_outside_area(db_url):
    services = await area_with_officer(db_url)

    stats = await send(services, private("统计 XQ0003 本月", "shequ1", 10))
    query = await send(services, private("查询 XQ0003 0001", "shequ1", 11))
    unknown_stats = await send(services, private("统计 本月 XQ0009", "shequ1", 12))

    outside = "和平里（XQ0003）不在您负责的范围内。您负责的是阳光花园（XQ0001）、翠竹园（XQ0002）。"
    assert stats.replies[0].text == outside
    assert query.replies[0].text == outside
    assert unknown_stats.replies[0].text == "没有编码为“XQ0009”的小区，请核对小区编码。"
    await services.close()


async def test_code_request_names_command_used(db_url):
    services = await area_with_officer(db_url)

    query = await send(services, private("查询 0001", "shequ1", 10))
    listing = await send(services, private("时限 0001", "shequ1", 11))

    assert "请在指令后加上小区编码，例如“查询 XQ0001 0001”" in query.replies[0].text
    assert "请在指令后加上小区编码，例如“时限 XQ0001 0001”" in listing.replies[0].text
    await services.close()


async def test_resident_names_own_compound(db_url):
    services = await area_with_officer(db_url)

    result = await send(services, message("查询 XQ0001 0001", sender="a", chat_id="group-XQ0001", at=later(10)))

    assert result.replies[0].text.startswith("工单 0001（")
    await services.close()


async def test_note_word_after_number_kept(db_url):
    services = await area_with_officer(db_url)
    await send(services, in_work_group("受理 0001", 10))

    result = await send(services, in_work_group("办结 0001 已换配件，另告知 XQ0002", 11))

    assert result.replies[0].text.startswith("工单 0001 已办结")
    assert (await first_case(services, "XQ0001")).outcome_note == "已换配件，另告知 XQ0002"
    await services.close()
