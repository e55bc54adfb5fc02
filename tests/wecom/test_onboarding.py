"""A resident's first private chat: asked once where they live, then reports open cases."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import select

from handlers.directory import create_compound
from handlers.messages import InboundMessage
from handlers.onboarding import parse_home
from models import Case, ChatGroup, Compound, MessageOutcome, PrivateChatHome, RawMessage
from tests.helpers import T0, make_services, send

_ids = itertools.count(1)


def private(text: str, *, sender: str = "o-resident-1", minutes: float = 0) -> InboundMessage:
    return InboundMessage(
        platform="test",
        chat_id=sender,
        sender_id=sender,
        message_id=f"p{next(_ids)}",
        sent_at=T0 + timedelta(minutes=minutes),
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
    assert "小区名称或编码" in again.replies[0].text
    assert "XQ9999" in wrong.replies[0].text
    assert "阳光花园12栋" in answer.replies[0].text
    assert report.outcome == MessageOutcome.OPENED
    texts = [text for _target, text in console.sent]
    assert sum("欢迎使用" in t for t in texts) == 1
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


async def test_free_text_answers_bind_the_chat(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "翠竹园", "XQ0001")
        await create_compound(session, "阳光花园", "XQ0002")

    answers = {
        "o-a": ("翠竹园 5栋", "5"),
        "o-b": ("我住翠竹园3栋", "3"),
        "o-c": ("ＸＱ0001 ３栋", "3"),
        "o-d": ("翠竹园小区十二号楼", "12"),
    }
    for sender, (text, _building) in answers.items():
        await services.pipeline.handle(private("你好", sender=sender))
        reply = await services.pipeline.handle(private(text, sender=sender, minutes=1))
        assert "已记录您住在翠竹园" in reply.replies[0].text, text

    async with services.sessionmaker() as session:
        homes = {h.chat_id: h for h in await session.scalars(select(PrivateChatHome))}
    for sender, (text, building) in answers.items():
        assert homes[sender].compound_id is not None, text
        assert homes[sender].building == building, text
    await services.close()


async def test_unclear_answer_gets_a_reply(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")
        await create_compound(session, "阳光花园二期", "XQ0002")
        await create_compound(session, "翠竹园", "XQ0003")
        await create_compound(session, "翠竹园东区", "XQ0004")
        await create_compound(session, "东区花苑", "XQ0005")

    await services.pipeline.handle(private("你好"))
    unknown = await services.pipeline.handle(private("我住幸福里5栋", minutes=1))
    report = await services.pipeline.handle(private("5栋电梯坏了", minutes=2))
    ambiguous = await services.pipeline.handle(private("翠竹园东区花苑", minutes=3))
    nested = await services.pipeline.handle(private("阳光花园二期 3栋", minutes=4))

    assert "小区名称或编码" in unknown.replies[0].text
    assert "已记下" not in unknown.replies[0].text
    assert "已记下" in report.replies[0].text
    assert "XQ0004" in ambiguous.replies[0].text
    assert "XQ0005" in ambiguous.replies[0].text
    assert "阳光花园二期3栋" in nested.replies[0].text
    await services.close()


async def test_report_before_answer_opens_on_binding(db_url):
    services, console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "翠竹园", "XQ0001")

    first = await send(services, private("楼道灯坏了好几天了，晚上看不见路"))
    second = await send(services, private("5栋电梯坏了，有人被困", minutes=2))
    answer = await send(services, private("我住翠竹园5栋", minutes=5))

    assert first.outcome == MessageOutcome.UNBOUND
    assert second.outcome == MessageOutcome.UNBOUND
    assert answer.opened == 2
    assert len(answer.case_ids) == 2
    told = "\n".join(text for _target, text in console.sent)
    assert "您登记住址前反映的问题已转为工单" in told
    assert "工单 0001" in told
    assert "工单 0002" in told
    async with services.sessionmaker() as session:
        cases = list(await session.scalars(select(Case).order_by(Case.seq)))
        outcomes = [
            raw.outcome for raw in await session.scalars(select(RawMessage).order_by(RawMessage.id))
        ]
    assert [c.building for c in cases] == ["5", "5"]
    assert cases[0].category != cases[1].category or cases[0].summary != cases[1].summary
    assert outcomes[:2] == [MessageOutcome.OPENED, MessageOutcome.OPENED]
    await services.close()


async def test_failed_address_tries_open_no_case(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "金桂园", "XQ0001")

    await send(services, private("你好"))
    unknown = await send(services, private("XQ9999 3栋", minutes=1))
    misspelt = await send(services, private("金桂 3栋", minutes=2))
    report = await send(services, private("4栋楼道灯坏了好几天了", minutes=3))
    answer = await send(services, private("金桂园 3栋", minutes=4))

    assert "已记下" not in unknown.replies[0].text
    assert "已记下" not in misspelt.replies[0].text
    assert "已记下" in report.replies[0].text
    assert answer.opened == 1
    async with services.sessionmaker() as session:
        summaries = list(await session.scalars(select(Case.summary)))
    assert summaries == ["4栋楼道灯坏了好几天了"]
    await services.close()


async def test_command_before_address_asks_for_it(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "金桂园", "XQ0001")

    result = await send(services, private("查询 0002"))

    assert "还不知道您住在哪个小区" in result.replies[0].text
    assert "XQ0001 3栋" in result.replies[0].text
    await services.close()


async def test_unknown_scene_says_code_not_found(db_url):
    services, _console = await make_services(db_url)

    result = await send(services, private("qrscene_XQ0077-1"))

    assert "没有找到编码为“XQ0077”的小区" in result.replies[0].text
    assert "住在哪个小区" in result.replies[0].text
    await services.close()


async def test_scanning_another_compound_moves_chat(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "金桂园", "XQ0001")
        await create_compound(session, "银杏苑", "XQ0002")

    await send(services, private("XQ0001-3"))
    moved = await send(services, private("XQ0002-2", minutes=1))
    unknown = await send(services, private("XQ0099", minutes=2))
    await send(services, private("楼道灯坏了好几天了", minutes=3))

    assert "已把您的住址改为银杏苑2栋" in moved.replies[0].text
    assert "没有找到编码为“XQ0099”的小区" in unknown.replies[0].text
    assert "仍是银杏苑" in unknown.replies[0].text
    async with services.sessionmaker() as session:
        case = await session.scalar(select(Case))
        compound = await session.get(Compound, case.compound_id)
    assert compound.code == "XQ0002"
    assert case.building == "2"
    await services.close()


def test_home_parsed_from_code_and_scene():
    assert parse_home("XQ0001 3栋") == ("XQ0001", "3")
    assert parse_home("ＸＱ0001 ３栋") == ("XQ0001", "3")
    assert parse_home("qrscene_xq0002-15") == ("XQ0002", "15")
    assert parse_home("XQ0003") == ("XQ0003", None)
    assert parse_home("3号楼漏水") is None


async def test_scanned_building_fills_named_place(db_url):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")

    await send(services, private("qrscene_XQ0001-3"))
    stairwell = await send(services, private("楼道灯坏了，晚上看不见路", minutes=1))
    gate = await send(services, private("东门的道闸坏了，车出不去", minutes=2))

    assert stairwell.outcome == MessageOutcome.OPENED
    assert gate.outcome == MessageOutcome.OPENED
    async with services.sessionmaker() as session:
        cases = list(await session.scalars(select(Case).order_by(Case.seq)))
    assert cases[0].building == "3"
    assert cases[0].place == "楼道"
    assert cases[1].building is None
    await services.close()
