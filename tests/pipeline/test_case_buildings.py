"""handlers.cases stores no building 0 or over 999, whichever caller passes it."""

from __future__ import annotations

from handlers.cases import correct_location, fill_location, open_case
from handlers.directory import member_for
from models import Compound
from nlp.findings import Finding, Location
from tests.helpers import T0, later, make_compound, make_services


async def test_open_fill_correct_skip_building_zero(db_url):
    services, _console = await make_services(db_url)
    compound = await make_compound(services)
    async with services.sessionmaker() as session, session.begin():
        compound = await session.get_one(Compound, compound.id)
        reporter = await member_for(session, "test", "r1", "居民r1")

        case, _deadlines = await open_case(
            session,
            compound,
            Finding("repair", location=Location(building="0", unit="2"), text="0栋2单元电梯坏了"),
            reporter=reporter,
            chat_group_id=None,
            raw_message_id=None,
            now=T0,
            triage=False,
        )
        assert case.building is None
        assert case.unit == "2"

        assert not fill_location(session, case, Location(building="1000"), reporter, later(1))
        assert case.building is None

        assert fill_location(session, case, Location(building="5"), reporter, later(2))
        assert not correct_location(session, case, Location(building="0"), reporter, later(3))
        assert case.building == "5"
