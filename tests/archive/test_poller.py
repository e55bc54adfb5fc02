"""The archive poller driven through a fake SDK: residents write in a customer group."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.adapters.console import ConsoleOutbound
from bot.adapters.wecom_archive.keys import ArchiveKeyError, PrivateKeys
from handlers.directory import member_for
from handlers.messages import UserTarget
from handlers.outbox_store import FIRST_ATTEMPT_WAIT
from models import (
    ArchiveCursor,
    Attachment,
    Case,
    ChatGroup,
    Delivery,
    MessageOutcome,
    PartyKind,
    RawMessage,
    Role,
    RoleKind,
    utcnow,
)
from tests.archive.conftest import OFFICER_ID, ArchiveWorld
from tests.archive.fake_sdk import CORP, SimulatedCrash, new_key_pair, record, text
from tests.crash import ProcessKilled, killed_after_commit
from tests.helpers import T0, make_services


def at(minutes: float) -> int:
    """An archive msgtime: milliseconds since the epoch, minutes after T0."""
    return int((T0 + timedelta(minutes=minutes)).timestamp() * 1000)


async def count(world: ArchiveWorld, model: type) -> int:
    async with world.services.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def cursor_seq(world: ArchiveWorld) -> int:
    async with world.services.sessionmaker() as session:
        cursor = await session.get(ArchiveCursor, CORP)
        return cursor.seq if cursor else 0


async def raw_rows(world: ArchiveWorld) -> list[RawMessage]:
    async with world.services.sessionmaker() as session:
        return list((await session.scalars(select(RawMessage).order_by(RawMessage.id))).all())


async def test_batch_opens_and_joins_cases(world: ArchiveWorld) -> None:
    world.archive.add(text("m1", "wmResidentA", "3号楼电梯坏了，有人被困在里面", msgtime=at(0)))
    world.archive.add(text("m2", "wmResidentB", "我家也是", msgtime=at(1)))
    world.archive.add(text("m3", "wmResidentC", "今天天气不错", msgtime=at(2)))
    world.archive.add(text("m4", "wmResidentC", "小区门口垃圾堆了三天没人清理", msgtime=at(3)))

    result = await world.poller().poll_once()

    assert result.fetched == 4
    assert result.stored == 4
    assert result.cursor == 4
    assert await cursor_seq(world) == 4
    outcomes = [(r.platform_message_id, r.outcome) for r in await raw_rows(world)]
    assert outcomes == [
        ("m1", MessageOutcome.OPENED),
        ("m2", MessageOutcome.ATTACHED),
        ("m3", MessageOutcome.IGNORED),
        ("m4", MessageOutcome.OPENED),
    ]
    async with world.services.sessionmaker() as session:
        cases = (await session.scalars(select(Case).order_by(Case.id))).all()
    assert [c.category for c in cases] == ["repair", "sanitation"]
    assert cases[0].reporter_count == 2
    assert all(c.compound_id == world.compound.id for c in cases)


async def test_group_reply_recorded_as_not_sent(world: ArchiveWorld) -> None:
    world.archive.add(text("m1", "wmResidentA", "5栋楼道的灯坏了好几天了", msgtime=at(0)))

    await world.poller().poll_once()

    async with world.services.sessionmaker() as session:
        delivery = await session.scalar(select(Delivery).where(Delivery.target_kind == "chat"))
    assert delivery is not None
    assert delivery.status == "failed"
    assert "read-only" in (delivery.last_error or "")


async def test_second_poll_fetches_after_cursor(world: ArchiveWorld) -> None:
    world.archive.add(text("m1", "wmResidentA", "5栋楼道的灯坏了好几天了", msgtime=at(0)))
    poller = world.poller()
    await poller.poll_once()
    world.archive.add(text("m2", "wmResidentB", "2单元楼顶漏水", msgtime=at(5)))

    result = await poller.poll_once()

    assert world.archive.fetches[-1][0] == 1
    assert result.fetched == 1
    assert await count(world, RawMessage) == 2
    assert await count(world, Case) == 2


async def test_crash_before_commit_refetches_once(world: ArchiveWorld) -> None:
    world.archive.add(text("m1", "wmResidentA", "3号楼电梯坏了，有人被困在里面", msgtime=at(0)))
    world.archive.add(
        record("m2", "wmResidentA", "image", {"md5sum": "x", "filesize": 12, "sdkfileid": "F1"}, msgtime=at(1))
    )
    world.archive.media["F1"] = b"photo-bytes!"
    world.archive.crash_on_media = True

    with pytest.raises(SimulatedCrash):
        await world.poller().poll_once()

    assert await count(world, RawMessage) == 0
    assert await cursor_seq(world) == 0

    world.archive.crash_on_media = False
    restarted = world.poller()
    result = await restarted.poll_once()
    again = await restarted.poll_once()

    assert result.stored == 2
    assert again.fetched == 0
    assert await count(world, RawMessage) == 2
    assert await count(world, Case) == 1
    assert await cursor_seq(world) == 2


async def test_crash_after_commit_processes_pending(world: ArchiveWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    world.archive.add(text("m1", "wmResidentA", "3号楼电梯坏了，有人被困在里面", msgtime=at(0)))
    pipeline = world.services.pipeline
    real_process = pipeline.process

    async def crash(*_args: object, **_kwargs: object) -> None:
        raise SimulatedCrash

    monkeypatch.setattr(pipeline, "process", crash)
    with pytest.raises(SimulatedCrash):
        await world.poller().poll_once()
    rows = await raw_rows(world)
    assert [r.outcome for r in rows] == [MessageOutcome.PENDING]
    assert await cursor_seq(world) == 1

    monkeypatch.setattr(pipeline, "process", real_process)
    result = await world.poller().poll_once()

    assert result.fetched == 0
    assert result.processed == 1
    rows = await raw_rows(world)
    assert [r.outcome for r in rows] == [MessageOutcome.OPENED]
    assert await count(world, Case) == 1


async def test_recall_marks_withdrawn_and_tells_officer(world: ArchiveWorld) -> None:
    world.archive.add(text("m1", "wmResidentA", "3号楼电梯坏了，有人被困在里面", msgtime=at(0)))
    world.archive.add(
        record("m2", "wmResidentA", "revoke", {"pre_msgid": "m1"}, action="recall", msgtime=at(2))
    )

    await world.poller().poll_once()

    rows = {r.platform_message_id: r for r in await raw_rows(world)}
    assert rows["m1"].withdrawn is True
    assert rows["m2"].outcome == MessageOutcome.IGNORED
    assert rows["m2"].case_id == rows["m1"].case_id
    officer_messages = [t for target, t in world.console.sent if target == UserTarget("test", OFFICER_ID)]
    recall_notes = [t for t in officer_messages if t.startswith("【消息撤回】")]
    assert len(recall_notes) == 1
    assert "工单 0001" in recall_notes[0]


async def test_recall_notice_survives_kill(db_url: str, world: ArchiveWorld) -> None:
    world.archive.add(text("m1", "wmResidentA", "3号楼电梯坏了，有人被困在里面", msgtime=at(0)))
    world.archive.add(
        record("m2", "wmResidentA", "revoke", {"pre_msgid": "m1"}, action="recall", msgtime=at(2))
    )

    def withdrawn(written: object) -> bool:
        return isinstance(written, RawMessage) and written.withdrawn

    with killed_after_commit(withdrawn), pytest.raises(ProcessKilled):
        await world.poller().poll_once()
    officer = UserTarget("test", OFFICER_ID)
    assert not [t for target, t in world.console.sent if target == officer and t.startswith("【消息撤回】")]

    restarted, console = await make_services(db_url)
    await restarted.outbox.retry_due(utcnow() + FIRST_ATTEMPT_WAIT)
    await restarted.outbox.retry_due(utcnow() + timedelta(hours=1))

    recall_notes = [t for target, t in console.sent if target == officer and t.startswith("【消息撤回】")]
    assert len(recall_notes) == 1
    assert "工单 0001" in recall_notes[0]


async def test_recall_without_case_tells_nobody(world: ArchiveWorld) -> None:
    world.archive.add(text("m1", "wmResidentA", "今天天气不错", msgtime=at(0)))
    world.archive.add(
        record("m2", "wmResidentA", "revoke", {"pre_msgid": "m1"}, action="recall", msgtime=at(1))
    )

    await world.poller().poll_once()

    rows = {r.platform_message_id: r for r in await raw_rows(world)}
    assert rows["m1"].withdrawn is True
    assert rows["m2"].case_id is None
    assert world.console.sent == []


async def test_image_fetched_in_chunks_and_attached(world: ArchiveWorld) -> None:
    photo = bytes(range(256)) * 3
    world.archive.media["FILE-ID-1"] = photo
    world.archive.chunk_size = 100
    world.archive.add(text("m1", "wmResidentA", "2单元楼顶漏水", msgtime=at(0)))
    world.archive.add(
        record(
            "m2",
            "wmResidentA",
            "image",
            {"md5sum": "abc", "filesize": len(photo), "sdkfileid": "FILE-ID-1"},
            msgtime=at(1),
        )
    )

    await world.poller().poll_once()

    requests = [r for r in world.archive.media_requests if r[0] == "FILE-ID-1"]
    assert len(requests) == 8
    assert requests[0] == ("FILE-ID-1", "")
    async with world.services.sessionmaker() as session:
        attachment = await session.scalar(select(Attachment))
        case = await session.scalar(select(Case))
    assert attachment is not None
    assert case is not None
    assert attachment.kind == "image"
    assert attachment.case_id == case.id
    assert attachment.file_path is not None
    saved = Path(attachment.file_path)
    assert saved.is_relative_to(world.media_dir)
    assert saved.read_bytes() == photo
    assert attachment.meta["size"] == len(photo)


async def test_missing_media_still_stores_message(world: ArchiveWorld) -> None:
    world.archive.add(
        record(
            "m1",
            "wmResidentA",
            "file",
            {"md5sum": "", "filename": "照片.pdf", "fileext": "pdf", "filesize": 9, "sdkfileid": "GONE"},
            msgtime=at(0),
        )
    )

    await world.poller().poll_once()

    rows = await raw_rows(world)
    assert len(rows) == 1
    assert rows[0].attachments[0]["file_path"] is None
    assert "10005" in rows[0].attachments[0]["meta"]["error"]
    assert await cursor_seq(world) == 1


async def test_unknown_record_type_skipped(world: ArchiveWorld) -> None:
    world.archive.add(
        record(
            "m1",
            "wmResidentA",
            "vote",
            {"votetitle": "选新物业", "voteitem": ["A"], "votetype": 101, "voteid": "v1"},
            msgtime=at(0),
        )
    )
    world.archive.add({"msgid": "m2", "action": "switch", "time": at(1), "user": "zhangsan"})
    world.archive.add(text("m3", "wmResidentB", "5栋楼道的灯坏了好几天了", msgtime=at(2)))

    result = await world.poller().poll_once()

    assert result.skipped == 2
    rows = {r.platform_message_id: r for r in await raw_rows(world)}
    assert rows["m1"].outcome == MessageOutcome.IGNORED
    assert rows["m1"].attachments == [{"kind": "skipped", "meta": {"reason": "msgtype vote"}}]
    assert rows["m2"].outcome == MessageOutcome.IGNORED
    assert rows["m3"].outcome == MessageOutcome.OPENED
    assert await cursor_seq(world) == 3


async def test_unconfigured_key_version_reported(world: ArchiveWorld) -> None:
    second = new_key_pair()
    world.archive.public_keys[2] = second.public_key()
    world.archive.add(text("m1", "wmResidentA", "5栋楼道的灯坏了好几天了", msgtime=at(0)))
    world.archive.add(text("m2", "wmResidentB", "2单元楼顶漏水", msgtime=at(1)), version=2)
    world.archive.add(text("m3", "wmResidentC", "小区门口垃圾堆了三天没人清理", msgtime=at(2)))

    with pytest.raises(ArchiveKeyError) as raised:
        await world.poller().poll_once()

    message = str(raised.value)
    assert "version 2" in message
    assert "seq=2" in message
    assert "WECOM_ARCHIVE_PRIVATE_KEYS" in message
    assert "configured versions: 1" in message
    assert [r.platform_message_id for r in await raw_rows(world)] == ["m1"]
    assert await cursor_seq(world) == 1

    world.keys = PrivateKeys({1: world.keys._keys[1], 2: second})
    await world.poller().poll_once()

    assert [r.platform_message_id for r in await raw_rows(world)] == ["m1", "m2", "m3"]
    assert await cursor_seq(world) == 3


async def test_private_chats_ignored_unless_enabled(world: ArchiveWorld) -> None:
    world.archive.add(text("m1", "zhangsan", "您好，请问有什么需要？", room="", tolist=["wmResidentA"], msgtime=at(0)))
    world.archive.add(
        text("m2", "wmResidentA", "3号楼电梯坏了，有人被困在里面", room="", tolist=["zhangsan"], msgtime=at(1))
    )

    result = await world.poller().poll_once()

    assert result.dropped == 2
    assert await count(world, RawMessage) == 0
    assert await cursor_seq(world) == 2


async def test_private_chats_stored_when_enabled(world: ArchiveWorld) -> None:
    world.archive.add(
        text("m1", "wmResidentA", "3号楼电梯坏了，有人被困在里面", room="", tolist=["zhangsan"], msgtime=at(1))
    )

    await world.poller(include_private=True).poll_once()

    rows = await raw_rows(world)
    assert len(rows) == 1
    assert rows[0].chat_id == "single:wmResidentA|zhangsan"
    assert rows[0].outcome == MessageOutcome.UNBOUND


async def test_quoted_reply_links_quoted_message(world: ArchiveWorld) -> None:
    world.archive.add(text("m1", "wmResidentA", "2单元楼顶漏水", msgtime=at(0)))
    quoted = "「居民A：2单元楼顶漏水」\n- - - - - - - - - - - - - - -\n我家也是"
    world.archive.add(text("m2", "wmResidentB", quoted, msgtime=at(3)))

    await world.poller().poll_once()

    rows = {r.platform_message_id: r for r in await raw_rows(world)}
    assert rows["m2"].text == "我家也是"
    assert rows["m2"].reply_to == "m1"
    assert rows["m2"].case_id == rows["m1"].case_id
    assert rows["m2"].outcome == MessageOutcome.ATTACHED


async def test_backlog_worked_through_in_order(world: ArchiveWorld, caplog: pytest.LogCaptureFixture) -> None:
    for index in range(5):
        world.archive.add(text(f"m{index}", f"wmResident{index}", "今天天气不错", msgtime=at(index)))
    poller = world.poller(batch_size=2)
    stop = asyncio.Event()

    async def stop_when_done() -> None:
        while await cursor_seq(world) < 5:
            await asyncio.sleep(0.01)
        stop.set()

    caplog.set_level("INFO", logger="bot.wecom_archive")
    await asyncio.gather(poller.run(stop), stop_when_done())

    assert [seq for seq, _limit in world.archive.fetches[:3]] == [0, 2, 4]
    assert [r.platform_message_id for r in await raw_rows(world)] == [f"m{i}" for i in range(5)]
    assert any("archive backlog" in r.getMessage() for r in caplog.records)


async def test_officer_binds_group_from_archive(world: ArchiveWorld) -> None:
    async with world.services.sessionmaker() as session, session.begin():
        officer = await member_for(session, "wecom", "zhangsan", "张专员")
        session.add(Role(member_id=officer.id, role=RoleKind.LIAISON_OFFICER, compound_id=world.compound.id))
    world.archive.add(text("m1", "zhangsan", f"绑定 {world.compound.code}", room="wrNewGroup", msgtime=at(0)))
    world.archive.add(text("m2", "wmResidentA", "2单元楼顶漏水", room="wrNewGroup", msgtime=at(1)))

    await world.poller().poll_once()

    async with world.services.sessionmaker() as session:
        chat = await session.scalar(select(ChatGroup).where(ChatGroup.chat_id == "wrNewGroup"))
    assert chat is not None
    assert chat.compound_id == world.compound.id
    rows = {r.platform_message_id: r for r in await raw_rows(world)}
    assert rows["m1"].outcome == MessageOutcome.COMMAND
    assert rows["m2"].outcome == MessageOutcome.OPENED


async def test_linked_officer_told_once(world: ArchiveWorld) -> None:
    app = ConsoleOutbound(io.StringIO(), platform="wecom", quiet=True)
    world.services.outbox.register(app)
    branch = world.compound.party(PartyKind.PARTY)
    assert branch is not None
    async with world.services.sessionmaker() as session, session.begin():
        officer = await member_for(session, "wecom", "zhangsan", "张专员")
        session.add(
            Role(member_id=officer.id, role=RoleKind.LIAISON_OFFICER, compound_id=world.compound.id, party_id=branch.id)
        )
    world.archive.add(text("m1", "zhangsan", "好的，收到", msgtime=at(0)))
    world.archive.add(text("m2", "wmResidentA", "3号楼电梯坏了，有人被困在里面", msgtime=at(1)))

    await world.poller().poll_once()

    to_officer = [t for target, t in app.sent if target == UserTarget("wecom", "zhangsan")]
    new_case_notes = [t for t in to_officer if t.startswith("【抄送·紧急】")]
    assert len(new_case_notes) == 1
    assert "工单 0001" in new_case_notes[0]
    assert len(to_officer) == len(set(to_officer))
