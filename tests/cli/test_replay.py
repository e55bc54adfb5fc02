"""`python -m bot replay` and `python -m bot cases` on real files and databases."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo" / "compound_day.csv"


def write_log(path: Path, lines: list[str]) -> Path:
    path.write_text("time,group,sender,text\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_cli(args: list[str], db_url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--database-url", db_url, *args])
    out, err = capsys.readouterr()
    return code, out, err


async def run_cli_async(
    args: list[str], db_url: str, *, env_extra: dict[str, str] | None = None
) -> tuple[int, str, str]:
    # The CLI starts its own event loop, so async tests run it in a subprocess.
    env = {**os.environ, "DATABASE_URL": db_url, **(env_extra or {})}
    completed = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return completed.returncode, completed.stdout, completed.stderr


async def test_malformed_line_reported_and_skipped(db_url, tmp_path):
    log = write_log(
        tmp_path / "chat.csv",
        [
            "2026-03-02 07:21,翠湖苑业主群,陈先生,3栋电梯又坏了",
            "not-a-time,翠湖苑业主群,刘姐,东门路灯不亮",
            "2026-03-02 07:30,,孙工,没有群名",
            '2026-03-02 07:40,翠湖苑业主群,王阿姨,"9栋下水道堵了",多出来的一列',
            "2026-03-02 07:50,翠湖苑业主群,周女士,早上好",
        ],
    )

    code, out, _err = await run_cli_async(["replay", str(log)], db_url)

    assert code == 0
    assert "第 3 行已跳过：时间格式无法识别" in out
    assert "第 4 行已跳过：缺少字段：group" in out
    assert "第 5 行已跳过" in out
    assert "已登记：工单 0001" in out
    assert "已新建小区 翠湖苑" in out


async def test_replay_logs_to_file_not_terminal(db_url, tmp_path):
    log = write_log(
        tmp_path / "chat.csv",
        ["2026-03-02 07:21,翠湖苑业主群,陈先生,3栋电梯又坏了", "not-a-time,翠湖苑业主群,刘姐,东门路灯不亮"],
    )
    data_dir = tmp_path / "data"

    code, out, err = await run_cli_async(["replay", str(log)], db_url, env_extra={"DATA_DIR": str(data_dir)})

    assert code == 0
    assert "第 3 行已跳过：时间格式无法识别" in out
    assert "WARNING" not in err
    assert "skipped" not in err
    assert err == f"回放过程中有 1 条警告或错误，详见运行日志（英文）：{data_dir / 'replay.log'}\n"
    assert "replay line 3 skipped" in (data_dir / "replay.log").read_text(encoding="utf-8")


async def test_replay_twice_opens_nothing_new(db_url, tmp_path):
    log = write_log(
        tmp_path / "chat.csv",
        [
            "2026-03-02 07:21,翠湖苑业主群,陈先生,3栋电梯又坏了",
            "2026-03-02 08:35,翠湖苑业主群,何先生,物业费凭什么涨这么多",
        ],
    )

    await run_cli_async(["replay", str(log), "--quiet"], db_url)
    await run_cli_async(["replay", str(log), "--quiet"], db_url)
    code, out, _err = await run_cli_async(["cases", "--json"], db_url)

    assert code == 0
    cases = [json.loads(line) for line in out.splitlines()]
    assert [c["number"] for c in cases] == ["0001", "0002"]
    assert {c["route"] for c in cases} == {"property", "committee"}


async def test_demo_log_end_to_end(db_url):
    code, out, err = await run_cli_async(["replay", str(DEMO), "--quiet"], db_url)

    assert code == 0, err
    assert "回放汇总" in out
    assert re.search(r"^\s*处理失败\s+0$", out, re.MULTILINE)
    assert re.search(r"^格式错误已跳过的行\s+0$", out, re.MULTILINE)
    code, cases_out, _ = await run_cli_async(["cases", "--json"], db_url)
    cases = [json.loads(line) for line in cases_out.splitlines()]
    lift_cases = [
        c for c in cases if "电梯" in c["text"] and c["location"]["building"] == "3" and c["category"] == "repair"
    ]
    assert len(lift_cases) == 1
    assert lift_cases[0]["reporters"] >= 4
    assert any(c["urgency"] == "urgent" for c in cases)
    assert {"property", "committee", "party"} <= {c["route"] for c in cases}


async def test_replay_uses_limits_file(db_url, tmp_path):
    limits = tmp_path / "limits.json"
    rule = {"name": "all", "categories": [], "urgent": None, "acknowledge": [3, "hours"], "resolve": [2, "days"]}
    limits.write_text(json.dumps([rule]), encoding="utf-8")
    log = write_log(tmp_path / "chat.csv", ["2026-03-02 07:21,翠湖苑业主群,陈先生,3栋电梯坏了"])

    code, out, err = await run_cli_async(["replay", str(log)], db_url, env_extra={"LIMITS_FILE": str(limits)})

    assert code == 0, err
    assert "3小时内响应，2天内办结" in out
    assert "1个工作日内响应" not in out


async def test_replay_rejects_bad_limits_file(db_url, tmp_path):
    limits = tmp_path / "limits.json"
    rule = {"name": "u", "urgent": True, "acknowledge": [3, "hours"], "resolve": [2, "days"]}
    limits.write_text(json.dumps([rule]), encoding="utf-8")
    log = write_log(tmp_path / "chat.csv", ["2026-03-02 07:21,翠湖苑业主群,陈先生,3栋电梯坏了"])

    code, out, err = await run_cli_async(["replay", str(log)], db_url, env_extra={"LIMITS_FILE": str(limits)})

    assert code == 2
    assert out == ""
    assert err.startswith(f"配置错误：LIMITS_FILE={limits} 无效：内容不符合格式（没有规则适用于非紧急的")


def test_replay_missing_file(tmp_path, capsys):
    code, _out, err = run_cli(["replay", str(tmp_path / "none.csv")], f"sqlite+aiosqlite:///{tmp_path}/x.db", capsys)
    assert code == 2
    assert "找不到聊天记录文件" in err


def test_replay_wrong_header(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("when,who,what\n1,2,3\n", encoding="utf-8")
    code, _out, err = run_cli(["replay", str(bad)], f"sqlite+aiosqlite:///{tmp_path}/x.db", capsys)
    assert code == 2
    assert "缺少：time,group,sender,text" in err


def test_replay_not_utf8(tmp_path, capsys):
    bad = tmp_path / "gbk.csv"
    bad.write_bytes("time,group,sender,text\n2026-03-02 07:21,群,人,电梯坏了\n".encode("gbk"))
    code, _out, err = run_cli(["replay", str(bad)], f"sqlite+aiosqlite:///{tmp_path}/x.db", capsys)
    assert code == 2
    assert "不是 UTF-8 编码" in err


def test_bad_database_url(capsys):
    code = main(["--database-url", "mysql://x", "cases"])
    _out, err = capsys.readouterr()
    assert code == 2
    assert "DATABASE_URL" in err


async def test_group_titles_share_a_compound(db_url, tmp_path):
    log = write_log(
        tmp_path / "chat.csv",
        [
            "2026-03-02 07:21,翠湖苑业主群,陈先生,3栋电梯又坏了",
            "2026-03-02 07:30,【翠湖苑】业主交流群,何先生,物业费凭什么涨这么多",
            "2026-03-02 07:40,翠湖苑1-3栋楼栋群,孙工,9栋下水道堵了",
            "2026-03-02 07:50,和谐家园业主2群,周女士,东门路灯不亮了",
        ],
    )

    code, out, _err = await run_cli_async(["replay", str(log)], db_url)

    assert code == 0
    assert "已新建小区 翠湖苑" in out
    assert "已绑定到现有小区 翠湖苑" in out
    assert "已新建小区 和谐家园" in out
    code, cases_out, _ = await run_cli_async(["cases", "--json"], db_url)
    compounds = {json.loads(line)["compound_name"] for line in cases_out.splitlines()}
    assert compounds == {"翠湖苑", "和谐家园"}


async def test_summary_rows_add_up(db_url, tmp_path):
    log = write_log(
        tmp_path / "chat.csv",
        [
            "2026-03-02 07:21,翠湖苑业主群,陈先生,3栋电梯又坏了，还有东门路灯也不亮",
            "2026-03-02 07:22,翠湖苑业主群,刘姐,+1",
            "2026-03-02 07:23,翠湖苑业主群,周女士,早上好",
            "2026-03-02 07:24,翠湖苑业主群,王阿姨,[表情]",
            "2026-03-02 07:25,翠湖苑业主群,孙工",
        ],
    )

    code, out, _err = await run_cli_async(["replay", str(log), "--quiet"], db_url)

    assert code == 0
    counts = {
        label.strip(): int(value)
        for label, value in re.findall(r"^(\s*\S+?)\s{2,}(\d+)$", out, re.MULTILINE)
    }
    per_message = [
        "立了新工单",
        "只并入已有工单",
        "补充或更正工单位置",
        "补充本人工单的情况",
        "忽略（闲聊等）",
        "指令",
        "未绑定群消息",
        "处理失败",
        "此前已回放过",
    ]
    assert counts["消息"] == 4
    assert sum(counts[label] for label in per_message) == counts["消息"]
    assert counts["格式错误已跳过的行"] == 1
    assert "第 6 行已跳过：缺少字段：text" in out


def summary_counts(out: str) -> dict[str, int]:
    return {label.strip(): int(value) for label, value in re.findall(r"^(\s*\S+?)\s{2,}(\d+)$", out, re.MULTILINE)}


async def test_location_lines_counted_apart_from_joins(db_url, tmp_path):
    log = write_log(
        tmp_path / "chat.csv",
        [
            "2026-03-09 09:40,阳光花园业主群,戊,路灯不亮",
            "2026-03-09 09:41,阳光花园业主群,戊,是12栋的",
            "2026-03-09 09:42,阳光花园业主群,己,+1",
        ],
    )

    code, out, _err = await run_cli_async(["replay", str(log)], db_url)

    assert code == 0
    assert "已补充位置：工单 0001 的位置记为12栋" in out
    counts = summary_counts(out)
    assert counts["立了新工单"] == 1
    assert counts["补充或更正工单位置"] == 1
    assert counts["只并入已有工单"] == 1
    assert counts["并入已有工单（次）"] == 1


async def test_detail_lines_counted_apart(db_url, tmp_path):
    log = write_log(
        tmp_path / "chat.csv",
        [
            "2026-03-09 08:50,阳光花园业主群,庚,地下车库入口的栏杆坏了，一直抬不起来",
            "2026-03-09 08:52,阳光花园业主群,庚,车都堵在外面了",
            "2026-03-09 08:53,阳光花园业主群,庚,赶紧来人修一下",
        ],
    )

    code, out, _err = await run_cli_async(["replay", str(log)], db_url)

    assert code == 0
    assert "补充信息已记入工单 0001" in out
    counts = summary_counts(out)
    assert counts["立了新工单"] == 1
    assert counts["补充本人工单的情况"] == 2
    assert counts["只并入已有工单"] == 0
    assert counts["新立工单（件）"] == 1


async def test_group_titles_find_existing_compounds(db_url, tmp_path):
    for name in ("阳光花园", "月光小区"):
        code, _out, err = await run_cli_async(["compound-add", name], db_url)
        assert code == 0, err
    code, _out, err = await run_cli_async(
        ["grant", "liaison_officer", "--platform", "replay", "--user", "专员小林", "--compound", "XQ0001"], db_url
    )
    assert code == 0, err
    log = write_log(
        tmp_path / "chat.csv",
        [
            "2026-03-09 09:00,月光小区业主群,月光居民,3号楼电梯坏了",
            "2026-03-09 09:01,阳光花园工作群,专员小林,绑定 XQ0001 工作群",
            "2026-03-09 09:02,阳光花园工作群,专员小林,登记住户 3栋2单元1002 张三 业主 13812345678 独居老人",
            "2026-03-09 09:03,阳光花园工作群,物业老王,今天下午开会",
            "2026-03-09 09:04,翠竹园工作群,专员小林,大家好",
        ],
    )

    code, out, err = await run_cli_async(["replay", str(log)], db_url)

    assert code == 0, err
    assert "群「月光小区业主群」尚未绑定，已绑定到现有小区 月光小区（XQ0002）。" in out
    assert "已作为现有小区 阳光花园（XQ0001）的工作群绑定" in out
    assert "已登记：3栋2单元1002室 张三 业主 138****5678" in out
    # Only the echo of the log line itself shows the full phone.
    assert out.count("13812345678") == 1
    assert "求助关爱" not in out
    assert "已新建小区" not in out
    assert "群「翠竹园工作群」尚未绑定，这是工作群" in out
    assert "未绑定的群：翠竹园工作群。" in out
    code, compounds_out, _ = await run_cli_async(["compounds"], db_url)
    assert code == 0
    assert "月光 " not in compounds_out
    assert "翠竹园" not in compounds_out
    assert "阳光花园工作" not in compounds_out
    code, cases_out, _ = await run_cli_async(["cases", "--json"], db_url)
    cases = [json.loads(line) for line in cases_out.splitlines()]
    assert [(c["compound_name"], c["number"]) for c in cases] == [("月光小区", "0001")]


async def test_new_compound_named_in_summary(db_url, tmp_path):
    log = write_log(tmp_path / "chat.csv", ["2026-03-02 07:50,和谐家园业主2群,周女士,东门路灯不亮了"])

    code, out, _err = await run_cli_async(["replay", str(log), "--quiet"], db_url)

    assert code == 0
    assert "回放中新建的小区：和谐家园（XQ0001）。" in out


def test_replay_directory_path(tmp_path, capsys):
    code, _out, err = run_cli(["replay", str(tmp_path)], f"sqlite+aiosqlite:///{tmp_path}/x.db", capsys)
    assert code == 2
    assert "是一个目录" in err


def test_unreachable_database(capsys):
    code = main(["--database-url", "postgresql+asyncpg://nobody@127.0.0.1:9/x", "cases"])
    _out, err = capsys.readouterr()
    assert code == 2
    assert "无法打开数据库" in err
