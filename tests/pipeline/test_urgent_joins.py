"""Residents who join an urgent case get the emergency advice its first reporter got, once each."""

from __future__ import annotations

from handlers.directory import bind_chat, chat_for
from handlers.messages import ChatTarget
from models import Case, Compound, MessageOutcome
from tests.helpers import later, make_compound, make_services, message, send

GAS_ADVICE = "请不要开关电器，开窗并撤离，到室外拨打119或燃气公司抢修电话。"
GAS = "3栋2单元楼道里煤气味很重"


async def gas_desk(db_url):
    """A compound with an owners' group and a building group, and a gas case opened in the owners' group."""
    services, console = await make_services(db_url)
    compound = await make_compound(services, chat_id="owners")
    async with services.sessionmaker() as session, session.begin():
        stored = await session.get_one(Compound, compound.id)
        building_chat = await chat_for(session, "test", "building-3", title="阳光花园3栋楼栋群")
        await bind_chat(session, building_chat, stored, later(0))
    opened = await send(services, message(GAS, sender="a", chat_id="owners", at=later(0)))
    assert opened.outcome == MessageOutcome.OPENED
    return services, console


async def group_reply(services, console, text: str, *, sender: str, chat_id: str, minutes: float) -> tuple:
    """Send a line and return its outcome, the case ids and the one reply to its chat."""
    before = len(console.sent)
    result = await send(services, message(text, sender=sender, chat_id=chat_id, at=later(minutes)))
    (reply,) = [t for target, t in console.sent[before:] if isinstance(target, ChatTarget)]
    return result.outcome, result.case_ids, reply


async def test_neighbour_elsewhere_gets_same_advice(db_url):
    services, console = await gas_desk(db_url)

    outcome, case_ids, reply = await group_reply(
        services, console, "3栋2单元也闻到煤气味了", sender="b", chat_id="building-3", minutes=3
    )

    assert outcome == MessageOutcome.ATTACHED
    async with services.sessionmaker() as session:
        case = await session.get_one(Case, case_ids[0])
    assert case.seq == 1
    assert case.reporter_count == 2
    advice, joined = reply.split("\n")
    assert advice == GAS_ADVICE
    assert joined.startswith("已记录：该问题已有工单 0001（安全隐患·紧急，已有2位居民反映）")


async def test_reporter_advised_once(db_url):
    services, console = await gas_desk(db_url)
    await group_reply(services, console, "3栋2单元也闻到煤气味了", sender="b", chat_id="building-3", minutes=3)

    _outcome, _ids, again = await group_reply(
        services, console, "3栋2单元煤气味太大了，赶紧来人看看", sender="b", chat_id="building-3", minutes=5
    )
    _outcome, _ids, first_own = await group_reply(
        services, console, "3栋2单元煤气味太大了，赶紧来人看看", sender="c", chat_id="owners", minutes=6
    )

    assert again.startswith("您已反映过该问题（工单 0001）")
    assert GAS_ADVICE not in again
    assert first_own.startswith(f"{GAS_ADVICE}\n已记录：该问题已有工单 0001")


async def test_bare_me_too_not_advised(db_url):
    services, console = await gas_desk(db_url)

    outcome, _ids, reply = await group_reply(services, console, "+1", sender="b", chat_id="owners", minutes=2)

    assert outcome == MessageOutcome.ATTACHED
    assert reply.startswith("已记录：该问题已有工单 0001（安全隐患·紧急，已有2位居民反映）")
    assert "拨打" not in reply


async def test_chronic_line_not_advised(db_url):
    services, console = await gas_desk(db_url)

    # A complaint that it keeps happening, not a report of gas now.
    outcome, _ids, reply = await group_reply(
        services, console, "3栋2单元楼道的煤气味每次都这样", sender="d", chat_id="owners", minutes=8
    )

    assert outcome == MessageOutcome.ATTACHED
    assert reply.startswith("已记录：该问题已有工单 0001")
    assert "拨打" not in reply

