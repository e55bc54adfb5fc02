"""Lines that carry no report: links, Latin words, punctuation and emoji."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Case, MessageOutcome
from tests.helpers import later
from tests.workflow.desk import open_desk


@pytest.mark.parametrize("text", ["https://example.com/notice", "help", "？？？", "👍👍"])
async def test_line_without_chinese_opens_nothing(db_url, text: str):
    async with open_desk(db_url, triage_threshold=0.45) as desk:
        replies = await desk.say(text, sender="r1")

        async with desk.services.sessionmaker() as session:
            cases = await session.scalar(select(func.count()).select_from(Case))
        assert cases == 0
        assert replies == []
        assert desk.results[-1].outcome == MessageOutcome.IGNORED


async def test_usage_question_in_group_opens_nothing(db_url):
    async with open_desk(db_url) as desk:
        replies = await desk.say("怎么报修啊", sender="r1")
        report = await desk.say("电梯坏了怎么报修", sender="r2", at=later(1))

        assert replies == []
        assert desk.results[0].outcome == MessageOutcome.IGNORED
        assert desk.results[1].opened == 1
        assert (await desk.case(1)).summary == "电梯坏了怎么报修"
        assert any("已登记：工单 0001" in text for text in report)
