"""Binding the groups of a replayed log to existing compounds, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.adapters.replay import replay
from bot.adapters.replay_groups import PLATFORM, BindingKind, binding_line, ensure_bound
from handlers.directory import create_compound
from models import Case, ChatGroup, ChatKind, Compound
from tests.helpers import make_services


async def add_compounds(services, *names: str) -> dict[str, Compound]:
    async with services.sessionmaker() as session, session.begin():
        return {name: await create_compound(session, name) for name in names}


async def compound_count(services) -> int:
    async with services.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Compound)) or 0


async def stored_chat(services, group: str) -> ChatGroup:
    async with services.sessionmaker() as session:
        return await session.scalar(
            select(ChatGroup).where(ChatGroup.platform == PLATFORM, ChatGroup.chat_id == group)
        )


async def test_owners_group_joins_existing_compound(db_url):
    services, _ = await make_services(db_url)
    existing = await add_compounds(services, "阳光花园", "月光小区")

    binding = await ensure_bound(services.sessionmaker, "月光小区业主群")

    assert binding.kind is BindingKind.EXISTING
    assert binding.compound == f"月光小区（{existing['月光小区'].code}）"
    chat = await stored_chat(services, "月光小区业主群")
    assert chat.compound_id == existing["月光小区"].id
    assert chat.kind == ChatKind.RESIDENT_GROUP
    assert await compound_count(services) == 2


async def test_work_group_bound_as_staff_group(db_url):
    services, _ = await make_services(db_url)
    existing = await add_compounds(services, "阳光花园", "月光小区")

    binding = await ensure_bound(services.sessionmaker, "阳光花园工作群")

    assert binding.kind is BindingKind.EXISTING_STAFF
    chat = await stored_chat(services, "阳光花园工作群")
    assert chat.compound_id == existing["阳光花园"].id
    assert chat.kind == ChatKind.STAFF_GROUP
    assert await compound_count(services) == 2
    assert "的工作群绑定" in binding_line("阳光花园工作群", binding)


async def test_unknown_work_group_creates_no_compound(db_url):
    services, _ = await make_services(db_url)
    await add_compounds(services, "阳光花园")

    binding = await ensure_bound(services.sessionmaker, "翠竹园工作群")

    assert binding.kind is BindingKind.STAFF_UNMATCHED
    assert (await stored_chat(services, "翠竹园工作群")).compound_id is None
    assert await compound_count(services) == 1
    line = binding_line("翠竹园工作群", binding)
    assert "不新建小区" in line
    assert "绑定 小区编码 工作群" in line


async def test_unknown_owners_group_creates_compound(db_url):
    services, _ = await make_services(db_url)
    await add_compounds(services, "阳光花园")

    binding = await ensure_bound(services.sessionmaker, "和谐家园业主2群")

    assert binding.kind is BindingKind.CREATED
    assert binding.compound.startswith("和谐家园（XQ")
    assert await compound_count(services) == 2
    assert f"已新建小区 {binding.compound}" in binding_line("和谐家园业主2群", binding)


async def test_title_naming_two_compounds_stays_unbound(db_url):
    services, _ = await make_services(db_url)
    await add_compounds(services, "阳光花园")
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", code="XQ0100")

    binding = await ensure_bound(services.sessionmaker, "阳光花园业主群")

    assert binding.kind is BindingKind.AMBIGUOUS
    assert len(binding.compounds) == 2
    assert (await stored_chat(services, "阳光花园业主群")).compound_id is None
    assert await compound_count(services) == 2
    assert "XQ0100" in binding_line("阳光花园业主群", binding)


async def test_bound_group_left_alone(db_url):
    services, _ = await make_services(db_url)
    await add_compounds(services, "阳光花园")
    await ensure_bound(services.sessionmaker, "阳光花园业主群")

    assert await ensure_bound(services.sessionmaker, "阳光花园业主群") is None


async def test_work_group_bound_by_log_stays_staff(db_url, tmp_path):
    services, console = await make_services(db_url, console_platform=PLATFORM)
    await add_compounds(services, "阳光花园")
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", code="XQ0003")
    log = tmp_path / "chat.csv"
    log.write_text(
        "time,group,sender,text\n"
        "2026-03-09 08:55,阳光花园工作群,物业小王,3栋电梯明天上午维保\n"
        "2026-03-09 09:00,阳光花园工作群,专员,绑定 XQ0003\n"
        "2026-03-09 09:01,阳光花园工作群,物业小王,今天3栋电梯维保，停运两小时\n",
        encoding="utf-8",
    )
    echo = io.StringIO()

    summary = await replay(log, services.pipeline, zone=ZoneInfo("Asia/Shanghai"), echo=echo)

    assert "群名与多个小区相符" in echo.getvalue()
    replies = [text for _target, text in console.sent]
    assert len(replies) == 2
    assert "本群尚未绑定小区" in replies[0]
    assert replies[1].startswith("本群已作为“阳光花园”（XQ0003）的工作群绑定")
    assert summary.opened == 0
    assert (await stored_chat(services, "阳光花园工作群")).kind == ChatKind.STAFF_GROUP
    async with services.sessionmaker() as session:
        assert list(await session.scalars(select(Case))) == []
