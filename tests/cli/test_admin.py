"""Setting up a deployment from the command line: compounds, roles, routing."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_replay import run_cli_async, write_log


async def test_officer_granted_from_cli(db_url):
    code, out, _ = await run_cli_async(
        ["compound-add", "翠湖苑", "--code", "CHY", "--community", "东湖社区", "--street", "东湖街道"], db_url
    )
    assert code == 0
    assert "编码 CHY" in out

    code, out, _ = await run_cli_async(
        ["grant", "liaison_officer", "--platform", "wecom", "--user", "lina", "--compound", "CHY"], db_url
    )
    assert code == 0
    assert "小区专员" in out

    code, out, _ = await run_cli_async(["compounds"], db_url)
    assert "CHY" in out
    assert "东湖街道" in out


async def test_grant_unknown_compound_rejected(db_url):
    code, _out, err = await run_cli_async(
        ["grant", "property_manager", "--platform", "wecom", "--user", "wang", "--compound", "NOPE"], db_url
    )
    assert code == 2
    assert "没有编码为 NOPE 的小区" in err


async def test_duplicate_code_rejected(db_url):
    await run_cli_async(["compound-add", "翠湖苑", "--code", "CHY"], db_url)
    code, _out, err = await run_cli_async(["compound-add", "别的小区", "--code", "CHY"], db_url)
    assert code == 2
    assert "已被使用" in err


async def test_same_name_without_community_exits_2(db_url):
    await run_cli_async(["compound-add", "翠湖苑", "--code", "CHY", "--community", "东湖社区"], db_url)

    code, out, err = await run_cli_async(["compound-add", "翠湖苑"], db_url)
    _code, listing, _err = await run_cli_async(["compounds"], db_url)

    assert code == 2
    assert out == ""
    assert "已有名为「翠湖苑」的小区：CHY（东湖社区）" in err
    assert listing.count("翠湖苑") == 1


async def test_community_kept_on_its_street(db_url):
    await run_cli_async(
        ["compound-add", "松园", "--code", "SY1", "--community", "松园社区", "--street", "南湖街道"], db_url
    )

    code, _out, err = await run_cli_async(
        ["compound-add", "松园二期", "--code", "SY2", "--community", "松园社区", "--street", "北湖街道"], db_url
    )
    same, _out, _err = await run_cli_async(
        ["compound-add", "松园三期", "--code", "SY3", "--community", "松园社区", "--street", "南湖街道"], db_url
    )
    _code, listing, _err = await run_cli_async(["compounds"], db_url)

    assert code == 2
    assert "已属于「南湖街道」" in err
    assert same == 0
    assert "SY2" not in listing
    assert "北湖街道" not in listing
    assert listing.count("南湖街道") == 2


async def test_route_override_from_cli(db_url, tmp_path):
    await run_cli_async(["compound-add", "翠湖苑", "--code", "CHY"], db_url)
    code, out, _ = await run_cli_async(["route", "CHY", "repair", "party"], db_url)
    assert code == 0
    assert "设施报修" in out

    log = write_log(tmp_path / "chat.csv", ["2026-03-02 07:21,翠湖苑业主群,陈先生,9栋下水道堵了，污水漫到一楼大厅"])
    await run_cli_async(["replay", str(log), "--quiet"], db_url)
    _code, cases_out, _ = await run_cli_async(["cases", "--json", "--compound", "翠湖苑"], db_url)
    (case,) = [json.loads(line) for line in cases_out.splitlines()]
    assert case["category"] == "repair"
    assert case["route"] == "party"


async def test_route_accepts_chinese_names(db_url):
    await run_cli_async(["compound-add", "翠湖苑", "--code", "CHY"], db_url)

    code, out, err = await run_cli_async(["route", "CHY", "环境卫生", "业委会"], db_url)

    assert code == 0, err
    assert out.strip() == "翠湖苑：“环境卫生”类工单今后派给业委会"


async def test_route_rejects_unknown_names(db_url):
    await run_cli_async(["compound-add", "翠湖苑", "--code", "CHY"], db_url)

    code, _out, err = await run_cli_async(["route", "CHY", "环境", "物业"], db_url)

    assert code == 2
    assert "无效的类别 '环境'" in err
    assert "环境卫生（sanitation）" in err


@pytest.mark.parametrize("category", ["闲聊", "chat"])
async def test_route_rejects_chat(db_url, category):
    await run_cli_async(["compound-add", "翠湖苑", "--code", "CHY"], db_url)

    code, out, err = await run_cli_async(["route", "CHY", category, "业委会"], db_url)

    assert code == 2
    assert out == ""
    assert f"闲聊不登记工单，没有承办方 '{category}'" in err
    assert "闲聊（chat）" not in err


async def test_cases_unknown_compound_rejected(db_url):
    await run_cli_async(["compound-add", "翠湖苑", "--code", "CHY"], db_url)

    code, out, err = await run_cli_async(["cases", "--compound", "XQ9999"], db_url)

    assert code == 2
    assert out == ""
    assert "没有编码或名称为“XQ9999”的小区" in err


async def test_cases_compound_by_name_accepted(db_url):
    await run_cli_async(["compound-add", "翠湖苑", "--code", "CHY"], db_url)

    code, out, _err = await run_cli_async(["cases", "--compound", "翠湖苑"], db_url)

    assert code == 0
    assert "共 0 件" in out


async def test_cases_limit_keeps_newest(db_url, tmp_path):
    log = write_log(
        tmp_path / "chat.csv",
        [
            "2026-03-02 07:21,翠湖苑业主群,陈先生,3栋电梯又坏了",
            "2026-03-02 08:35,翠湖苑业主群,何先生,物业费凭什么涨这么多",
            "2026-03-02 09:10,翠湖苑业主群,刘姐,东门路灯不亮了",
        ],
    )
    await run_cli_async(["replay", str(log), "--quiet"], db_url)

    newest = await run_cli_async(["cases", "--json", "--limit", "2"], db_url)
    every = await run_cli_async(["cases", "--json", "--limit", "0"], db_url)
    negative = await run_cli_async(["cases", "--limit", "-1"], db_url)

    assert [json.loads(line)["number"] for line in newest[1].splitlines()] == ["0003", "0002"]
    assert [json.loads(line)["number"] for line in every[1].splitlines()] == ["0001", "0002", "0003"]
    assert negative[0] == 2


async def test_cases_limit_notes_cut(db_url, tmp_path):
    log = write_log(
        tmp_path / "chat.csv",
        [
            "2026-03-02 07:21,翠湖苑业主群,陈先生,3栋电梯又坏了",
            "2026-03-02 09:10,翠湖苑业主群,刘姐,东门路灯不亮了",
        ],
    )
    await run_cli_async(["replay", str(log), "--quiet"], db_url)

    cut = await run_cli_async(["cases", "--limit", "1"], db_url)
    whole = await run_cli_async(["cases", "--limit", "2"], db_url)

    assert cut[1].splitlines()[-1] == "列出最新的 1 件，另有更早的工单未列出；去掉 --limit 可列出全部"
    assert whole[1].splitlines()[-1] == "共 2 件"
