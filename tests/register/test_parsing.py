"""Reading register entries: dwellings, names, phones, dates, tags and ID numbers."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.errors import BadCommand
from handlers.register import DwellingAddress, parse_dwelling, parse_entry, reject_id_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3栋2单元1002", DwellingAddress("3", "2", "1002")),
        ("3栋2单元1002室", DwellingAddress("3", "2", "1002")),
        ("03栋02单元1002", DwellingAddress("3", "2", "1002")),
        ("5号楼1201", DwellingAddress("5", "", "1201")),
        ("a座2单元301", DwellingAddress("A", "2", "301")),
        ("3-2-1002", DwellingAddress("3", "2", "1002")),
        ("３栋２单元１００２", DwellingAddress("3", "2", "1002")),
    ],
)
def test_dwelling_forms_read(text, expected):
    assert parse_dwelling(text) == expected


@pytest.mark.parametrize("text", ["三栋二单元1002", "3栋", "1002", "3栋2单元10", "3/2/1002", "张三"])
def test_dwelling_bad_forms_rejected(text):
    with pytest.raises(BadCommand, match="无法识别房号"):
        parse_dwelling(text)


def test_dwelling_label_without_unit():
    assert DwellingAddress("5", "", "1201").label == "5栋1201室"
    assert DwellingAddress("3", "2", "1002").label == "3栋2单元1002室"


def test_entry_fields_in_any_order():
    entry = parse_entry("张三 独居老人 13812345678 业主 入住2023-05-01 备注：腿脚不便，需上门")

    assert entry.name == "张三"
    assert entry.relation == "业主"
    assert entry.phone == "13812345678"
    assert entry.moved_in_on == date(2023, 5, 1)
    assert entry.tags == ["独居老人"]
    assert entry.note == "腿脚不便，需上门"


def test_entry_without_optional_fields():
    entry = parse_entry("李四")

    assert entry.name == "李四"
    assert entry.relation is None
    assert entry.phone is None
    assert entry.tags is None
    assert entry.note is None


def test_entry_no_tags_word_clears():
    assert parse_entry("张三 无标签").tags == []


def test_entry_repeated_tag_kept_once():
    assert parse_entry("张三 残疾人 残疾人 低保户").tags == ["残疾人", "低保户"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "请写上住户姓名"),
        ("业主 张三", "不像姓名"),
        ("13812345678 张三", "不像姓名"),
        ("张三 业主 1381234567", "手机号“1381234567”无效"),
        ("张三 业主 12812345678", "手机号“12812345678”无效"),
        ("张三 业主 酗酒", "无法识别“酗酒”"),
        ("张三 业主 2023-02-30", "日期“2023-02-30”不存在"),
        ("张" * 21, "超过20个字"),
    ],
)
def test_entry_bad_input_rejected(text, message):
    with pytest.raises(BadCommand, match=message):
        parse_entry(text)


@pytest.mark.parametrize(
    "text",
    [
        "张三 业主 110101199003071234",
        "张三 业主 11010119900307123X",
        "张三 业主 备注 身份证11010119900307123x",
    ],
)
def test_id_number_rejected(text):
    with pytest.raises(BadCommand, match="不登记身份证号"):
        parse_entry(text)


def test_id_number_full_width_rejected():
    with pytest.raises(BadCommand, match="不登记身份证号"):
        reject_id_number("１１０１０１１９９００３０７１２３４")


def test_phone_is_not_an_id_number():
    reject_id_number("13812345678")
