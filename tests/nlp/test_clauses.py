from __future__ import annotations

import pytest

from nlp import clauses
from nlp.clauses import strip_connective, topic_spans
from nlp.data.generate import SEED, generate


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("电梯坏了,另外楼道灯也不亮", [(0, 5), (5, 13)]),
        ("到现在还有人在吵", [(0, 8)]),
        ("另外,电梯坏了", [(0, 7)]),
        ("电梯坏了 还有就是东门路灯不亮 顺便问下物业费", [(0, 5), (5, 16), (16, 23)]),
        ("还有还有", [(0, 4)]),
        ("坏了。对了,东门的灯也坏了", [(0, 3), (3, 13)]),
        ("3栋电梯坏了,5栋楼道灯也不亮", [(0, 7), (7, 15)]),
        ("3栋电梯坏了,另外5栋楼道灯也不亮", [(0, 7), (7, 17)]),
        ("3栋2单元,电梯坏了", [(0, 10)]),
        ("5栋楼道灯坏了 5栋门禁也坏了", [(0, 15)]),
        ("3栋和5栋之间的路灯坏了", [(0, 12)]),
        ("", []),
    ],
)
def test_topic_spans_table(text: str, spans: list[tuple[int, int]]) -> None:
    assert topic_spans(text) == spans


def test_topic_starts_match_topic_start_pattern() -> None:
    texts = [example.text for example in generate(SEED)][::5]
    texts += ["还有另外", ",还有另外", "再说再说,再说", "顺便说 顺便问\t此外", "对了对了", "x还有,对了"]
    mismatched = [
        text
        for text in texts
        if clauses._topic_starts(text) != [match.start() for match in clauses._TOPIC_START.finditer(text)]
    ]
    assert mismatched == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("另外门禁也坏了", True),
        ("电梯坏了,还有东门路灯不亮", True),
        ("到现在还有人在吵", False),
        ("车都堵在外面了", False),
    ],
)
def test_opens_topic(text: str, expected: bool) -> None:
    assert clauses.opens_topic(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("另外垃圾桶满了", "垃圾桶满了"),
        ("还有, 地库有积水", "地库有积水"),
        ("到现在还有人在吵", "到现在还有人在吵"),
        ("而且楼道里全是建筑垃圾", "楼道里全是建筑垃圾"),
    ],
)
def test_strip_connective(text: str, expected: str) -> None:
    assert strip_connective(text) == expected
