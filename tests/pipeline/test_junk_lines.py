"""Lines that carry no report: links, Latin words, punctuation and emoji."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Case, MessageOutcome
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
