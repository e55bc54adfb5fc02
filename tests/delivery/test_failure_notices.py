"""One 【发送失败】 notice per failed event and platform, naming the platform as staff know it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.directory import member_for
from handlers.errors import PlatformError
from handlers.messages import ChatTarget, Reply, UserTarget
from handlers.outbox import Outbox
from handlers.permissions import grant_role
from models import CaseEvent, Compound, Delivery, PartyKind, RoleKind, utcnow
from tests.helpers import make_compound, make_services, message, send

FAILED = "【发送失败】"


class FlakyOutbound:
    """A platform that is down: every send fails in a way a later attempt might not."""

    platform = "flaky"

    async def send(self, target, text: str, *, reply_to: str | None = None) -> None:  # noqa: ANN001
        msg = "connection reset"
        raise ConnectionError(msg)


class HalfDownOutbound:
    """A platform that rejects one account for good and cannot be reached for the others until it recovers."""

    platform = "flaky"

    def __init__(self) -> None:
        self.up = False

    async def send(self, target, text: str, *, reply_to: str | None = None) -> None:  # noqa: ANN001
        if target.user_id == "chen":
            msg = "user not found"
            raise PlatformError(msg)
        if not self.up:
            msg = "connection reset"
            raise ConnectionError(msg)


async def flaky_reporters(services, case_id: int) -> list[Reply]:  # noqa: ANN001 - the Services
    """Two reporters with names and accounts on the flaky platform, and the update each is sent."""
    async with services.sessionmaker() as session, session.begin():
        await member_for(session, "flaky", "chen", "陈晓明")
        await member_for(session, "flaky", "li", "李秀英")
    return [
        Reply(UserTarget("flaky", "chen"), "您好，工单 0001 已受理", case_id, "reporter"),
        Reply(UserTarget("flaky", "li"), "您好，工单 0001 已受理", case_id, "reporter"),
    ]


async def case_with_liaison(db_url: str):  # noqa: ANN201 - the services, console and case id
    services, console = await make_services(db_url)
    compound = await make_compound(services)
    async with services.sessionmaker() as session, session.begin():
        member = await member_for(session, "test", "liaison", "liaison")
        row = await session.get_one(Compound, compound.id)
        await grant_role(session, member, RoleKind.LIAISON_OFFICER, compound=row, party=row.party(PartyKind.PARTY))
    result = await send(services, message("3栋2单元1002室厨房天花板漏水了", sender="r1"))
    return services, console, result.case_ids[0]


def replay_replies(case_id: int) -> list[Reply]:
    """The group note, the reporter's message and a neighbour's, as a 转派 sends them to a replayed chat."""
    return [
        Reply(ChatTarget("replay", "阳光花园业主群"), "工单 0001 已转交业委会", case_id, "group"),
        Reply(UserTarget("replay", "陈先生"), "您好，工单 0001 已转交业委会", case_id, "reporter"),
        Reply(UserTarget("replay", "李阿姨"), "您好，工单 0001 已转交业委会", case_id, "reporter"),
    ]


def notices(console) -> list[str]:  # noqa: ANN001 - the ConsoleOutbound
    return [
        text for target, text in console.sent if target == UserTarget("test", "liaison") and text.startswith(FAILED)
    ]


async def test_one_notice_per_event(db_url):
    services, console, case_id = await case_with_liaison(db_url)

    await services.outbox.deliver(replay_replies(case_id))

    assert notices(console) == [
        "【发送失败】阳光花园 工单 0001 发到居民群和发给2位反映人的消息未能通过聊天记录回放送达："
        "“工单 0001 已转交业委会”。请人工在群里告知进展；请人工联系这些反映人，"
        "发送“查询 0001”可在办理记录中查看未送达的消息。"
    ]
    async with services.sessionmaker() as session:
        failed = await session.scalars(select(CaseEvent).where(CaseEvent.kind == "delivery_failed"))
        assert len(list(failed)) == 3


async def test_each_event_reported(db_url):
    services, console, case_id = await case_with_liaison(db_url)

    await services.outbox.deliver(replay_replies(case_id))
    await services.outbox.deliver(replay_replies(case_id)[:1])

    assert len(notices(console)) == 2


async def test_retried_event_reported_once(db_url):
    services, console, case_id = await case_with_liaison(db_url)
    outbox = Outbox(services.sessionmaker, [console, FlakyOutbound()])
    replies = [
        Reply(UserTarget("flaky", "chen"), "您好，工单 0001 已受理", case_id, "reporter"),
        Reply(UserTarget("flaky", "li"), "您好，工单 0001 已受理", case_id, "reporter"),
    ]
    await outbox.deliver(replies)
    async with services.sessionmaker() as session:
        statuses = list(await session.scalars(select(Delivery.status).where(Delivery.platform == "flaky")))
    assert statuses == ["pending", "pending"]

    # Still down when both give up, settled side by side in one retry pass.
    await outbox.retry_due(utcnow() + timedelta(days=2))

    assert len(notices(console)) == 1
    assert "未能通过flaky送达" in notices(console)[0]


async def test_notice_names_every_reporter(db_url):
    services, console, case_id = await case_with_liaison(db_url)
    outbox = Outbox(services.sessionmaker, [console, FlakyOutbound()])
    await outbox.deliver(await flaky_reporters(services, case_id))

    await outbox.retry_due(utcnow() + timedelta(days=2))

    (notice,) = notices(console)
    assert "发给反映人陈**、反映人李**的消息未能通过flaky送达" in notice
    assert "请人工联系这些反映人" in notice
    assert "陈晓明" not in notice


async def test_notice_waits_for_last_reply(db_url):
    services, console, case_id = await case_with_liaison(db_url)
    platform = HalfDownOutbound()
    outbox = Outbox(services.sessionmaker, [console, platform])

    await outbox.deliver(await flaky_reporters(services, case_id))
    # 陈晓明's reply failed for good, but 李秀英's is still being retried.
    assert notices(console) == []

    await outbox.retry_due(utcnow() + timedelta(days=2))

    (notice,) = notices(console)
    assert "发给反映人陈**、反映人李**的消息" in notice


async def test_notice_after_others_arrive(db_url):
    services, console, case_id = await case_with_liaison(db_url)
    platform = HalfDownOutbound()
    outbox = Outbox(services.sessionmaker, [console, platform])
    await outbox.deliver(await flaky_reporters(services, case_id))

    platform.up = True
    await outbox.retry_due(utcnow() + timedelta(minutes=1))

    (notice,) = notices(console)
    assert "发给反映人陈**的消息未能通过flaky送达" in notice
    assert "请人工联系该反映人" in notice
    assert "李" not in notice.split("送达")[0]
