"""`python -m bot corrections-export`: officer corrections as a CSV for `python -m nlp train --data`."""

from __future__ import annotations

import pytest

from nlp.dataset import LabelledExample, read_examples
from tests.cli.test_replay import run_cli_async
from tests.helpers import later
from tests.workflow.desk import STAFF_GROUP, open_desk

BINS = "垃圾桶好几天没人清理了"
LEAK = "3栋2单元1002室厨房天花板漏水了"


async def correct_two_cases(db_url: str) -> None:
    """Leave a triage correction, a recategorization and a false alarm in the database."""
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        await desk.say(BINS, sender="r1")
        await desk.say(LEAK, sender="r2", at=later(1))
        await desk.say("分类 0001 物业服务", sender="officer", chat_id=STAFF_GROUP, at=later(10))
        await desk.say("改类 0001 环境卫生", sender="officer", chat_id=STAFF_GROUP, at=later(11))
        await desk.say("误报 0002", sender="officer", chat_id=STAFF_GROUP, at=later(12))


async def test_export_writes_training_csv(db_url, tmp_path):
    await correct_two_cases(db_url)
    target = tmp_path / "corrections.csv"

    code, out, err = await run_cli_async(["corrections-export", str(target)], db_url)

    assert code == 0, err
    assert f"已导出 2 条纠错样本到 {target}" in out
    assert "确认类别 1，更正类别 1，误报 1" in out
    assert "1 条较早纠正已去重" in out
    assert read_examples(target) == [
        LabelledExample(BINS, "sanitation", "normal", "property"),
        LabelledExample(LEAK, "chat", "normal", "none"),
    ]


async def test_export_since_date(db_url, tmp_path):
    await correct_two_cases(db_url)
    target = tmp_path / "corrections.csv"

    code, out, err = await run_cli_async(["corrections-export", str(target), "--since", "2026-03-03"], db_url)

    assert code == 0, err
    assert "已导出 0 条纠错样本" in out
    assert read_examples(target) == []


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--since", "2026-13-01"], "日期“2026-13-01”无效，请写成 YYYY-MM-DD"),
        (["--since", "20260301"], "日期“20260301”无效"),
        (["--since", "上周"], "日期“上周”无效"),
    ],
)
async def test_export_rejects_bad_date(db_url, tmp_path, arguments, expected):
    target = tmp_path / "corrections.csv"

    code, _out, err = await run_cli_async(["corrections-export", str(target), *arguments], db_url)

    assert code == 2
    assert expected in err
    assert not target.exists()


async def test_export_rejects_bad_paths(db_url, tmp_path):
    (tmp_path / "plain.txt").write_text("x", encoding="utf-8")
    cases = [
        (tmp_path, "是一个目录"),
        (tmp_path / "missing" / "corrections.csv", "不存在"),
        (tmp_path / "plain.txt" / "corrections.csv", "不是目录"),
        # Even root may not create a file in /proc.
        ("/proc/corrections.csv", "无法写入 /proc/corrections.csv"),
    ]
    for path, expected in cases:
        code, _out, err = await run_cli_async(["corrections-export", str(path)], db_url)

        assert code == 2, path
        assert expected in err, (path, err)
        assert "Traceback" not in err, path
    assert not (tmp_path / "missing").exists()
