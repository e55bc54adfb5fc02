"""Issuing, listing and revoking personal dashboard tokens from the command line."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import text

from bot.admin import add_compound
from bot.dashboard_viewers import add_viewer, revoke_viewer
from models import utcnow
from models.db import create_engine, create_sessionmaker
from tests.cli.test_replay import run_cli_async
from tests.dashboard.conftest import start_dashboard

_TOKEN_LINE = re.compile(r"^  (\S{43})$", re.MULTILINE)


async def add_areas(db_url: str, *, revoked_viewer: bool = False) -> None:
    """Add two streets with a community and a compound each, in this process to save CLI starts.

    With `revoked_viewer`, also issue the token of viewer 1 and revoke it.
    """
    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            await add_compound(session, "翠湖苑", community="湖滨社区", street="城南街道")
            await add_compound(session, "松园", community="山下社区", street="城北街道")
            if revoked_viewer:
                await add_viewer(session, "区 张某", now=utcnow())
                await revoke_viewer(session, "1", utcnow())
    finally:
        await engine.dispose()


def token_in(output: str) -> str:
    match = _TOKEN_LINE.search(output)
    assert match, output
    return match.group(1)


async def stored_rows(db_url: str) -> list[dict]:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(text("SELECT * FROM dashboard_viewer ORDER BY id"))
            return [dict(row) for row in result.mappings()]
    finally:
        await engine.dispose()


async def test_viewer_added_listed_and_revoked(db_url):
    await add_areas(db_url)

    code, out, err = await run_cli_async(
        ["dashboard-viewer-add", "--name", "城南街道 王某", "--street", "城南街道", "--days", "30"], db_url
    )
    token = token_in(out)
    _code, listing, _err = await run_cli_async(["dashboard-viewers"], db_url)
    revoked, revoke_out, _err = await run_cli_async(["dashboard-viewer-revoke", "1"], db_url)
    _code, after, _err = await run_cli_async(["dashboard-viewers"], db_url)

    assert code == 0, err
    assert "编号 1，范围：城南街道" in out
    assert f"/dashboard?token={token}" in out
    assert "口令只显示这一次" in out
    assert "城南街道 王某" in listing
    assert "有效" in listing
    assert token not in listing
    assert revoked == 0
    assert "已撤销“城南街道 王某”的看板口令（编号 1）" in revoke_out
    assert "已撤销" in after


async def test_token_stored_as_hash(db_url):
    await add_areas(db_url)

    _code, out, _err = await run_cli_async(
        ["dashboard-viewer-add", "--name", "山下社区 李某", "--community", "山下社区"], db_url
    )
    token = token_in(out)
    (row,) = await stored_rows(db_url)

    assert all(token not in str(value) for value in row.values())
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert row["community_id"] is not None
    assert row["street_id"] is None
    assert row["expires_at"] is None


async def test_issued_token_opens_own_street(db_url):
    await add_areas(db_url)
    _code, out, _err = await run_cli_async(["dashboard-viewer-add", "--name", "城北街道 周某", "--street", "2"], db_url)
    token = token_in(out)

    _services, client = await start_dashboard(db_url)
    try:
        response = await client.get("/dashboard.json", headers={"Authorization": f"Bearer {token}"})
        body = await response.json()
    finally:
        await client.close()

    assert "范围：城北街道" in out
    assert response.status == 200
    assert [row["name"] for row in body["compounds"]] == ["松园"]


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["--name", "王某", "--street", "城西街道"], "没有名称或编号为“城西街道”的街道"),
        (["--name", "王某", "--community", "99"], "没有名称或编号为“99”的社区"),
        (["--name", "王某", "--street", "城南街道", "--community", "湖滨社区"], "--street 和 --community 只能给一个"),
        (["--name", "  "], "姓名（--name）不能为空"),
        (["--name", "王某\n李某"], "控制字符"),
        (["--name", "王某", "--days", "0"], "有效天数（--days）应为 1 到 3650 天"),
    ],
)
async def test_add_rejects_bad_input(db_url, args, phrase):
    await add_areas(db_url)

    code, out, err = await run_cli_async(["dashboard-viewer-add", *args], db_url)

    assert code == 2
    assert phrase in err
    assert out == ""
    assert await stored_rows(db_url) == []


async def test_duplicate_name_rejected_until_revoked(db_url):
    await run_cli_async(["dashboard-viewer-add", "--name", "区 张某"], db_url)

    duplicate, _out, err = await run_cli_async(["dashboard-viewer-add", "--name", "区 张某"], db_url)
    await run_cli_async(["dashboard-viewer-revoke", "1"], db_url)
    reissued, out, _err = await run_cli_async(["dashboard-viewer-add", "--name", "区 张某"], db_url)

    assert duplicate == 2
    assert "“区 张某”已有有效的看板口令（编号 1）" in err
    assert "dashboard-viewer-revoke 1" in err
    assert reissued == 0
    assert "编号 2，范围：全区" in out


@pytest.mark.parametrize(
    ("viewer_id", "phrase"),
    [("7", "没有编号为 7 的看板口令"), ("abc", "看板口令编号应是数字"), ("1", "已经撤销，无需重复撤销")],
)
async def test_revoke_rejects_bad_id(db_url, viewer_id, phrase):
    await add_areas(db_url, revoked_viewer=True)

    code, _out, err = await run_cli_async(["dashboard-viewer-revoke", viewer_id], db_url)

    assert code == 2
    assert phrase in err
