"""Numbers in group reports: amounts and case numbers stay out of the place, rooms go in and are masked."""

from __future__ import annotations

from sqlalchemy import select

from models import Case
from tests.helpers import later, make_compound, make_services, message, send


async def cases_of(services) -> list[Case]:  # noqa: ANN001 - Services
    async with services.sessionmaker() as session:
        return list(await session.scalars(select(Case).order_by(Case.seq)))


async def test_amount_kept_out_of_place(db_url):
    services, _console = await make_services(db_url)
    await make_compound(services)

    result = await send(services, message("停车费乱收费，一个月收300", sender="r1"))

    cases = await cases_of(services)
    assert len(cases) == 1
    assert cases[0].room is None
    group_reply = result.replies[0].text
    assert "一个月收300" in group_reply
    assert "****" not in group_reply


async def test_case_number_is_no_room(db_url):
    services, _console = await make_services(db_url)
    await make_compound(services)
    await send(services, message("3栋电梯坏了，按钮没反应", sender="r1"))

    # 開 is the traditional form of 开.
    await send(services, message("重開 0001 还是不行", sender="r1", at=later(30)))

    cases = await cases_of(services)
    assert all(case.room is None for case in cases)


async def test_room_found_and_masked(db_url):
    services, _console = await make_services(db_url)
    await make_compound(services)

    result = await send(services, message("楼上1202天天往下滴水，天花板都泡坏了", sender="r1"))

    cases = await cases_of(services)
    assert len(cases) == 1
    assert cases[0].room == "1202"
    group_reply = result.replies[0].text
    assert "1202" not in group_reply
    assert "****" in group_reply
