"""One 【发送失败】 notice per failed message and platform, and one follow-up per reply it listed as retrying."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import select

from handlers.directory import member_for
from handlers.errors import PlatformError
from handlers.failure_notices import Recipient, failure_notice
from handlers.failure_reports import FAILURE_NOTICE_WAIT
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


class GroupGoneOutbound:
    """A platform that removed the bot from the resident group and cannot reach people until it recovers."""

    platform = "flaky"

    def __init__(self) -> None:
        self.up = False

    async def send(self, target, text: str, *, reply_to: str | None = None) -> None:  # noqa: ANN001
        if isinstance(target, ChatTarget):
            msg = "bot was kicked from the group chat"
            raise PlatformError(msg)
        if not self.up:
            msg = "connection reset"
            raise ConnectionError(msg)


class HangingOutbound:
    """A platform that removed the bot from the resident group, and whose sends to people hang until released.

    A released send fails in a way a later attempt might not.
    """

    platform = "flaky"

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def send(self, target, text: str, *, reply_to: str | None = None) -> None:  # noqa: ANN001
        if isinstance(target, ChatTarget):
            msg = "bot was kicked from the group chat"
            raise PlatformError(msg)
        self.entered.set()
        await self.release.wait()
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


async def group_and_reporter(services, case_id: int) -> list[Reply]:  # noqa: ANN001 - the Services
    """An urgent update for the resident group and for a reporter with an account on the flaky platform."""
    async with services.sessionmaker() as session, session.begin():
        await member_for(session, "flaky", "li", "李秀英")
    return [
        Reply(ChatTarget("flaky", "group-9"), "工单 0001 已改为紧急工单", case_id, "group"),
        Reply(UserTarget("flaky", "li"), "您好，工单 0001 已改为紧急工单", case_id, "reporter"),
    ]


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


async def test_notice_lists_retrying_reporter(db_url):
    services, console, case_id = await case_with_liaison(db_url)
    platform = GroupGoneOutbound()
    outbox = Outbox(services.sessionmaker, [console, platform])

    await outbox.deliver(await group_and_reporter(services, case_id))

    # The group's reply failed for good and 李秀英's is in retry, which may
    # last a day, so the officer hears of the group at once.
    assert notices(console) == [
        "【发送失败】阳光花园 工单 0001 发到居民群的消息未能通过flaky送达：“工单 0001 已改为紧急工单”。"
        "请人工在群里告知进展，发送“查询 0001”可在办理记录中查看未送达的消息。"
        "发给反映人李**的消息仍在重试，如最终仍未送达，会另行提醒。"
    ]


async def test_follow_up_names_only_new_failure(db_url):
    services, console, case_id = await case_with_liaison(db_url)
    platform = GroupGoneOutbound()
    outbox = Outbox(services.sessionmaker, [console, platform])
    await outbox.deliver(await group_and_reporter(services, case_id))

    # Still unreachable when the reporter's reply is given up.
    await outbox.retry_due(utcnow() + timedelta(days=2))
    await outbox.retry_due(utcnow() + timedelta(days=3))

    first, follow_up = notices(console)
    assert "发到居民群的消息未能通过flaky送达" in first
    assert "发给反映人李**的消息重试后仍未能通过flaky送达" in follow_up
    assert "请人工联系该反映人" in follow_up
    assert "居民群" not in follow_up
    assert "仍在重试" not in follow_up


async def test_no_follow_up_after_success(db_url):
    services, console, case_id = await case_with_liaison(db_url)
    platform = GroupGoneOutbound()
    outbox = Outbox(services.sessionmaker, [console, platform])
    await outbox.deliver(await group_and_reporter(services, case_id))
    assert len(notices(console)) == 1

    platform.up = True
    await outbox.retry_due(utcnow() + timedelta(minutes=1))
    await outbox.retry_due(utcnow() + timedelta(days=2))

    async with services.sessionmaker() as session:
        statuses = list(await session.scalars(select(Delivery.status).where(Delivery.platform == "flaky")))
    assert statuses == ["failed", "sent"]
    assert len(notices(console)) == 1


async def test_follow_ups_of_one_pass_merge(db_url):
    services, console, case_id = await case_with_liaison(db_url)
    platform = GroupGoneOutbound()
    outbox = Outbox(services.sessionmaker, [console, platform])
    replies = await group_and_reporter(services, case_id)
    async with services.sessionmaker() as session, session.begin():
        await member_for(session, "flaky", "chen", "陈晓明")
    replies.append(Reply(UserTarget("flaky", "chen"), "您好，工单 0001 已改为紧急工单", case_id, "reporter"))
    await outbox.deliver(replies)

    # Both reporters' replies give up side by side in one retry pass.
    await outbox.retry_due(utcnow() + timedelta(days=2))

    first, follow_up = notices(console)
    assert "发给反映人李**、反映人陈**的消息仍在重试" in first
    assert "发给反映人李**、反映人陈**的消息重试后仍未能通过flaky送达" in follow_up
    assert "请人工联系这些反映人" in follow_up


async def test_notice_waits_for_first_attempts(db_url):
    services, console, case_id = await case_with_liaison(db_url)
    platform = HangingOutbound()
    outbox = Outbox(services.sessionmaker, [console, platform])

    sending = asyncio.create_task(outbox.deliver(await group_and_reporter(services, case_id)))
    await platform.entered.wait()
    # The reporter's first attempt hangs, and it may still fail and join the notice.
    await outbox.retry_due(utcnow() + FAILURE_NOTICE_WAIT - timedelta(seconds=5))
    assert notices(console) == []

    await outbox.retry_due(utcnow() + FAILURE_NOTICE_WAIT)
    (notice,) = notices(console)
    assert "发到居民群的消息未能通过flaky送达" in notice
    assert "发给反映人李**的消息仍在重试" in notice

    platform.release.set()
    await sending
    assert len(notices(console)) == 1


async def test_overdue_notice_sent_once(db_url):
    services, console, case_id = await case_with_liaison(db_url)
    platform = HangingOutbound()
    outbox = Outbox(services.sessionmaker, [console, platform])
    sending = asyncio.create_task(outbox.deliver(await group_and_reporter(services, case_id)))
    await platform.entered.wait()

    # Two processes find the notice overdue in the same pass.
    others = [Outbox(services.sessionmaker, [console, platform]) for _ in range(2)]
    due = utcnow() + FAILURE_NOTICE_WAIT
    await asyncio.gather(*(other.retry_due(due) for other in others))

    platform.release.set()
    await sending
    assert len(notices(console)) == 1


def test_unnamed_retrying_recipients_counted():
    case = SimpleNamespace(compound=SimpleNamespace(name="阳光花园"), number="0001")
    group = Recipient("发到", "居民群", "请人工在群里告知进展")
    unknown = Recipient("", "", "请人工联系相关人员")
    reporter = Recipient("发给", "反映人李**", "请人工联系该反映人")

    only_unnamed = failure_notice(case, "flaky", [group], None, retrying=[unknown, unknown])
    mixed = failure_notice(case, "flaky", [group], None, retrying=[reporter, unknown])

    assert only_unnamed.endswith("另有2条消息仍在重试，如最终仍未送达，会另行提醒。")
    assert mixed.endswith("发给反映人李**的消息和另外1条消息仍在重试，如最终仍未送达，会另行提醒。")
