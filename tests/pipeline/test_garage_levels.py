"""A garage level is part of a report's place, and two levels are two places."""

from __future__ import annotations

from tests.helpers import later
from tests.workflow.desk import open_desk


async def test_level_stored_with_garage(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("地库负二层漏水了，地上全是水", sender="r1")

        assert (await desk.case(1)).place == "地下车库B2"


async def test_other_level_opens_own_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("地下车库B1漏水了，地上全是水", sender="r1")

        await desk.say("地下车库B2漏水了，地上全是水", sender="r2", at=later(30))

        first, second = desk.results
        assert first.opened == 1
        assert second.opened == 1
        assert (await desk.case(2)).place == "地下车库B2"


async def test_same_level_other_spelling_joins(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("地下车库B2漏水了，地上全是水", sender="r1")

        await desk.say("地库负二层漏水了，地上全是水", sender="r2", at=later(30))

        assert desk.results[-1].opened == 0
        assert desk.results[-1].attached == 1
        assert (await desk.case(1)).reporter_count == 2
