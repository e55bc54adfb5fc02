"""Deliveries survive a WeCom outage and a restart, and are sent once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.adapters.wecom import WeComAppAdapter
from bot.server import build_web_app
from bot.services import build_services
from handlers.directory import create_compound
from handlers.messages import Reply, UserTarget
from handlers.outbox import PERSONAL_PLACEHOLDER, Outbox
from handlers.outbox_store import GIVE_UP_AFTER, STALE_CLAIM
from models import Case, CaseEvent, Delivery, Identity, Member, Role, RoleKind, utcnow
from tests.helpers import OPEN_SERVICES, shared_classifier
from tests.wecom.conftest import FakeTime, WeChatBot

LATER = timedelta(hours=1)


async def case_with_officer(wechat: WeChatBot) -> int:
    """Create a case in a compound whose liaison officer has a WeCom account; return its id."""
    async with wechat.services.sessionmaker() as session, session.begin():
        compound = await create_compound(session, "阳光花园", "XQ0001")
        officer = Member(display_name="李专员")
        officer.identities.append(Identity(platform="wecom", platform_user_id="officer-li"))
        session.add(officer)
        await session.flush()
        session.add(Role(member_id=officer.id, role=RoleKind.LIAISON_OFFICER, compound_id=compound.id))
        case = Case(compound_id=compound.id, seq=1, category="repair", route="property", summary="3栋电梯坏了")
        session.add(case)
        await session.flush()
        return case.id


async def second_process(wechat: WeChatBot) -> tuple[WeComAppAdapter, Outbox]:
    """Start another service process with its own WeCom app sender on the same database."""
    services = await build_services(wechat.services.settings, classifier=shared_classifier())
    OPEN_SERVICES.append(services)
    fake_time = FakeTime()
    adapter = WeComAppAdapter(backoff=(2.0,), sleep=fake_time.sleep, monotonic=fake_time.monotonic)
    await adapter.start(services, build_web_app(services))
    return adapter, services.outbox


def sent_to(wechat: WeChatBot, user: str) -> list[str]:
    return [p["text"]["content"] for p in wechat.fake.sent("message/send") if p["touser"] == user]


async def test_outage_then_recovery_sends_once(wechat: WeChatBot):
    case_id = await case_with_officer(wechat)
    wechat.fake.down = True

    results = await wechat.services.outbox.deliver(
        [
            Reply(UserTarget("wecom", "zhangwei"), "您好，工单 0001 已受理", case_id, "reporter"),
            Reply(UserTarget("wecom", "officer-li"), "【紧急】工单 0001 电梯困人", case_id, "officer"),
        ]
    )

    assert [r.retryable for r in results] == [True, True]
    rows = await wechat.rows(select(Delivery).order_by(Delivery.id))
    assert [(d.target_id, d.status) for d in rows] == [("zhangwei", "pending"), ("officer-li", "pending")]
    assert all("503" in (d.last_error or "") for d in rows)

    wechat.fake.down = False
    assert await wechat.services.outbox.retry_due(utcnow() + LATER) == 2
    assert await wechat.services.outbox.retry_due(utcnow() + 2 * LATER) == 0

    assert sent_to(wechat, "zhangwei") == ["您好，工单 0001 已受理"]
    assert sent_to(wechat, "officer-li") == ["【紧急】工单 0001 电梯困人"]
    rows = await wechat.rows(select(Delivery).order_by(Delivery.id))
    assert [(d.status, d.attempts) for d in rows] == [("sent", 2), ("sent", 2)]
    assert await wechat.count(CaseEvent) == 0


async def test_token_outage_is_retried(wechat: WeChatBot):
    # Only gettoken fails: the app has no token cached yet.
    wechat.fake.fail("gettoken", 0)
    wechat.fake.down = True

    await wechat.services.outbox.deliver([Reply(UserTarget("wecom", "zhangwei"), "您好")])

    [row] = await wechat.rows(select(Delivery))
    assert row.status == "pending"
    assert "gettoken" in (row.last_error or "")
    wechat.fake.down = False
    await wechat.services.outbox.retry_due(utcnow() + LATER)
    assert sent_to(wechat, "zhangwei") == ["您好"]


async def test_restart_sends_pending_rows(wechat: WeChatBot):
    case_id = await case_with_officer(wechat)
    wechat.fake.down = True
    await wechat.services.outbox.deliver(
        [Reply(UserTarget("wecom", "zhangwei"), "工单 0001 已受理", case_id, "reporter")]
    )
    # A second row was being sent by a process that was killed.
    async with wechat.services.sessionmaker() as session, session.begin():
        session.add(
            Delivery(
                case_id=case_id,
                platform="wecom",
                target_kind="user",
                target_id="officer-li",
                text="【紧急】工单 0001 电梯困人",
                status="sending",
                audience="officer",
                claimed_at=utcnow(),
                claimed_by="killed-process",
                give_up_at=utcnow() + GIVE_UP_AFTER,
            )
        )
    wechat.fake.down = False

    restarted, outbox = await second_process(wechat)
    # The killed process's claim is not stale yet, so only the pending row is due.
    assert await outbox.retry_due(utcnow() + timedelta(minutes=1)) == 1
    assert sent_to(wechat, "officer-li") == []
    assert await outbox.retry_due(utcnow() + STALE_CLAIM + LATER) == 1

    assert sent_to(wechat, "zhangwei") == ["工单 0001 已受理"]
    assert sent_to(wechat, "officer-li") == ["【紧急】工单 0001 电梯困人"]
    await restarted.stop()


async def test_two_workers_send_once(wechat: WeChatBot):
    wechat.fake.down = True
    users = [f"resident-{i}" for i in range(12)]
    await wechat.services.outbox.deliver([Reply(UserTarget("wecom", u), f"通知 {u}") for u in users])
    wechat.fake.down = False
    other, other_outbox = await second_process(wechat)

    when = utcnow() + LATER
    counts = await asyncio.gather(
        wechat.services.outbox.retry_due(when, limit=5),
        other_outbox.retry_due(when, limit=5),
        wechat.services.outbox.retry_due(when, limit=5),
        other_outbox.retry_due(when, limit=5),
    )

    assert sum(counts) == 12
    for user in users:
        assert sent_to(wechat, user) == [f"通知 {user}"]
    statuses = await wechat.rows(select(Delivery.status))
    assert statuses == ["sent"] * 12
    await other.stop()


async def test_personal_reply_keeps_no_text_after_retry(wechat: WeChatBot):
    wechat.fake.down = True
    reply = Reply(UserTarget("wecom", "zhangwei"), "您的电话 13800001111 已登记", personal=True)
    await wechat.services.outbox.deliver([reply])

    [pending] = await wechat.rows(select(Delivery))
    assert pending.status == "pending"
    assert pending.text == reply.text

    wechat.fake.down = False
    await wechat.services.outbox.retry_due(utcnow() + LATER)
    [sent] = await wechat.rows(select(Delivery))
    assert sent.status == "sent"
    assert sent.text == PERSONAL_PLACEHOLDER
    assert sent_to(wechat, "zhangwei") == [reply.text]


async def test_permanent_error_not_retried(wechat: WeChatBot):
    case_id = await case_with_officer(wechat)
    # 81013: the member does not exist in the corp.
    wechat.fake.fail("message/send", 81013, touser="zhangwei")

    results = await wechat.services.outbox.deliver(
        [Reply(UserTarget("wecom", "zhangwei"), "工单 0001 已受理", case_id, "reporter")]
    )

    assert not results[0].retryable
    assert await wechat.services.outbox.retry_due(utcnow() + LATER) == 0
    rows = await wechat.rows(select(Delivery).order_by(Delivery.id))
    assert [(d.target_id, d.status, d.attempts) for d in rows] == [
        ("zhangwei", "failed", 1),
        ("officer-li", "sent", 1),
    ]
    assert len(wechat.fake.calls("message/send")) == 2
    assert len(sent_to(wechat, "officer-li")) == 1
    assert sent_to(wechat, "officer-li")[0].startswith("【发送失败】")


async def test_gives_up_and_reports_once(wechat: WeChatBot):
    case_id = await case_with_officer(wechat)
    wechat.fake.down = True
    await wechat.services.outbox.deliver(
        [Reply(UserTarget("wecom", "zhangwei"), "工单 0001 已受理", case_id, "reporter")]
    )

    # Still down when the retry window closes: the reply fails and the notice waits.
    assert await wechat.services.outbox.retry_due(utcnow() + GIVE_UP_AFTER + LATER) == 1
    rows = await wechat.rows(select(Delivery).order_by(Delivery.id))
    assert [(d.target_id, d.status) for d in rows] == [("zhangwei", "failed"), ("officer-li", "pending")]
    events = await wechat.rows(select(CaseEvent).where(CaseEvent.kind == "delivery_failed"))
    assert len(events) == 1

    wechat.fake.down = False
    await wechat.services.outbox.retry_due(utcnow() + GIVE_UP_AFTER + 2 * LATER)
    notices = sent_to(wechat, "officer-li")
    assert len(notices) == 1
    assert notices[0].startswith("【发送失败】阳光花园 工单 0001")
    assert sent_to(wechat, "zhangwei") == []


async def test_shutdown_releases_claims(wechat: WeChatBot):
    async with wechat.services.sessionmaker() as session, session.begin():
        session.add(
            Delivery(
                platform="wecom",
                target_kind="user",
                target_id="zhangwei",
                text="您好",
                status="sending",
                claimed_at=utcnow(),
                claimed_by=wechat.services.outbox.instance,
                give_up_at=utcnow() + GIVE_UP_AFTER,
            )
        )

    assert await wechat.services.outbox.release_claims() == 1

    await wechat.services.outbox.retry_due(utcnow() + timedelta(seconds=1))
    assert sent_to(wechat, "zhangwei") == ["您好"]
