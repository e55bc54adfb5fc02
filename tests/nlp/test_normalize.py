from __future__ import annotations

import pytest

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
        ("  三栋   漏水\n了 ", "三栋 漏水 了"),
        ("1002室漏水，13楼，90方", "1002室漏水,13楼,90方"),
        ("", ""),
    ],
)
def test_normalize_cases(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_keeps_notice_brackets() -> None:
    assert normalize("【停水通知】明天停水").startswith("【停水通知】")
