"""A resident's first private chat: asked once where they live, then reports open cases."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from handlers.directory import create_compound
from handlers.messages import InboundMessage
from handlers.onboarding import parse_home
from models import Case, ChatGroup, MessageOutcome, PrivateChatHome
from tests.helpers import T0, make_services

_ids = itertools.count(1)


def private(text: str, *, sender: str = "o-resident-1") -> InboundMessage:
    return InboundMessage(
        platform="test",
        chat_id=sender,
        sender_id=sender,
        message_id=f"p{next(_ids)}",
        sent_at=T0,
        text=text,
        is_private=True,
    )


async def test_asked_once_then_remembered(db_url):
    services, console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")

    hello = await services.pipeline.handle(private("你好，请问怎么报修"))
    again = await services.pipeline.handle(private("有人吗"))
    wrong = await services.pipeline.handle(private("XQ9999"))
    answer = await services.pipeline.handle(private("我住XQ0001小区 12号楼"))
    report = await services.pipeline.handle(private("电梯坏了，困在5楼"))

    assert hello.outcome == MessageOutcome.UNBOUND
    assert again.replies == []
    assert "XQ9999" in wrong.replies[0].text
    assert "阳光花园12栋" in answer.replies[0].text
    assert report.outcome == MessageOutcome.OPENED
    texts = [text for _target, text in console.sent]
    assert sum("哪个小区" in t for t in texts) == 1
    async with services.sessionmaker() as session:
        home = await session.scalar(select(PrivateChatHome))
        chat = await session.scalar(select(ChatGroup).where(ChatGroup.chat_id == "o-resident-1"))
        cases = list(await session.scalars(select(Case)))
    assert home is not None
    assert home.building == "12"
    assert home.answered_at is not None
    assert chat is not None
    assert chat.compound_id == home.compound_id
    assert len(cases) == 1
    assert cases[0].building == "12"
    await services.close()


async def test_report_before_answer_opens_no_case(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")

    result = await services.pipeline.handle(private("3栋电梯坏了，有人被困"))

    assert result.outcome == MessageOutcome.UNBOUND
    assert "小区编码" in result.replies[0].text
    async with services.sessionmaker() as session:
        assert list(await session.scalars(select(Case))) == []
    await services.close()


def test_home_parsed_from_code_and_scene():
    assert parse_home("XQ0001 3栋") == ("XQ0001", "3")
    assert parse_home("qrscene_xq0002-15") == ("XQ0002", "15")
    assert parse_home("XQ0003") == ("XQ0003", None)
    assert parse_home("3号楼漏水") is None
