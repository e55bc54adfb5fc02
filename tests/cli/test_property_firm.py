"""Naming a compound's property firm from the command line."""

from __future__ import annotations

from sqlalchemy import select

from models import Party, PartyKind
from models.db import create_engine, create_sessionmaker
from tests.cli.test_replay import run_cli_async


async def property_names(db_url: str) -> list[str]:
    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session:
            query = select(Party.name).where(Party.kind == PartyKind.PROPERTY.value).order_by(Party.compound_id)
            return list(await session.scalars(query))
    finally:
        await engine.dispose()


async def test_property_firm_renamed(db_url):
    await run_cli_async(["compound-add", "翠湖苑", "--code", "CHY"], db_url)
    await run_cli_async(["compound-add", "青山苑", "--code", "QSY"], db_url)

    code, out, _err = await run_cli_async(["property-firm", "CHY", "  安居物业服务有限公司 "], db_url)

    assert code == 0
    assert "翠湖苑的物业服务企业已设为“安居物业服务有限公司”" in out
    assert await property_names(db_url) == ["安居物业服务有限公司", "青山苑物业服务中心"]


async def test_property_firm_checks_input(db_url):
    await run_cli_async(["compound-add", "翠湖苑", "--code", "CHY"], db_url)

    code, _out, err = await run_cli_async(["property-firm", "NOPE", "安居物业"], db_url)
    assert code == 2
    assert "没有编码为 NOPE 的小区" in err

    code, _out, err = await run_cli_async(["property-firm", "CHY", "   "], db_url)
    assert code == 2
    assert "应为 1 到 100 个字" in err
    assert await property_names(db_url) == ["翠湖苑物业服务中心"]
