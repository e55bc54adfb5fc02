"""Subjects of reports: what a follow-up line names that the report before it does not."""

from __future__ import annotations

import pytest

from nlp.normalize import normalize
from nlp.subjects import is_bare_thing, names_new_subject, names_only_known_subjects, names_other_subject, subjects


@pytest.mark.parametrize(
    ("line", "report"),
    [
        ("车都堵在外面了", "地下车库入口的栏杆坏了，一直抬不起来"),
        ("赶紧来人修一下", "地下车库入口的栏杆坏了，一直抬不起来"),
        ("每天都放到九点，这叫一个小时？", "晚饭后广场舞音响太大了，能不能小声点"),
        ("道闸还是抬不起来", "小区门口的栏杆坏了"),
        ("灯一直不亮", "楼道灯坏了"),
        ("楼道的灯到现在还黑着", "声控灯坏了"),
    ],
)
def test_detail_names_no_new_subject(line: str, report: str) -> None:
    assert not names_new_subject(normalize(line), normalize(report))


@pytest.mark.parametrize(
    ("line", "report"),
    [
        ("3栋楼道灯也不亮了", "电梯又坏了"),
        ("小区门口有人乱停车", "垃圾桶满了没人倒"),
        ("楼上天天装修很吵", "电梯坏了"),
        ("路灯也不亮", "楼道灯坏了"),
        ("消防通道被堵了", "电梯坏了"),
    ],
)
def test_second_problem_names_new_subject(line: str, report: str) -> None:
    assert names_new_subject(normalize(line), normalize(report))


def test_subjects_read_longest_word() -> None:
    assert subjects(normalize("楼道灯和路灯都坏了")) == {"楼道灯", "路灯"}


@pytest.mark.parametrize(
    ("clause", "topic"),
    [
        ("楼道里还漏水", "33栋电梯坏了"),
        ("门禁也坏了", "路灯不亮"),
        ("楼道灯也不亮", "单元门关不上"),
        ("下水道也堵了", "电梯坏了"),
    ],
)
def test_other_thing_is_other_subject(clause: str, topic: str) -> None:
    assert names_other_subject(normalize(clause), normalize(topic))


@pytest.mark.parametrize(
    ("clause", "topic"),
    [
        ("按钮没反应", "电梯坏了"),
        ("电梯门也关不上", "电梯坏了"),
        ("灯一直不亮", "路灯坏了"),
        ("整栋都没水了", "水管爆了"),
        ("漏水很严重", "水管裂了"),
        ("单元门关不上", "门禁坏了"),
        ("吵得睡不着", "广场舞音响太大"),
        ("门禁也坏了", "这几天一直这样"),
    ],
)
def test_same_problem_is_no_other_subject(clause: str, topic: str) -> None:
    assert not names_other_subject(normalize(clause), normalize(topic))


@pytest.mark.parametrize(
    ("clause", "topic", "expected"),
    [
        ("堆满纸箱", "有人把楼道当仓库", True),
        ("电梯门也关不上", "电梯坏了", True),
        ("电梯里还有人抽烟", "电梯坏了", False),
        ("门禁也坏了", "路灯不亮", False),
        ("一直没人管", "电梯坏了", False),
    ],
)
def test_names_only_known_subjects(clause: str, topic: str, expected: bool) -> None:
    assert names_only_known_subjects(normalize(clause), normalize(topic)) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("垃圾", True),
        ("电梯?", True),
        ("路灯啊!", True),
        ("垃圾太多了", False),
        ("漏水", False),
        ("停电了", False),
        ("煤气", False),
    ],
)
def test_is_bare_thing(text: str, expected: bool) -> None:
    assert is_bare_thing(normalize(text)) is expected
