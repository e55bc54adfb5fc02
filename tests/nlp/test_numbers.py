from __future__ import annotations

import pytest

from nlp.numbers import is_quantity, looks_like_room


@pytest.mark.parametrize("number", ["302", "1502", "2108", "101", "1219"])
def test_room_shaped_numbers(number: str) -> None:
    assert looks_like_room(number)


@pytest.mark.parametrize("number", ["300", "1200", "150", "1288", "0001", "0302", "120"])
def test_numbers_not_shaped_like_rooms(number: str) -> None:
    assert not looks_like_room(number)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("一个月收300", "300"),
        ("交了 1203", "1203"),
        ("1203元", "1203"),
        ("1203 块", "1203"),
        ("120户", "120"),
        ("300家店", "300"),
        ("编号是1203", "1203"),
        ("重开 0001", "0001"),
        ("1203一个月", "1203"),
        ("1203kg", "1203"),
        ("2016入住到现在", "2016"),
        ("从2015到现在一直漏", "2015"),
        ("于2017交房", "2017"),
        ("2018底开始的", "2018"),
        ("1998起就没修过", "1998"),
    ],
)
def test_quantities(text: str, number: str) -> None:
    start = text.index(number)
    assert is_quantity(text, start, start + len(number))


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("楼上1203", "1203"),
        ("1203户的狗", "1203"),
        ("1202家", "1202"),
        ("1102天花板", "1102"),
        ("1202天天吵", "1202"),
        ("1203每天", "1203"),
        ("房屋编号1203", "1203"),
        ("门牌号码1203", "1203"),
        ("3#1203", "1203"),
        ("2016起火了", "2016"),
        ("2016开始漏水", "2016"),
        ("2016底下的车库", "2016"),
        ("楼上2015天天跺脚", "2015"),
    ],
)
def test_not_quantities(text: str, number: str) -> None:
    start = text.index(number)
    assert not is_quantity(text, start, start + len(number))
