"""The home building from a private chat places dwelling problems, not compound-wide ones."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import select

from handlers.directory import bind_chat, chat_for, create_compound
from handlers.messages import InboundMessage
from models import Case, MessageOutcome
from tests.helpers import T0, make_services, message, send

_ids = itertools.count(1)


def private(text: str, *, sender: str, minutes: float) -> InboundMessage:
    return InboundMessage(
        platform="test",
        chat_id=sender,
        sender_id=sender,
        sender_name=f"居民{sender}",
        message_id=f"home{next(_ids)}",
        sent_at=T0 + timedelta(minutes=minutes),
        text=text,
        is_private=True,
    )


async def start(db_url: str):  # noqa: ANN201 - Services
    """Set up one compound with a resident group, and residents of 3栋 and 5栋 in private chats."""
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        compound = await create_compound(session, "阳光花园", "XQ0001")
        group = await chat_for(session, "test", "group-1", title="阳光花园业主群")
        await bind_chat(session, group, compound, T0)
    await send(services, private("XQ0001 3栋", sender="east", minutes=0))
    await send(services, private("XQ0001 5栋", sender="west", minutes=0))
    return services


async def cases_of(services) -> list[Case]:  # noqa: ANN001 - Services
    async with services.sessionmaker() as session:
        return list(await session.scalars(select(Case).order_by(Case.seq)))


async def test_fee_rise_from_two_buildings_joins(db_url):
    services = await start(db_url)

    first = await send(services, private("物业费今年又涨了，凭什么", sender="east", minutes=1))
    second = await send(services, private("物业费涨价没有经过业主大会同意", sender="west", minutes=3))

    assert first.outcome == MessageOutcome.OPENED
    assert second.outcome == MessageOutcome.ATTACHED
    assert second.case_ids == first.case_ids
    cases = await cases_of(services)
    assert len(cases) == 1
    assert cases[0].category == "fees"
    assert cases[0].building is None
    assert cases[0].reporter_count == 2


async def test_other_fee_matter_stays_apart(db_url):
    services = await start(db_url)

    await send(services, private("物业费今年又涨了，凭什么", sender="east", minutes=1))
    invoice = await send(services, private("物业费发票一直不给开", sender="west", minutes=30))

    assert invoice.outcome == MessageOutcome.OPENED
    cases = await cases_of(services)
    assert len(cases) == 2
    assert [c.building for c in cases] == [None, None]


async def test_home_building_places_dwelling_problems_only(db_url):
    services = await start(db_url)

    await send(services, private("楼道灯坏了，晚上看不见路", sender="east", minutes=1))
    await send(services, private("物业费今年又涨了，凭什么", sender="east", minutes=20))
    await send(services, private("楼道灯坏了好几天", sender="west", minutes=40))

    cases = await cases_of(services)
    by_category = {(c.category, c.building) for c in cases}
    assert ("repair", "3") in by_category
    assert ("repair", "5") in by_category
    assert ("fees", None) in by_category
    assert len(cases) == 3


async def test_fee_amount_is_no_room(db_url):
    services = await start(db_url)

    result = await send(services, private("停车费乱收费，一个月收300", sender="east", minutes=1))

    cases = await cases_of(services)
    assert len(cases) == 1
    assert cases[0].room is None
    assert cases[0].building is None
    reply = result.replies[0].text
    assert "一个月收300" in reply
    assert "****" not in reply


async def test_me_too_in_other_chat_stays_out(db_url):
    services = await start(db_url)
    await send(services, private("物业费今年又涨了，凭什么", sender="east", minutes=1))
    await send(services, private("物业费涨价没有经过业主大会同意", sender="west", minutes=3))

    # Nobody in the group has mentioned the fee rise, so a 我也是 there has
    # nothing to join.
    silent = await send(services, message("我也是", sender="u9", at=T0 + timedelta(minutes=5)))
    report = await send(services, message("物业费又涨价了，谁同意的", sender="u8", at=T0 + timedelta(minutes=6)))
    agreed = await send(services, message("我也是", sender="u7", at=T0 + timedelta(minutes=7)))

    assert silent.outcome == MessageOutcome.IGNORED
    assert report.outcome == MessageOutcome.ATTACHED
    assert agreed.outcome == MessageOutcome.ATTACHED
    cases = await cases_of(services)
    assert len(cases) == 1
    assert cases[0].reporter_count == 4


async def test_code_left_out_of_case_text(db_url):
    services = await start(db_url)

    result = await send(services, private("ＸＱ０００１ 8栋 电梯坏了", sender="north", minutes=1))

    assert result.outcome == MessageOutcome.OPENED
    cases = await cases_of(services)
    assert [c.summary for c in cases] == ["8栋 电梯坏了"]
    assert cases[0].building == "8"
