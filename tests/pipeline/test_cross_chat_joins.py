"""Which reports from other chats, other residents and other compounds join an open case."""

from __future__ import annotations

from sqlalchemy import select

from handlers.directory import bind_chat, chat_for
from models import Case, Compound, MessageOutcome
from tests.helpers import later, make_compound
from tests.workflow.desk import Desk, open_desk


async def bind_group(desk: Desk, chat_id: str, title: str) -> None:
    async with desk.services.sessionmaker() as session, session.begin():
        chat = await chat_for(session, "test", chat_id, title=title)
        await bind_chat(session, chat, await session.get_one(Compound, desk.compound.id), later(0))


async def cases_of(desk: Desk) -> list[Case]:
    async with desk.services.sessionmaker() as session:
        return list(await session.scalars(select(Case).order_by(Case.id)))


async def test_vague_line_stays_in_its_group(db_url):
    async with open_desk(db_url) as desk:
        await bind_group(desk, "group-2", "阳光花园二号业主群")
        await desk.say("车都堵在外面了", sender="r1")
        replies = await desk.say("车都堵在外面了", sender="r7", chat_id="group-2", at=later(5))

        first, second = await cases_of(desk)
        assert first.reporter_count == 1
        assert second.summary == "车都堵在外面了"
        assert desk.results[-1].outcome == MessageOutcome.OPENED
        assert not any("0001" in text for text in replies)


async def test_vague_line_joins_in_same_group(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("车都堵在外面了", sender="r1")
        await desk.say("车都堵在外面了", sender="r2", at=later(5))

        (case,) = await cases_of(desk)
        assert case.reporter_count == 2


async def test_named_thing_joins_across_groups(db_url):
    async with open_desk(db_url) as desk:
        await bind_group(desk, "group-2", "阳光花园二号业主群")
        await desk.say("电梯又坏了", sender="r1")
        await desk.say("电梯又坏了，等了半天", sender="r7", chat_id="group-2", at=later(30))

        (case,) = await cases_of(desk)
        assert case.reporter_count == 2


async def test_report_stays_in_its_compound(db_url):
    async with open_desk(db_url) as desk:
        other = await make_compound(desk.services, "翠湖苑", chat_id="group-3")
        await desk.say("车都堵在外面了", sender="r1")
        await desk.say("3栋电梯又坏了", sender="r1", at=later(1))
        await desk.say("车都堵在外面了", sender="r7", chat_id="group-3", at=later(5))
        await desk.say("3栋电梯又坏了", sender="r7", chat_id="group-3", at=later(6))

        cases = await cases_of(desk)
        assert [(c.compound_id, c.seq) for c in cases] == [
            (desk.compound.id, 1),
            (desk.compound.id, 2),
            (other.id, 1),
            (other.id, 2),
        ]
        assert all(c.reporter_count == 1 for c in cases)


async def test_kitchen_leak_stays_out_of_private_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("阳光花园 3栋", sender="r6", chat_id="r6", private=True)
        await desk.say("我家厨房漏水了", sender="r6", chat_id="r6", private=True, at=later(1))
        replies = await desk.say("厨房漏水了", sender="r3", at=later(10))

        private_case, group_case = await cases_of(desk)
        assert private_case.building == "3"
        assert private_case.reporter_count == 1
        assert group_case.summary == "厨房漏水了"
        assert desk.results[-1].outcome == MessageOutcome.OPENED
        assert not any("0001" in text for text in replies)


async def test_own_kitchen_leak_joins_own_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("阳光花园 3栋", sender="r6", chat_id="r6", private=True)
        await desk.say("我家厨房漏水了", sender="r6", chat_id="r6", private=True, at=later(1))
        replies = await desk.say("厨房漏水了", sender="r6", at=later(10))

        (case,) = await cases_of(desk)
        assert case.reporter_count == 1
        assert replies[0].startswith("您已反映过该问题（工单 0001）")


async def test_same_flat_leak_joins_across_groups(db_url):
    async with open_desk(db_url) as desk:
        await bind_group(desk, "group-2", "阳光花园二号业主群")
        await desk.say("3栋2单元1002室厨房漏水了", sender="r1")
        await desk.say("3栋2单元1002厨房在漏水", sender="r2", chat_id="group-2", at=later(30))

        (case,) = await cases_of(desk)
        assert case.reporter_count == 2


async def test_neighbour_in_same_conversation_joins_leak(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")
        await desk.say("3栋2单元厨房顶上在滴水", sender="r2", at=later(1))

        (case,) = await cases_of(desk)
        assert case.reporter_count == 2


async def test_kitchen_leak_hours_later_opens_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("我家厨房漏水了", sender="r1")
        await desk.say("我家厨房漏水了", sender="r2", at=later(180))

        first, second = await cases_of(desk)
        assert first.reporter_count == 1
        assert second.reporter_count == 1
