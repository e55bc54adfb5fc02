"""Bad input to the set-up commands: a Chinese error, exit code 2 and nothing written.

The commands run in-process through bot.cli.main, which starts and closes
its own event loop, so these tests are plain functions.
"""

from __future__ import annotations

import asyncio
import errno
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.admin_checks import PLATFORMS
from models import Community, Compound, Identity, Member, Party, Role, Street
from models.db import create_engine
from nlp.os_errors import os_error_reason
from tests.cli.test_replay import run_cli


def count_rows(db_url: str, model: type) -> int:
    async def count() -> int:
        engine = create_engine(db_url)
        try:
            async with engine.connect() as connection:
                return await connection.scalar(select(func.count()).select_from(model)) or 0
        finally:
            await engine.dispose()

    return asyncio.run(count())


def compound_rows(db_url: str) -> list[tuple[str, str, str | None]]:
    async def rows() -> list[tuple[str, str, str | None]]:
        engine = create_engine(db_url)
        try:
            async with engine.connect() as connection:
                query = (
                    select(Compound.code, Compound.name, Community.name)
                    .outerjoin(Community, Compound.community_id == Community.id)
                    .order_by(Compound.code)
                )
                return [tuple(row) for row in await connection.execute(query)]
        finally:
            await engine.dispose()

    return asyncio.run(rows())


def test_duplicate_name_in_community_rejected(db_url, capsys):
    run_cli(["compound-add", "翠湖苑", "--code", "CHY", "--community", "东湖社区"], db_url, capsys)

    code, out, err = run_cli(["compound-add", "翠湖苑", "--community", "东湖社区"], db_url, capsys)
    padded, _out, padded_err = run_cli(["compound-add", " 翠湖苑 ", "--community", "东湖社区"], db_url, capsys)

    assert code == 2
    assert out == ""
    assert "社区「东湖社区」已有小区「翠湖苑」（编码 CHY）" in err
    assert padded == 2
    assert "已有小区「翠湖苑」" in padded_err
    assert compound_rows(db_url) == [("CHY", "翠湖苑", "东湖社区")]


def test_same_name_other_community_accepted(db_url, capsys):
    run_cli(["compound-add", "翠湖苑", "--code", "CHY", "--community", "东湖社区"], db_url, capsys)

    code, out, err = run_cli(["compound-add", "翠湖苑", "--code", "CHY2", "--community", "西湖社区"], db_url, capsys)

    assert code == 0, err
    assert "编码 CHY2" in out
    assert compound_rows(db_url) == [("CHY", "翠湖苑", "东湖社区"), ("CHY2", "翠湖苑", "西湖社区")]


def test_duplicate_name_without_community_rejected(db_url, capsys):
    run_cli(["compound-add", "翠湖苑", "--code", "CHY"], db_url, capsys)

    code, _out, err = run_cli(["compound-add", "翠湖苑"], db_url, capsys)

    assert code == 2
    assert "已有不属于任何社区的小区「翠湖苑」（编码 CHY）" in err
    assert "--community" in err
    assert count_rows(db_url, Compound) == 1


def test_bare_name_taken_in_community_rejected(db_url, capsys):
    setup = ["compound-add", "翠湖苑", "--code", "CHY", "--community", "东湖社区", "--street", "东湖街道"]
    run_cli(setup, db_url, capsys)
    parties = count_rows(db_url, Party)

    code, out, err = run_cli(["compound-add", "翠湖苑"], db_url, capsys)
    padded, _out, padded_err = run_cli(["compound-add", " 翠湖苑 ", "--code", "CHY2"], db_url, capsys)

    assert code == 2
    assert out == ""
    assert "已有名为「翠湖苑」的小区：CHY（东湖社区）" in err
    assert "无需再建" in err
    assert "请用 --community 写明它所属的社区" in err
    assert padded == 2
    assert "CHY（东湖社区）" in padded_err
    assert compound_rows(db_url) == [("CHY", "翠湖苑", "东湖社区")]
    assert count_rows(db_url, Party) == parties
    assert count_rows(db_url, Community) == 1
    assert count_rows(db_url, Street) == 1


def test_bare_name_lists_every_community(db_url, capsys):
    run_cli(["compound-add", "翠湖苑", "--code", "CHY", "--community", "东湖社区"], db_url, capsys)
    run_cli(["compound-add", "翠湖苑", "--code", "CHY2", "--community", "西湖社区"], db_url, capsys)

    code, _out, err = run_cli(["compound-add", "翠湖苑"], db_url, capsys)

    assert code == 2
    assert "已有名为「翠湖苑」的小区：CHY（东湖社区）、CHY2（西湖社区）" in err
    assert count_rows(db_url, Compound) == 2


def test_rejected_bare_name_added_with_community(db_url, capsys):
    run_cli(["compound-add", "翠湖苑", "--code", "CHY", "--community", "东湖社区"], db_url, capsys)
    run_cli(["compound-add", "翠湖苑"], db_url, capsys)

    code, out, err = run_cli(["compound-add", "翠湖苑", "--code", "CHY2", "--community", "西湖社区"], db_url, capsys)

    assert code == 0, err
    assert "编码 CHY2" in out
    assert compound_rows(db_url) == [("CHY", "翠湖苑", "东湖社区"), ("CHY2", "翠湖苑", "西湖社区")]


def test_street_alone_names_missing_community(db_url, capsys):
    run_cli(["compound-add", "松园", "--community", "松园社区", "--street", "南湖街道"], db_url, capsys)

    code, out, err = run_cli(["compound-add", "竹园", "--street", "南湖街道"], db_url, capsys)

    assert code == 2
    assert out == ""
    assert "请加上 --community 社区名称" in err
    # The street has one community, so the example command names it.
    assert "python -m bot compound-add 竹园 --community 松园社区 --street 南湖街道" in err
    assert "「南湖街道」下已有社区：松园社区" in err
    assert [name for _code, name, _community in compound_rows(db_url)] == ["松园"]


def test_street_alone_unknown_street(db_url, capsys):
    code, _out, err = run_cli(["compound-add", "竹园", "--street", "北湖街道"], db_url, capsys)

    assert code == 2
    assert "python -m bot compound-add 竹园 --community 社区名称 --street 北湖街道" in err
    assert "已有社区" not in err
    assert count_rows(db_url, Compound) == 0
    assert count_rows(db_url, Street) == 0


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["compound-add", ""], "小区名称不能为空"),
        (["compound-add", "   "], "小区名称不能为空"),
        (["compound-add", "园" * 101], "小区名称最长 100 个字，现在是 101 个字"),
        (["compound-add", "松园", "--code", ""], "小区编码（--code）不能为空"),
        (["compound-add", "松园", "--code", "SY 1"], "小区编码“SY 1”中不能有空格"),
        (["compound-add", "松园", "--code", "S" * 33], "小区编码最长 32 个字符"),
        (["compound-add", "松园", "--community", " "], "社区名称（--community）不能为空"),
        (["compound-add", "松园", "--community", "社" * 101], "社区名称（--community）最长 100 个字"),
        (["compound-add", "松园", "--community", "松园社区", "--street", ""], "街道名称（--street）不能为空"),
    ],
)
def test_compound_add_bad_input_rejected(db_url, capsys, args, phrase):
    code, out, err = run_cli(args, db_url, capsys)

    assert code == 2
    assert out == ""
    assert phrase in err
    assert count_rows(db_url, Compound) == 0
    assert count_rows(db_url, Community) == 0


SETUP = ["compound-add", "翠湖苑", "--code", "CHY", "--community", "东湖社区", "--street", "东湖街道"]


def grant_args(*extra: str, role: str = "liaison_officer", platform: str = "wecom", user: str = "lina") -> list[str]:
    return ["grant", role, "--platform", platform, "--user", user, *extra]


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (grant_args("--compound", "CHY", platform="wechat"), "不认识的平台“wechat”"),
        (grant_args("--compound", "CHY", platform=" "), "平台（--platform）不能为空"),
        (grant_args("--compound", "CHY", user=""), "用户 ID（--user）不能为空"),
        (grant_args("--compound", "CHY", user="u" * 129), "用户 ID 最长 128 个字符"),
        (grant_args("--compound", "CHY", platform="telegram", user="@lina"), "Telegram 的用户 ID 应是一串数字"),
        (grant_args("--compound", "CHY", "--name", "名" * 101), "显示名称（--name）最长 100 个字"),
        (grant_args("--street", "东湖街道"), "授予“小区专员”角色需要用 --compound 指定小区编码"),
        (grant_args("--compound", "CHY", "--community", "东湖社区"), "请去掉 --community"),
        (grant_args(role="community_staff"), "需要用 --community 指定社区名称"),
        (grant_args("--community", "", role="community_staff"), "社区名称（--community）不能为空"),
        (grant_args("--street", "东湖街道", "--compound", "CHY", role="street_staff"), "请去掉 --compound"),
        (grant_args("--compound", "NOPE"), "没有编码为 NOPE 的小区"),
    ],
)
def test_grant_bad_input_rejected(db_url, capsys, args, phrase):
    run_cli(SETUP, db_url, capsys)

    code, out, err = run_cli(args, db_url, capsys)

    assert code == 2
    assert out == ""
    assert phrase in err
    assert count_rows(db_url, Role) == 0
    assert count_rows(db_url, Member) == 0


@pytest.mark.parametrize(
    "scope",
    [
        ("liaison_officer", "--compound", "CHY"),
        ("community_staff", "--community", "东湖社区"),
        ("street_staff", "--street", "东湖街道"),
    ],
)
def test_duplicate_grant_rejected(db_url, capsys, scope):
    role, option, value = scope
    run_cli(SETUP, db_url, capsys)
    first, _out, first_err = run_cli(grant_args(option, value, role=role), db_url, capsys)

    code, out, err = run_cli(grant_args(option, value, role=role, platform="WeCom"), db_url, capsys)

    assert first == 0, first_err
    assert code == 2
    assert out == ""
    assert "wecom:lina 已有" in err
    assert "无需重复授予" in err
    assert count_rows(db_url, Role) == 1


def test_grant_platform_case_folded(db_url, capsys):
    run_cli(["compound-add", "翠湖苑", "--code", "CHY"], db_url, capsys)

    code, out, err = run_cli(grant_args("--compound", "CHY", platform=" WeCom ", user=" lina "), db_url, capsys)

    assert code == 0, err
    assert "已授予 wecom:lina" in out
    assert count_rows(db_url, Identity) == 1


def test_platform_names_match_adapters():
    from bot.adapters.replay import PLATFORM as REPLAY
    from bot.adapters.telegram.convert import PLATFORM as TELEGRAM
    from bot.adapters.wecom.outbound import PLATFORM_WEBHOOK
    from bot.adapters.wecom.parsing import PLATFORM_AIBOT, PLATFORM_APP, PLATFORM_MP
    from bot.adapters.wecom_longconn.protocol import PLATFORM as LONG_CONNECTION

    assert set(PLATFORMS) == {PLATFORM_APP, PLATFORM_AIBOT, PLATFORM_MP, TELEGRAM, PLATFORM_WEBHOOK, REPLAY}
    assert LONG_CONNECTION in PLATFORMS


def test_cases_ambiguous_name_rejected(db_url, capsys):
    run_cli(["compound-add", "翠湖苑", "--code", "CHY", "--community", "东湖社区"], db_url, capsys)
    run_cli(["compound-add", "翠湖苑", "--code", "CHY2", "--community", "西湖社区"], db_url, capsys)

    code, out, err = run_cli(["cases", "--compound", "翠湖苑"], db_url, capsys)
    by_code, by_code_out, _err = run_cli(["cases", "--compound", "CHY2"], db_url, capsys)

    assert code == 2
    assert out == ""
    assert "有 2 个小区都叫“翠湖苑”：CHY（东湖社区）、CHY2（西湖社区）" in err
    assert "--compound CHY" in err
    assert by_code == 0
    assert "共 0 件" in by_code_out


def test_export_to_missing_folder_reported(db_url, capsys, tmp_path: Path):
    run_cli(["compound-add", "翠湖苑", "--code", "CHY"], db_url, capsys)
    target = tmp_path / "missing" / "register.csv"

    code, _out, err = run_cli(["register-export", "--compound", "CHY", "--output", str(target)], db_url, capsys)

    assert code == 2
    assert f"无法写入导出文件 {target}：文件或所在目录不存在。" in err
    assert "No such file" not in err
    assert "数据库" not in err
    assert not target.parent.exists()


def test_import_of_header_alone_rejected(db_url, capsys, tmp_path: Path):
    run_cli(["compound-add", "翠湖苑", "--code", "CHY"], db_url, capsys)
    source = tmp_path / "register.csv"
    source.write_text("楼栋,单元,房号,姓名,关系\n\n", encoding="utf-8")

    code, out, err = run_cli(["register-import", "--compound", "CHY", str(source)], db_url, capsys)

    assert code == 2
    assert out == ""
    assert err == f"{source} 中只有表头，没有住户数据，未导入任何数据。请在表头下方逐行填写住户后重新导入。\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_export_to_full_disk_reported(db_url, capsys):
    run_cli(["compound-add", "翠湖苑", "--code", "CHY"], db_url, capsys)

    code, _out, err = run_cli(["register-export", "--compound", "CHY", "--output", "/dev/full"], db_url, capsys)

    assert code == 2
    assert "写入导出文件 /dev/full 失败（磁盘空间已满）" in err
    assert "已删除" not in err
    assert Path("/dev/full").is_char_device()


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (PermissionError(errno.EACCES, "Permission denied"), "没有权限"),
        (OSError(errno.EROFS, "Read-only file system"), "所在的文件系统是只读的"),
        (OSError(errno.EMFILE, "Too many open files"), "系统错误 EMFILE"),
        (OSError("no number"), "系统错误"),
    ],
)
def test_os_error_reason_in_chinese(error, reason):
    assert os_error_reason(error) == reason
