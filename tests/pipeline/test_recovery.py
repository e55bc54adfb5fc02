"""Messages stored but never processed, as a killed process leaves them, processed after a restart."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import Update, func, select, update
from sqlalchemy.exc import OperationalError

from handlers.messages import ChatTarget, InboundMessage
from handlers.outbox_store import FIRST_ATTEMPT_WAIT
from handlers.recovery import MAX_PENDING_AGE, MAX_RECOVERY_ATTEMPTS, process_pending
from handlers.replies import apology
from models import Case, Delivery, MessageOutcome, RawMessage, utcnow
from tests.crash import ProcessKilled, killed_after_commit
from tests.helpers import later, make_compound, make_services, message

GRACE = timedelta(seconds=30)


async def crashed_with(db_url: str, *messages: InboundMessage, age: timedelta = timedelta(minutes=5)) -> list[int]:
    """Store messages and stop before processing them, as a process killed after the store leaves them.

    The rows are dated `age` ago, so the pass's grace period is over.
    """
    services, _console = await make_services(db_url)
    ids = [await services.pipeline.store(m) for m in messages]
    assert None not in ids
    async with services.sessionmaker() as session, session.begin():
        await session.execute(update(RawMessage).where(RawMessage.id.in_(ids)).values(received_at=utcnow() - age))
    await services.close()
    return ids


async def raw_rows(services) -> list[RawMessage]:
    async with services.sessionmaker() as session:
        return list(await session.scalars(select(RawMessage).order_by(RawMessage.id)))


async def case_count(services) -> int:
    async with services.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Case)) or 0


def group_texts(console) -> list[str]:
    return [text for target, text in console.sent if isinstance(target, ChatTarget)]


def marked_failed(written: object) -> bool:
    """Tell whether a statement marks a raw message failed, as giving up on it does."""
    if not isinstance(written, Update) or written.table.name != RawMessage.__tablename__:
        return False
    return written.compile().params.get("outcome") == MessageOutcome.FAILED.value


async def send_after_restart(db_url: str):  # noqa: ANN201 - the new process's console
    """Start a new process and run its retry pass once the first-attempt wait is over."""
    services, console = await make_services(db_url)
    assert await services.outbox.retry_due(utcnow()) == 0
    await services.outbox.retry_due(utcnow() + FIRST_ATTEMPT_WAIT)
    assert await services.outbox.retry_due(utcnow() + timedelta(hours=1)) == 0
    return console


async def test_pending_report_opens_case_after_restart(db_url):
    setup, _ = await make_services(db_url)
    await make_compound(setup)
    (raw_id,) = await crashed_with(db_url, message("3栋2单元电梯坏了，卡在7楼不动", message_id="wx-1"))

    services, console = await make_services(db_url)
    counts = await process_pending(services.pipeline, grace=GRACE)

    assert counts.processed == 1
    (raw,) = await raw_rows(services)
    assert raw.id == raw_id
    assert raw.outcome == MessageOutcome.OPENED
    assert raw.case_id is not None
    assert await case_count(services) == 1
    (reply,) = group_texts(console)
    assert "工单 0001" in reply


async def test_pending_messages_keep_order_of_sending(db_url):
    setup, _ = await make_services(db_url)
    await make_compound(setup)
    report = message("5栋电梯坏了，按钮没反应", sender="u1", at=later(0), message_id="wx-10")
    me_too = message("+1", sender="u2", at=later(1), message_id="wx-11")
    # The "+1" reached the bot first, as concurrent callbacks may.
    await crashed_with(db_url, me_too, report)

    services, _console = await make_services(db_url)
    counts = await process_pending(services.pipeline, grace=GRACE)

    assert counts.processed == 2
    plus_one, opened = await raw_rows(services)
    assert opened.outcome == MessageOutcome.OPENED
    assert plus_one.outcome == MessageOutcome.ATTACHED
    assert plus_one.case_id == opened.case_id


async def test_two_processes_process_each_message_once(db_url):
    setup, _ = await make_services(db_url)
    for number in range(3):
        await make_compound(setup, f"小区{number}", chat_id=f"group-{number}")
    reports = [
        message(
            f"{number + 1}栋楼道灯不亮了", sender=f"u{number}", chat_id=f"group-{number}", message_id=f"wx-2{number}"
        )
        for number in range(3)
    ]
    await crashed_with(db_url, *reports)

    first, first_console = await make_services(db_url)
    second, second_console = await make_services(db_url)
    counts = await asyncio.gather(
        process_pending(first.pipeline, grace=GRACE), process_pending(second.pipeline, grace=GRACE)
    )

    assert sum(c.processed for c in counts) == 3
    assert await case_count(first) == 3
    assert [r.outcome for r in await raw_rows(first)] == [MessageOutcome.OPENED] * 3
    assert len(group_texts(first_console)) + len(group_texts(second_console)) == 3


async def test_redelivered_pending_message_is_processed(db_url):
    setup, _ = await make_services(db_url)
    await make_compound(setup)
    report = message("7栋地下车库漏水，墙上在渗水", message_id="wx-30")
    await crashed_with(db_url, report)

    services, console = await make_services(db_url)
    redelivered = await services.pipeline.handle(report)
    again = await services.pipeline.handle(report)

    assert not redelivered.duplicate
    assert redelivered.outcome == MessageOutcome.OPENED
    assert again.duplicate
    assert await case_count(services) == 1
    assert len(group_texts(console)) == 1


async def test_private_message_rebuilt_as_private(db_url):
    setup, _ = await make_services(db_url)
    await make_compound(setup)
    private = InboundMessage(
        platform="test",
        chat_id="resident-9",
        sender_id="resident-9",
        message_id="wx-40",
        sent_at=later(0),
        text="你好",
        is_private=True,
    )
    await crashed_with(db_url, private)

    services, console = await make_services(db_url)
    await process_pending(services.pipeline, grace=GRACE)

    (raw,) = await raw_rows(services)
    assert raw.is_private
    # A greeting in an unbound group would wait there as unbound.
    assert raw.outcome == MessageOutcome.IGNORED
    (question,) = group_texts(console)
    assert "哪个小区" in question


async def test_pass_skips_fresh_and_stale_messages(db_url):
    setup, _ = await make_services(db_url)
    await make_compound(setup)
    await crashed_with(db_url, message("9栋门禁坏了", message_id="wx-50"), age=timedelta(seconds=5))
    await crashed_with(db_url, message("8栋路灯坏了", message_id="wx-51"), age=MAX_PENDING_AGE + timedelta(hours=1))

    services, console = await make_services(db_url)
    counts = await process_pending(services.pipeline, grace=GRACE)

    assert counts.processed == 0
    assert [r.outcome for r in await raw_rows(services)] == [MessageOutcome.PENDING] * 2
    assert console.sent == []


async def test_claimed_message_holds_back_its_chat(db_url):
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite has no row locks; a second writer waits for the first instead")
    setup, _ = await make_services(db_url)
    await make_compound(setup)
    first_id, _second_id = await crashed_with(
        db_url,
        message("2栋电梯坏了", sender="u1", at=later(0), message_id="wx-60"),
        message("+1", sender="u2", at=later(1), message_id="wx-61"),
    )
    other, _ = await make_services(db_url)
    services, _console = await make_services(db_url)

    # Another process is in the middle of the first message.
    async with other.sessionmaker() as session, session.begin():
        await session.execute(select(RawMessage).where(RawMessage.id == first_id).with_for_update())
        while_locked = await process_pending(services.pipeline, grace=GRACE)

    assert while_locked.processed == 0
    assert while_locked.skipped == 2
    assert [r.outcome for r in await raw_rows(services)] == [MessageOutcome.PENDING] * 2
    after = await process_pending(services.pipeline, grace=GRACE)
    assert after.processed == 2
    assert [r.outcome for r in await raw_rows(services)] == [MessageOutcome.OPENED, MessageOutcome.ATTACHED]


async def test_unavailable_database_leaves_message_pending(db_url, monkeypatch):
    setup, _ = await make_services(db_url)
    await make_compound(setup)
    await crashed_with(db_url, message("6栋楼顶漏水", message_id="wx-70"))
    services, console = await make_services(db_url)
    pipeline = services.pipeline
    real_process = pipeline._process

    async def database_gone(*args, **kwargs):
        raise OperationalError("UPDATE raw_message", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(pipeline, "_process", database_gone)
    with pytest.raises(OperationalError):
        await process_pending(pipeline, grace=GRACE)

    (raw,) = await raw_rows(services)
    assert raw.outcome == MessageOutcome.PENDING
    assert console.sent == []
    monkeypatch.setattr(pipeline, "_process", real_process)
    counts = await process_pending(pipeline, grace=GRACE)
    assert counts.processed == 1


async def crash_every_attempt(pipeline, monkeypatch) -> None:
    """Run every recovery pass the limit allows with a process that dies mid-way."""

    async def process_dies(*args, **kwargs):
        # A process killed mid-way never commits, so the pass finds the message pending again.
        raise SystemExit("killed")

    monkeypatch.setattr(pipeline, "process", process_dies)
    for _ in range(MAX_RECOVERY_ATTEMPTS):
        with pytest.raises(SystemExit):
            await process_pending(pipeline, grace=GRACE)
    monkeypatch.undo()


async def test_message_that_keeps_crashing_is_given_up(db_url, monkeypatch):
    setup, _ = await make_services(db_url)
    await make_compound(setup)
    await crashed_with(db_url, message("4栋电梯异响", message_id="wx-80"))
    services, console = await make_services(db_url)
    pipeline = services.pipeline

    await crash_every_attempt(pipeline, monkeypatch)
    counts = await process_pending(pipeline, grace=GRACE)

    assert counts.gave_up == 1
    assert counts.processed == 0
    (raw,) = await raw_rows(services)
    assert raw.outcome == MessageOutcome.FAILED
    assert raw.recovery_attempts == MAX_RECOVERY_ATTEMPTS + 1
    assert await case_count(services) == 0
    assert group_texts(console) == [apology()]


async def test_given_up_register_keeps_no_personal_data(db_url, monkeypatch):
    setup, _ = await make_services(db_url)
    await make_compound(setup)
    registering = message("登记住户 3栋2单元1002 张三 业主 13812345678", message_id="wx-81")
    await crashed_with(db_url, registering)
    services, _console = await make_services(db_url)
    pipeline = services.pipeline

    await crash_every_attempt(pipeline, monkeypatch)
    counts = await process_pending(pipeline, grace=GRACE)

    assert counts.gave_up == 1
    (raw,) = await raw_rows(services)
    assert raw.outcome == MessageOutcome.FAILED
    assert raw.text == "登记住户（内容含个人信息，未保存）"


async def test_given_up_report_keeps_its_text(db_url, monkeypatch):
    setup, _ = await make_services(db_url)
    await make_compound(setup)
    await crashed_with(db_url, message("4栋电梯异响", message_id="wx-82"))
    services, _console = await make_services(db_url)
    pipeline = services.pipeline

    await crash_every_attempt(pipeline, monkeypatch)
    await process_pending(pipeline, grace=GRACE)

    (raw,) = await raw_rows(services)
    assert raw.outcome == MessageOutcome.FAILED
    assert raw.text == "4栋电梯异响"


async def test_given_up_apology_survives_kill(db_url, monkeypatch):
    setup, _ = await make_services(db_url)
    await make_compound(setup)
    await crashed_with(db_url, message("4栋电梯异响", message_id="wx-90"))
    services, console = await make_services(db_url)
    pipeline = services.pipeline

    await crash_every_attempt(pipeline, monkeypatch)
    with killed_after_commit(marked_failed), pytest.raises(ProcessKilled):
        await process_pending(pipeline, grace=GRACE)
    assert console.sent == []

    restarted = await send_after_restart(db_url)

    (raw,) = await raw_rows(services)
    assert raw.outcome == MessageOutcome.FAILED
    assert group_texts(restarted) == [apology()]


async def test_failed_processing_apology_survives_kill(db_url, monkeypatch):
    setup, _ = await make_services(db_url)
    await make_compound(setup)
    (raw_id,) = await crashed_with(db_url, message("6栋楼道灯坏了", message_id="wx-91"))
    services, console = await make_services(db_url)

    async def processing_bug(*args, **kwargs):
        raise KeyError("category")

    monkeypatch.setattr(services.pipeline, "_process", processing_bug)
    with killed_after_commit(marked_failed), pytest.raises(ProcessKilled):
        await process_pending(services.pipeline, grace=GRACE)
    assert console.sent == []

    restarted = await send_after_restart(db_url)

    async with services.sessionmaker() as session:
        (row,) = await session.scalars(select(Delivery))
    assert group_texts(restarted) == [apology()]
    assert row.status == "sent"
    assert row.reply_to == "wx-91"
    (raw,) = await raw_rows(services)
    assert raw.id == raw_id
    assert raw.outcome == MessageOutcome.FAILED
