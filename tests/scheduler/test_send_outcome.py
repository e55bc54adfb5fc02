"""A notification counts as sent only when a recipient got it, and failed sends are retried a few times."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import Update, func, select

from handlers.directory import member_for
from handlers.messages import UserTarget
from handlers.outbox_store import FIRST_ATTEMPT_WAIT
from models import Delivery, Notification, NotificationStatus, utcnow
from scheduler.drafts import Draft
from scheduler.notify import store_drafts
from tests.crash import ProcessKilled, killed_after_commit
from tests.scheduler.conftest import Desk, local, scheduler_services


class FailingOutbound:
    """A platform that rejects every message, and records what it was given."""

    def __init__(self, platform: str = "test") -> None:
        self.platform = platform
        self.texts: list[str] = []

    async def send(self, target, text: str, *, reply_to: str | None = None) -> None:  # noqa: ANN001
        self.texts.append(text)
        msg = "connection reset"
        raise RuntimeError(msg)


async def store(desk: Desk, draft: Draft) -> None:
    async with desk.services.sessionmaker() as session, session.begin():
        await store_drafts(session, [draft], now=draft.due_at, config=desk.config)


async def notification(desk: Desk, key: str) -> Notification:
    async with desk.services.sessionmaker() as session:
        return await session.scalar(select(Notification).where(Notification.key == key))


async def delivery_count(desk: Desk) -> int:
    async with desk.services.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Delivery))


def replay_draft(key: str, *, platform: str = "replay", case_id: int | None = None) -> Draft:
    return Draft(
        key=key,
        kind="reminder",
        text="【催办】阳光花园 工单 0001 请尽快受理。",
        targets=[
            {"kind": "user", "platform": platform, "user_id": "专员小林"},
            {"kind": "user", "platform": platform, "user_id": "书记老张"},
        ],
        due_at=local(2026, 3, 3, 7, 30),
        case_id=case_id,
    )


async def test_no_adapter_marks_undeliverable(desk: Desk, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO, logger="scheduler")
    await store(desk, replay_draft("reminder:replay"))

    # 08:00 on a working Tuesday, before the digest time, so nothing else is sent.
    report = await desk.sweeper().run_once(local(2026, 3, 3, 8))

    assert report.notifications_sent == 0
    assert report.notifications_failed == 1
    row = await notification(desk, "reminder:replay")
    assert row.status == NotificationStatus.UNDELIVERABLE
    assert row.sent_at is None
    assert row.attempts == 1
    assert "no adapter for platform replay" in row.last_error
    messages = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "scheduler.notify"]
    assert not [m for _, m in messages if m.startswith("notification sent")]
    assert any(level == logging.WARNING and m.startswith("notification undeliverable") for level, m in messages)

    # No adapter appears by waiting, so the notification is not tried again.
    deliveries = await delivery_count(desk)
    await desk.sweeper().run_once(local(2026, 3, 3, 8, 20))
    assert await delivery_count(desk) == deliveries


async def test_failed_send_retried_then_failed(desk: Desk):
    await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))
    failing = FailingOutbound()
    desk.services.outbox.register(failing)

    # The 50% reminder, held since 04:45, is released at 07:00.
    first = await desk.sweeper().run_once(local(2026, 3, 3, 8))
    assert first.notifications_sent == 0
    assert first.notifications_retrying == 1
    reminder = await notification(desk, (await reminder_key(desk)))
    assert reminder.status == NotificationStatus.PENDING
    assert reminder.attempts == 1
    assert reminder.release_at == local(2026, 3, 3, 8, 5)

    def tries() -> int:
        return len([t for t in failing.texts if t.startswith("【催办】")])

    # A pass before the retry time sends nothing; then 5 minutes, 30 minutes
    # and 2 hours after each failure the reminder is tried again.
    await desk.sweeper().run_once(local(2026, 3, 3, 8, 1))
    assert tries() == 1
    await desk.sweeper().run_once(local(2026, 3, 3, 8, 5))
    assert tries() == 2
    await desk.sweeper().run_once(local(2026, 3, 3, 8, 35))
    assert tries() == 3
    last = await desk.sweeper().run_once(local(2026, 3, 3, 10, 35))
    assert tries() == 4
    assert last.notifications_failed >= 1

    reminder = await notification(desk, reminder.key)
    assert reminder.status == NotificationStatus.FAILED
    assert reminder.sent_at is None
    assert reminder.attempts == 4
    assert "connection reset" in reminder.last_error
    await desk.sweeper().run_once(local(2026, 3, 3, 15))
    assert tries() == 4


async def test_retry_delivers_after_outage(desk: Desk):
    await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))
    failing = FailingOutbound()
    desk.services.outbox.register(failing)
    await desk.sweeper().run_once(local(2026, 3, 3, 8))
    assert not [t for t in desk.sent_to("pm") if t.startswith("【催办】")]

    desk.services.outbox.register(desk.console)
    again = await desk.sweeper().run_once(local(2026, 3, 3, 8, 5))

    assert again.notifications_sent == 1
    assert len([t for t in desk.sent_to("pm") if t.startswith("【催办】")]) == 1
    reminder = await notification(desk, await reminder_key(desk))
    assert reminder.status == NotificationStatus.SENT
    assert reminder.attempts == 2
    assert reminder.sent_at == local(2026, 3, 3, 8, 5)


async def test_final_failure_reported_once(desk: Desk):
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))
    desk.services.outbox.register(FailingOutbound("flaky"))
    await store(desk, replay_draft("reminder:flaky", platform="flaky", case_id=case.id))

    def reports() -> list[str]:
        return [t for t in desk.sent_to("secretary") if t.startswith("【发送失败】")]

    await desk.sweeper().run_once(local(2026, 3, 3, 8))
    # While a retry is due, the branch gets no failure report yet.
    assert reports() == []
    for moment in [local(2026, 3, 3, 8, 5), local(2026, 3, 3, 8, 35), local(2026, 3, 3, 10, 35)]:
        await desk.sweeper().run_once(moment)

    assert (await notification(desk, "reminder:flaky")).status == NotificationStatus.FAILED
    assert len(reports()) == 1


@pytest.mark.parametrize(
    ("kind", "named"),
    [
        ("reminder", "发给承办方工作人员物业王经理、承办方工作人员物业小赵"),
        ("escalation", "发给工作人员物业王经理、工作人员物业小赵"),
    ],
)
async def test_failure_report_names_recipients(desk: Desk, kind: str, named: str):
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))
    async with desk.services.sessionmaker() as session, session.begin():
        await member_for(session, "flaky", "wang", "物业王经理")
        await member_for(session, "flaky", "zhao", "物业小赵")
    desk.services.outbox.register(FailingOutbound("flaky"))
    draft = replay_draft(f"{kind}:flaky", platform="flaky", case_id=case.id)
    draft.kind = kind
    draft.targets = [
        {"kind": "user", "platform": "flaky", "user_id": "wang"},
        {"kind": "user", "platform": "flaky", "user_id": "zhao"},
    ]
    await store(desk, draft)

    for moment in [local(2026, 3, 3, 8), local(2026, 3, 3, 8, 5), local(2026, 3, 3, 8, 35), local(2026, 3, 3, 10, 35)]:
        await desk.sweeper().run_once(moment)

    (report,) = [t for t in desk.sent_to("secretary") if t.startswith("【发送失败】")]
    assert report.startswith(f"【发送失败】阳光花园 工单 {case.number} {named}的消息未能通过flaky送达")
    assert "：“【催办】阳光花园 工单 0001" in report
    assert f"请人工转告，发送“查询 {case.number}”可在办理记录中查看未送达的消息。" in report


async def test_partial_failure_report_names_missed(desk: Desk):
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))
    async with desk.services.sessionmaker() as session, session.begin():
        await member_for(session, "flaky", "wang", "物业王经理")
    desk.services.outbox.register(FailingOutbound("flaky"))
    draft = replay_draft("escalation:mixed", platform="flaky", case_id=case.id)
    draft.kind = "escalation"
    draft.targets = [
        {"kind": "user", "platform": "test", "user_id": "community"},
        {"kind": "user", "platform": "flaky", "user_id": "wang"},
    ]
    await store(desk, draft)

    await desk.sweeper().run_once(local(2026, 3, 3, 8))

    assert (await notification(desk, "escalation:mixed")).status == NotificationStatus.SENT
    (report,) = [t for t in desk.sent_to("secretary") if t.startswith("【发送失败】")]
    assert f"工单 {case.number} 发给工作人员物业王经理的消息未能通过flaky送达" in report
    assert "community" not in report


async def test_failure_report_survives_kill(db_url: str, desk: Desk):
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))
    desk.services.outbox.register(FailingOutbound("flaky"))
    await store(desk, replay_draft("reminder:flaky", platform="flaky", case_id=case.id))
    for moment in [local(2026, 3, 3, 8), local(2026, 3, 3, 8, 5), local(2026, 3, 3, 8, 35)]:
        await desk.sweeper().run_once(moment)

    def marked_failed(written: object) -> bool:
        if not isinstance(written, Update) or written.table.name != Notification.__tablename__:
            return False
        return written.compile().params.get("status") == NotificationStatus.FAILED

    # The process dies right after the fourth attempt stores the final failure.
    with killed_after_commit(marked_failed), pytest.raises(ProcessKilled):
        await desk.sweeper().run_once(local(2026, 3, 3, 10, 35))
    assert (await notification(desk, "reminder:flaky")).status == NotificationStatus.FAILED
    assert not [t for t in desk.sent_to("secretary") if t.startswith("【发送失败】")]

    restarted, console = await scheduler_services(db_url)
    try:
        await desk.sweeper(services=restarted, instance="test-2").run_once(local(2026, 3, 3, 11))
        await restarted.outbox.retry_due(utcnow() + FIRST_ATTEMPT_WAIT)
        await restarted.outbox.retry_due(utcnow() + timedelta(hours=1))
    finally:
        await restarted.close()

    secretary = UserTarget("test", "secretary")
    reports = [t for target, t in console.sent if target == secretary and t.startswith("【发送失败】")]
    assert len(reports) == 1
    assert case.number in reports[0]


async def test_partial_delivery_counts_as_sent(desk: Desk):
    draft = replay_draft("reminder:mixed")
    draft.targets = [draft.targets[0], {"kind": "user", "platform": "test", "user_id": "liaison"}]
    await store(desk, draft)

    report = await desk.sweeper().run_once(local(2026, 3, 3, 8))

    assert report.notifications_sent == 1
    assert desk.sent_to("liaison") == [draft.text]
    row = await notification(desk, "reminder:mixed")
    assert row.status == NotificationStatus.SENT
    assert "no adapter for platform replay" in row.last_error


async def reminder_key(desk: Desk) -> str:
    async with desk.services.sessionmaker() as session:
        return await session.scalar(select(Notification.key).where(Notification.kind == "reminder"))
