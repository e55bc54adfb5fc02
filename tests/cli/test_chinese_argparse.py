"""Usage, help and argparse errors of `python -m bot` and `python -m nlp` read in Chinese."""

from __future__ import annotations

import argparse
import ast
import errno
import inspect
import os
import re
import subprocess
import sys

import pytest

import nlp.__main__ as nlp_main
from bot.cli import build_parser as build_bot_parser
from nlp.__main__ import build_parser as build_nlp_parser
from nlp.argparse_zh import PHRASES, ChineseArgumentParser, display_width, wrap
from nlp.labels import CATEGORY_LABELS, ROUTE_LABELS
from tests.cli.test_replay import REPO

# Phrases of CPython's argparse that must never reach an operator.
ENGLISH_PHRASES = (
    "usage:",
    "positional arguments",
    "options:",
    "optional arguments",
    "show this help",
    "error:",
    "the following arguments are required",
    "invalid choice",
    "choose from",
    "unrecognized arguments",
    "expected one argument",
    "invalid int value",
    "argument ",
    "subcommands",
)


def run(module: str, *args: str) -> tuple[int, str, str]:
    # A fixed width keeps argparse's line wrapping the same on every terminal.
    env = {**os.environ, "COLUMNS": "80"}
    completed = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return completed.returncode, completed.stdout, completed.stderr


def assert_no_english_phrase(text: str) -> None:
    for phrase in ENGLISH_PHRASES:
        assert phrase not in text.lower(), f"{phrase!r} in:\n{text}"


def test_bot_help_in_chinese():
    code, out, err = run("bot", "--help")

    assert code == 0, err
    assert out.startswith("用法：python -m bot [-h] [--database-url 数据库地址] 命令 ...\n")
    assert "\n位置参数：\n" in out
    assert "\n选项：\n" in out
    assert "  -h, --help            显示本帮助信息并退出\n" in out
    assert "    cases               列出工单\n" in out
    assert_no_english_phrase(out)


def test_bot_missing_command_rejected():
    code, out, err = run("bot")

    assert code == 2
    assert out == ""
    assert "python -m bot：错误：缺少必需的参数：命令\n" in err
    assert err.startswith("用法：python -m bot ")
    assert_no_english_phrase(err)


def test_bot_missing_argument_rejected():
    code, _out, err = run("bot", "grant", "property_staff")

    assert code == 2
    assert "python -m bot grant：错误：缺少必需的参数：--platform, --user\n" in err
    assert_no_english_phrase(err)


def test_bot_unknown_command_rejected():
    code, _out, err = run("bot", "case")

    assert code == 2
    assert "错误：参数 命令：无效的选择 'case'（可选：'run', 'replay', 'cases'," in err
    assert_no_english_phrase(err)


def test_bot_bad_choice_rejected():
    code, _out, err = run("bot", "grant", "mayor", "--platform", "wecom", "--user", "u1")

    assert code == 2
    assert "python -m bot grant：错误：参数 角色：无效的选择 'mayor'（可选：'resident', " in err
    assert_no_english_phrase(err)


def test_bot_unknown_option_rejected():
    code, _out, err = run("bot", "cases", "--closed")

    assert code == 2
    assert "python -m bot：错误：无法识别的参数：--closed\n" in err
    assert_no_english_phrase(err)


def test_bot_bad_int_rejected():
    code, _out, err = run("bot", "dashboard-viewer-add", "--name", "王某", "--days", "七")

    assert code == 2
    assert "python -m bot dashboard-viewer-add：错误：参数 --days：'七' 不是有效的整数\n" in err
    assert_no_english_phrase(err)


def test_bot_bad_limit_rejected():
    code, _out, err = run("bot", "cases", "--limit", "ten")

    assert code == 2
    assert "python -m bot cases：错误：参数 --limit：'ten' 不是整数\n" in err
    assert_no_english_phrase(err)


def test_bot_option_without_value_rejected():
    code, _out, err = run("bot", "cases", "--compound")

    assert code == 2
    assert "python -m bot cases：错误：参数 --compound：需要一个值\n" in err
    assert_no_english_phrase(err)


def test_bot_bad_category_rejected():
    code, _out, err = run("bot", "route", "XQ0001", "lifts", "物业")

    assert code == 2
    assert "python -m bot route：错误：参数 类别：无效的类别 'lifts'，可选：设施报修（repair）" in err
    assert_no_english_phrase(err)


def test_bot_subcommand_help_in_chinese():
    code, out, err = run("bot", "cases", "--help")

    assert code == 0, err
    # The usage is 80 columns wide, so it wraps at 78 although it has only 72 characters.
    assert out.startswith(
        "用法：python -m bot cases [-h] [--json] [--compound 小区] [--open]\n" + " " * 23 + "[--limit 件数]\n"
    )
    assert "  --limit 件数     最多列出多少件，新的在前；0 表示全部\n" in out
    assert_no_english_phrase(out)


def test_bot_help_columns_aligned():
    _code, out, _err = run("bot", "grant", "--help")

    # Where the help text of each option starts, in terminal columns.
    starts = set()
    for line in out.splitlines():
        match = re.match(r"(  --?\S+(?: \S+)?  +)\S", line)
        if match:
            starts.add(display_width(match.group(1)))
    assert len(starts) == 1, out
    assert max(display_width(line) for line in out.splitlines()) <= 78


def test_nlp_help_in_chinese():
    code, out, err = run("nlp", "--help")

    assert code == 0, err
    assert out.startswith("用法：python -m nlp [-h] [-v] 命令 ...\n")
    assert "    train        用带标注的 CSV 文件重新训练模型\n" in out
    assert_no_english_phrase(out)


def test_nlp_missing_argument_rejected():
    code, _out, err = run("nlp", "evaluate")

    assert code == 2
    assert "python -m nlp evaluate：错误：缺少必需的参数：评测文件\n" in err
    assert_no_english_phrase(err)


def test_nlp_unknown_option_rejected():
    code, _out, err = run("nlp", "train", "--epochs", "3")

    assert code == 2
    assert "python -m nlp：错误：无法识别的参数：--epochs 3\n" in err
    assert_no_english_phrase(err)


def test_nlp_missing_file_rejected(tmp_path):
    code, _out, err = run("nlp", "evaluate", str(tmp_path / "none.csv"), "--no-baselines")

    assert code == 2
    assert err == f"找不到文件：{tmp_path / 'none.csv'}\n"


@pytest.mark.parametrize(
    "command",
    [
        ("evaluate", "{dir}", "--no-baselines"),
        ("evaluate", "{csv}", "--model", "{dir}", "--no-baselines"),
        ("train", "--data", "{dir}"),
    ],
)
def test_nlp_directory_as_file_rejected(tmp_path, command):
    labelled = tmp_path / "labelled.csv"
    labelled.write_text("text,category,urgency,route\n电梯坏了,repair,normal,property\n", encoding="utf-8")
    folder = tmp_path / "folder"
    folder.mkdir()
    args = [arg.format(dir=folder, csv=labelled) for arg in command]

    code, _out, err = run("nlp", *args)

    assert code == 2
    assert err == f"无法读写文件 {folder}：这是一个目录，不是文件\n"


def test_nlp_permission_error_in_chinese(tmp_path, monkeypatch, capsys):
    # Under root, chmod cannot deny a read, so the test raises the error directly.
    output = tmp_path / "model.json.gz"

    def denied(_paths, path):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(nlp_main, "train_files", denied)

    code = nlp_main.main(["train", "--data", str(tmp_path / "a.csv"), "--output", str(output)])

    assert code == 2
    assert capsys.readouterr().err == f"无法读写文件 {output}：没有权限\n"


def test_nlp_help_imports_no_other_layer():
    # A fresh interpreter, because this test process imports every layer.
    probe = (
        "import sys, contextlib, io\n"
        "import nlp.__main__ as cli\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    cli.main(['--help'])\n"
        "layers = {'bot', 'handlers', 'models', 'scheduler'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in layers))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "[]"


def test_nlp_wrong_model_file_rejected(tmp_path):
    labelled = tmp_path / "labelled.csv"
    labelled.write_text("text,category,urgency,route\n电梯坏了,repair,normal,property\n", encoding="utf-8")

    code, _out, err = run("nlp", "evaluate", str(labelled), "--model", str(labelled), "--no-baselines")

    assert code == 2
    assert err == f"错误：{labelled} 不是可用的模型文件，请给出 python -m nlp train 写出的 .json.gz 文件\n"


def _all_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                found += _all_parsers(subparser)
    return found


# ASCII words that may appear in help text: names of files, columns,
# platforms, settings and formats, which the operator types as they are.
ALLOWED_WORDS = {
    "python", "bot", "nlp", "csv", "json", "gz", "id", "info", "data", "xq0001", "xq0002", "yyyy-mm-dd",
    "time", "group", "sender", "text", "category", "urgency", "route", "database_url", "timezone",
    "wecom", "wecom_aibot", "wechat_mp", "telegram", "wecom_webhook", "wecom_webhook_keys", "replay",
    # `python -m nlp train --data`, named in the help of corrections-export.
    "train",
}  # fmt: skip
# Keys that `route` accepts besides the Chinese names.
ALLOWED_WORDS |= set(CATEGORY_LABELS) | set(ROUTE_LABELS)


@pytest.mark.parametrize("build", [build_bot_parser, build_nlp_parser], ids=["bot", "nlp"])
def test_every_help_has_no_english_words(build):
    parsers = _all_parsers(build())
    # Option names, command names and choices are typed as they are; everything else is Chinese.
    typed = set(parsers[0].prog.split())
    for parser in parsers:
        for action in parser._actions:
            typed |= set(action.option_strings) | {str(choice) for choice in action.choices or ()}

    for parser in parsers:
        text = parser.format_help()
        assert_no_english_phrase(text)
        words = set(re.findall(r"-*[A-Za-z][\w-]*", text)) - typed
        english = {word for word in words if word.lower().lstrip("-") not in ALLOWED_WORDS}
        assert not english, f"{parser.prog}: {sorted(english)}"


def test_phrases_cover_running_argparse():
    # Every literal that argparse passes to _() or ngettext() in this Python.
    tree = ast.parse(inspect.getsource(argparse))
    msgids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
            argument = node.args[0]
            if isinstance(argument, ast.Call):
                # _(kwargs.pop('title', 'subcommands')): the default is the msgid.
                argument = argument.args[1]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                msgids.add(argument.value)

    assert msgids
    assert msgids - set(PHRASES) == set()


def test_other_parsers_stay_english():
    ChineseArgumentParser(prog="zh").format_help()
    plain = argparse.ArgumentParser(prog="plain")

    assert plain.format_usage() == "usage: plain [-h]\n"
    assert "show this help message and exit" in plain.format_help()


def test_wrap_counts_cjk_columns():
    lines = wrap("把住户档案 CSV 导入一个小区；任何一行有误都不导入", 20)

    assert lines == ["把住户档案 CSV 导入", "一个小区；任何一行有", "误都不导入"]
    assert all(display_width(line) <= 20 for line in lines)


def test_wrap_keeps_punctuation_on_line():
    lines = wrap("一二三四五六七八九，十", 18)

    assert lines == ["一二三四五六七八", "九，十"]
