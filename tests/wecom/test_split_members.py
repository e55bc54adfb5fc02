"""Two members of one WeCom user, written before the app and AI-bot accounts were linked, become one."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import UniqueConstraint, func, select

from handlers import member_merge
from handlers.directory import chat_for, member_for
from handlers.member_merge import member_references
from models import (
    Base,
    Case,
    CaseEvent,
    CaseReporter,
    Compound,
    Dwelling,
    Identity,
    Member,
    Occupant,
    PrivateChatHome,
    Role,
    RoleKind,
    utcnow,
)
from tests.helpers import make_services
from tests.wecom.aibot_group import OFFICER, aibot_says, bound_aibot_group
from tests.wecom.conftest import WeChatBot
from tests.wecom.test_callbacks import app_says, texts_to

RESIDENT = "wangfang"


async def _legacy_app_member(bot: WeChatBot, *, co_reporter: bool = False, resident_role: bool = False) -> int:
    """Write a second member for the resident's WeCom app account, as versions before the link did.

    The resident's AI-bot member reported case 0001 before. The app member
    gets a home, a role and a register entry, and with `co_reporter` it
    joined case 0001 too.
    """
    async with bot.services.sessionmaker() as session, session.begin():
        compound = (await session.scalars(select(Compound))).one()
        aibot_member = await session.scalar(
            select(Identity.member_id).where(Identity.platform == "wecom_aibot", Identity.platform_user_id == RESIDENT)
        )
        if resident_role:
            session.add(Role(member_id=aibot_member, role=RoleKind.RESIDENT, compound_id=compound.id))
        member = Member(display_name="王芳", phone="13800138000")
        member.identities.append(Identity(platform="wecom", platform_user_id=RESIDENT))
        session.add(member)
        await session.flush()
        now = utcnow()
        session.add(Role(member_id=member.id, role=RoleKind.RESIDENT, compound_id=compound.id))
        session.add(
            PrivateChatHome(
                platform="wecom",
                chat_id=RESIDENT,
                member_id=member.id,
                compound_id=compound.id,
                building="2",
                asked_at=now,
                answered_at=now,
            )
        )
        dwelling = Dwelling(compound_id=compound.id, building="2", unit="1", room="301")
        session.add(dwelling)
        await session.flush()
        session.add(
            Occupant(dwelling_id=dwelling.id, name="王芳", relation="业主", member_id=member.id, link_confirmed=True)
        )
        if co_reporter:
            case = (await session.scalars(select(Case))).one()
            session.add(CaseReporter(case_id=case.id, member_id=member.id, joined_at=now - timedelta(hours=1)))
            case.reporter_count += 1
        return member.id


async def _members_of_resident(bot: WeChatBot) -> set[int]:
    return set(await bot.rows(select(Identity.member_id).where(Identity.platform_user_id == RESIDENT)))


async def _references_to(bot: WeChatBot, member_id: int) -> dict[str, int]:
    """Count the rows of every column that refers to member.id, for one member."""
    counts: dict[str, int] = {}
    async with bot.services.sessionmaker() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if any(fk.column.table.name == "member" for fk in column.foreign_keys):
                    query = select(func.count()).select_from(table).where(column == member_id)
                    counts[f"{table.name}.{column.name}"] = await session.scalar(query) or 0
    return counts


async def test_app_message_merges_split_resident(wechat: WeChatBot):
    await bound_aibot_group(wechat)
    await aibot_says(wechat, "a-1", RESIDENT, "2号楼电梯坏了，困人了")
    [aibot_member] = await _members_of_resident(wechat)
    app_member = await _legacy_app_member(wechat)
    await aibot_says(wechat, "a-2", OFFICER, "受理 0001")
    await aibot_says(wechat, "a-3", OFFICER, "办结 0001 已修好")

    await app_says(wechat, RESIDENT, "评价 0001 满意", "m-1")

    assert texts_to(wechat, RESIDENT)[-1] == "感谢您的评价（满意）！工单 0001 已记录。"
    assert await _members_of_resident(wechat) == {aibot_member}
    assert await wechat.rows(select(Member.id).where(Member.id == app_member)) == []
    assert set((await _references_to(wechat, app_member)).values()) == {0}
    [survivor] = await wechat.rows(select(Member).where(Member.id == aibot_member))
    assert survivor.phone == "13800138000"
    assert await wechat.rows(select(Role.role).where(Role.member_id == aibot_member)) == [RoleKind.RESIDENT]
    assert await wechat.rows(select(PrivateChatHome.member_id)) == [aibot_member]
    assert await wechat.rows(select(Occupant.member_id)) == [aibot_member]
    [case] = await wechat.rows(select(Case))
    assert case.rating is not None
    assert case.reporter_id == aibot_member


async def test_merge_counts_shared_case_once(wechat: WeChatBot):
    await bound_aibot_group(wechat)
    await aibot_says(wechat, "a-1", RESIDENT, "2号楼电梯坏了，困人了")
    [aibot_member] = await _members_of_resident(wechat)
    await _legacy_app_member(wechat, co_reporter=True, resident_role=True)
    [reported] = await wechat.rows(select(CaseReporter.joined_at).where(CaseReporter.member_id != aibot_member))

    await app_says(wechat, RESIDENT, "我的工单", "m-1")

    [case] = await wechat.rows(select(Case))
    assert case.reporter_count == 1
    [report] = await wechat.rows(select(CaseReporter))
    assert report.member_id == aibot_member
    assert report.joined_at == reported
    assert await wechat.rows(select(Role.role).where(Role.member_id == aibot_member)) == [RoleKind.RESIDENT]
    [event] = await wechat.rows(select(CaseEvent).where(CaseEvent.kind == "reporters_merged"))
    assert event.data["count"] == 1
    assert "0001" in texts_to(wechat, RESIDENT)[-1]


async def test_failed_merge_leaves_members_apart(
    wechat: WeChatBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    await bound_aibot_group(wechat)
    await aibot_says(wechat, "a-1", RESIDENT, "2号楼电梯坏了，困人了")
    [aibot_member] = await _members_of_resident(wechat)
    app_member = await _legacy_app_member(wechat)

    async def broken(*_args: object) -> None:
        raise RuntimeError("merge step failed")

    monkeypatch.setattr(member_merge, "_repoint_split_events", broken)
    await app_says(wechat, RESIDENT, "我的工单", "m-1")

    assert await _members_of_resident(wechat) == {aibot_member, app_member}
    assert await wechat.rows(select(Identity.member_id).where(Identity.platform == "wecom")) == [app_member]
    assert await wechat.rows(select(Role.member_id).where(Role.role == RoleKind.RESIDENT)) == [app_member]
    assert await wechat.rows(select(PrivateChatHome.member_id)) == [app_member]
    assert await wechat.rows(select(CaseReporter.member_id)) == [aibot_member]
    assert any("merging members" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)
    assert len(texts_to(wechat, RESIDENT)) == 1

    monkeypatch.undo()
    await app_says(wechat, RESIDENT, "我的工单", "m-2")

    assert await _members_of_resident(wechat) == {aibot_member}


def test_member_references_not_unique():
    columns = member_references()

    assert columns
    for column in columns:
        for constraint in column.table.constraints:
            if isinstance(constraint, UniqueConstraint):
                assert column.name not in constraint.columns, f"{column} is in a unique constraint"
        for index in column.table.indexes:
            if index.unique:
                assert column.name not in index.columns, f"{column} is in a unique index"


async def test_concurrent_discoveries_merge_once(db_url: str, monkeypatch: pytest.MonkeyPatch):
    services, _console = await make_services(db_url)
    async with services.sessionmaker() as session, session.begin():
        older = Member(display_name="王芳")
        older.identities.append(Identity(platform="wecom_aibot", platform_user_id=RESIDENT))
        newer = Member(display_name="王芳")
        newer.identities.append(Identity(platform="wecom", platform_user_id=RESIDENT))
        session.add_all([older, newer])
    second_waits = asyncio.Event()
    lock_accounts = member_merge._lock_accounts

    async def announced_lock(*args: object) -> None:
        second_waits.set()
        await lock_accounts(*args)  # type: ignore[arg-type]

    async with services.sessionmaker() as first:
        await first.begin()
        # A message opens its transaction with a write, as the pipeline's claim does.
        await chat_for(first, "wecom", RESIDENT, private=True)
        merged = await member_for(first, "wecom", RESIDENT)
        monkeypatch.setattr(member_merge, "_lock_accounts", announced_lock)

        async def second_contact() -> int:
            async with services.sessionmaker() as second, second.begin():
                return (await member_for(second, "wecom_aibot", RESIDENT)).id

        # The second transaction saw two members before the first committed,
        # and reaches the lock while the first still holds it.
        racing = asyncio.create_task(second_contact())
        # Bounded only so that a second transaction that never reaches the
        # lock fails the test instead of hanging it.
        await asyncio.wait_for(second_waits.wait(), timeout=30)
        await first.commit()
        shared = await asyncio.wait_for(racing, timeout=30)

    assert merged.id == older.id
    assert shared == older.id
    async with services.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Member)) == 1
        members = set(await session.scalars(select(Identity.member_id)))
    assert members == {older.id}
