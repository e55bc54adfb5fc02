from __future__ import annotations

import pytest

from nlp import normalize as normalize_module
from nlp.normalize import normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("３号楼２单元", "3号楼2单元"),
        ("電梯壞了", "电梯坏了"),
        ("樓道燈不亮", "楼道灯不亮"),
        ("电梯又坏了[捂脸]", "电梯又坏了"),
        ("冒烟了😭😭", "冒烟了"),
        ("有人管吗？？？", "有人管吗?"),
        ("快来！！！", "快来!"),
        ("啥情况?!?!", "啥情况?"),
        ("@小区助手\u2005电梯坏了", "电梯坏了"),
        ("@物业小王 楼道灯不亮", "楼道灯不亮"),
        ("@物业管家，3栋电梯困人了", "3栋电梯困人了"),
        ("@管家：楼下漏水了", "楼下漏水了"),
        ("@物业。。。电梯坏了", ".电梯坏了"),
        ("  三栋   漏水\n了 ", "三栋 漏水 了"),
        ("1002室漏水，13楼，90方", "1002室漏水,13楼,90方"),
        ("", ""),
        ("http://t.cn/abc 看看", "看看"),
        ("看这个https://example.com/a?id=1202漏水", "看这个 漏水"),
        ("ＷＷＷ.example.com/1202 楼上漏水", "楼上漏水"),
    ],
)
def test_normalize_cases(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_keeps_notice_brackets() -> None:
    assert normalize("【停水通知】明天停水").startswith("【停水通知】")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("电梯\t坏了", "电梯 坏了"),
        ("电梯\u00a0坏了", "电梯 坏了"),
        ("电梯  坏了", "电梯 坏了"),
        ("电梯 坏了", "电梯 坏了"),
        ("第一行\r\n第二行", "第一行 第二行"),
        ("真的吗？！", "真的吗?"),
        ("好。。。", "好."),
        ("一、二、三", "一,二,三"),
        ("「通知」", "“通知”"),
        ("𠁞", "𠀾"),
        ("有人吗@", "有人吗@"),
        ("@王 3栋", "3栋"),
        ("[OK]", ""),
        ("好热☀️", "好热"),
        ("👍[捂脸]收到", "收到"),
        ("電梯😭壞了", "电梯 坏了"),
        ("⌚表", "表"),
    ],
)
def test_normalize_rare_characters(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_full_width_pattern_matches_translate_table() -> None:
    every = "".join(map(chr, normalize_module._FULL_WIDTH)) + "电梯"
    folded = normalize_module._fold_full_width(every)
    assert folded == every.translate(normalize_module._FULL_WIDTH)


def test_traditional_check_finds_every_traditional_character() -> None:
    missed = [char for char in normalize_module._TRADITIONAL if not normalize_module._has_traditional(f"电{char}梯")]
    assert missed == []


def test_traditional_check_passes_simplified_text() -> None:
    assert not normalize_module._has_traditional("电梯坏了 3栋 😭 𠀾 abc")


@pytest.mark.parametrize("text", ["😭電梯", "𠀾電梯", "電梯😭", "😭𠁞"])
def test_traditional_check_after_astral_character(text: str) -> None:
    assert normalize_module._has_traditional(text)
