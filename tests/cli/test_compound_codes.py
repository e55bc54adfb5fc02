"""Compound codes from compound-add are stored the way 绑定 reads them, or rejected in Chinese."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from models import Compound
from models.db import create_engine
from tests.cli.test_replay import run_cli
from tests.helpers import make_services, message, send


def stored_codes(db_url: str) -> list[str]:
    async def codes() -> list[str]:
        engine = create_engine(db_url)
        try:
            async with engine.connect() as connection:
                return list(await connection.scalars(select(Compound.code).order_by(Compound.id)))
        finally:
            await engine.dispose()

    return asyncio.run(codes())


def bind_reply(db_url: str, text: str) -> str:
    """Send a 绑定 in a new group through the pipeline and return the bot's reply."""

    async def bind() -> str:
        services, _console = await make_services(db_url)
        try:
            result = await send(services, message(text, sender="officer", chat_id="new-group"))
        finally:
            await services.close()
        return result.replies[0].text

    return asyncio.run(bind())


def test_full_width_code_stored_half_width(db_url, capsys):
    code, out, err = run_cli(["compound-add", "全角小区", "--code", "XQ０００９"], db_url, capsys)

    assert code == 0, err
    assert out == "已创建小区 全角小区，编码 XQ0009。在群里发送“绑定 XQ0009”即可绑定。\n"
    assert stored_codes(db_url) == ["XQ0009"]
    assert "本群已绑定到“全角小区”（XQ0009）" in bind_reply(db_url, "绑定 XQ０００９")


def test_bind_unknown_code_in_stored_form(db_url, capsys):
    run_cli(["compound-add", "全角小区", "--code", "XQ0009"], db_url, capsys)

    reply = bind_reply(db_url, "绑定 xq０００8")

    assert reply == "没有编码为“XQ0008”的小区，请向社区核对小区编码。"


def test_lower_case_code_stored_upper(db_url, capsys):
    run_cli(["compound-add", "小写小区", "--code", "xq0010"], db_url, capsys)

    code, out, err = run_cli(["compound-add", "另一小区", "--code", "XQ0010"], db_url, capsys)

    assert stored_codes(db_url) == ["XQ0010"]
    assert code == 2
    assert out == ""
    assert "小区编码 XQ0010 已被使用" in err


@pytest.mark.parametrize("bad", ["!!", "绑定", "0010", "XQ-01", "小区1"])
def test_code_not_letters_and_digits_rejected(db_url, capsys, bad):
    code, out, err = run_cli(["compound-add", "松园", "--code", bad], db_url, capsys)

    assert code == 2
    assert out == ""
    assert f"小区编码“{bad}”无效：应由英文字母和数字组成，并以字母开头，例如 XQ0001" in err
    assert stored_codes(db_url) == []


def test_grant_reads_code_as_typed(db_url, capsys):
    run_cli(["compound-add", "松园", "--code", "SY01"], db_url, capsys)

    code, _out, err = run_cli(
        ["grant", "liaison_officer", "--platform", "telegram", "--user", "42", "--compound", "ｓｙ01"], db_url, capsys
    )

    assert code == 0, err


def test_full_width_name_stored_half_width(db_url, capsys):
    code, out, err = run_cli(["compound-add", "ＡＢＣ小区", "--community", "Ｂ２社区"], db_url, capsys)

    assert code == 0, err
    assert out == "已创建小区 ABC小区，编码 XQ0001。在群里发送“绑定 XQ0001”即可绑定。\n"
    assert stored_names(db_url) == ["ABC小区"]


def test_full_width_name_matches_half_width(db_url, capsys):
    run_cli(["compound-add", "ＡＢＣ小区"], db_url, capsys)

    code, out, err = run_cli(["compound-add", "ABC小区"], db_url, capsys)

    assert code == 2
    assert out == ""
    assert "ABC小区" in err
    assert stored_names(db_url) == ["ABC小区"]


def stored_names(db_url: str) -> list[str]:
    async def names() -> list[str]:
        engine = create_engine(db_url)
        try:
            async with engine.connect() as connection:
                return list(await connection.scalars(select(Compound.name).order_by(Compound.id)))
        finally:
            await engine.dispose()

    return asyncio.run(names())
