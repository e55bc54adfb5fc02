"""Undoing pinyin input-method typos of subject words when two reports are compared."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nlp.homophones import fold_typos
from nlp.normalize import normalize
from nlp.subjects import subjects


def folded(text: str, other: str) -> str:
    return fold_typos(normalize(text), subjects(normalize(other)))


@pytest.mark.parametrize(
    ("text", "other", "expected"),
    [
        ("3栋店题又坏了", "3栋电梯坏了", "3栋电梯又坏了"),
        ("电体一直不动", "电梯坏了", "电梯一直不动"),
        ("垫梯门关不上", "电梯坏了", "电梯门关不上"),
        ("5栋楼到灯还是不亮", "5栋楼道灯坏了", "5栋楼道灯还是不亮"),
        ("东门路等黑了好几天", "东门路灯不亮", "东门路灯黑了好几天"),
        ("们进刷不开", "门禁坏了", "门禁刷不开"),
        ("生控灯不亮", "楼道灯坏了", "声控灯不亮"),
        ("拉机桶满了", "垃圾没人收", "垃圾桶满了"),
    ],
)
def test_typo_of_named_subject_folds(text: str, other: str, expected: str) -> None:
    assert folded(text, other) == expected


@pytest.mark.parametrize(
    ("text", "other"),
    [
        # 店题 sounds like 电梯, but the other report is about the door entry.
        ("3栋店题又坏了", "3栋门禁坏了"),
        # A one-character subject: 等 is an ordinary word.
        ("门口等了半天快递", "门口的灯坏了"),
        # The word is spelled right, and 梯题 is no misspelling of it.
        ("电梯题目出错了", "电梯坏了"),
        ("店铺门口太吵了", "电梯坏了"),
        ("楼上一直在漏到我家", "楼道灯坏了"),
    ],
)
def test_other_words_stay(text: str, other: str) -> None:
    assert folded(text, other) == normalize(text)


def test_no_subject_no_change() -> None:
    assert fold_typos("3栋店题又坏了", frozenset()) == "3栋店题又坏了"


def test_table_matches_subject_groups() -> None:
    pytest.importorskip("pypinyin")
    from nlp.build_homophones import TABLE_PATH, render_table

    assert Path(TABLE_PATH).read_text(encoding="utf-8") == render_table()


def test_comparing_reports_does_not_import_pypinyin() -> None:
    # pypinyin's import costs 55 MB, so only the table builder may load it.
    code = (
        "import sys, handlers.similarity as s; "
        "s.same_topic('3栋店题又坏了', '3栋电梯坏了'); "
        "print('pypinyin' in sys.modules)"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert completed.stdout.strip() == "False"
