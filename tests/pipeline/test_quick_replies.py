"""A neighbour's quick reply at the report's place: agreement joins the case, another thing opens its own."""

from __future__ import annotations

from sqlalchemy import select

from models import Case
from tests.helpers import later, make_compound, make_services, message, send

LAMPS = "东门的路灯昨晚一直不亮，晚上遛弯黑漆漆的"


async def cases_of(services) -> list[Case]:  # noqa: ANN001 - Services
    async with services.sessionmaker() as session:
        return list(await session.scalars(select(Case).order_by(Case.seq)))


async def test_agreeing_reply_joins_case(db_url):
    services, _console = await make_services(db_url)
    await make_compound(services)
    await send(services, message(LAMPS, sender="r1"))

    await send(services, message("是的是的 东门那边好几盏都不亮", sender="r2", at=later(2)))

    cases = await cases_of(services)
    assert len(cases) == 1
    assert cases[0].reporter_count == 2


async def test_reply_naming_other_thing_opens_case(db_url):
    services, _console = await make_services(db_url)
    await make_compound(services)
    await send(services, message(LAMPS, sender="r1"))

    await send(services, message("东门那边的监控也坏了", sender="r2", at=later(2)))

    cases = await cases_of(services)
    assert len(cases) == 2
