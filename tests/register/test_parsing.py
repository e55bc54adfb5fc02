"""Reading register entries: dwellings, names, phones, dates, tags and ID numbers."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.errors import BadCommand
from handlers.register import check_name, parse_entry, reject_id_number
from handlers.register_address import DwellingAddress, parse_dwelling, parse_dwelling_cells

# The date these tests pass as today, the day the desk tests run on.
TODAY = date(2026, 3, 2)


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
        ("三栋二单元1002", DwellingAddress("3", "2", "1002")),
        ("十二号楼1201", DwellingAddress("12", "", "1201")),
        ("二十一幢两单元一〇〇二室", DwellingAddress("21", "2", "1002")),
    ],
)
def test_dwelling_forms_read(text, expected):
    assert parse_dwelling(text) == expected


@pytest.mark.parametrize("text", ["三期二单元1002", "3栋", "1002", "3栋2单元10", "3/2/1002", "张三"])
def test_dwelling_bad_forms_rejected(text):
    with pytest.raises(BadCommand, match="无法识别房号"):
        parse_dwelling(text)


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("0栋2单元1002", "楼栋"),
        ("000号楼1002", "楼栋"),
        ("3栋0单元1002", "单元"),
        ("3栋2单元0000", "房号"),
        ("3栋000室", "房号"),
        ("0-2-1002", "楼栋"),
        ("3-00-1002", "单元"),
    ],
)
def test_dwelling_zero_part_rejected(text, part):
    with pytest.raises(BadCommand, match=f"房号“{text}”中的{part}不能为 0"):
        parse_dwelling(text)


@pytest.mark.parametrize(
    ("cells", "typed"),
    [
        (("3", "2", "1002"), "3栋2单元1002"),
        (("3栋", "2单元", "1002室"), "3栋2单元1002"),
        (("3号楼", "02", "1002"), "3号楼2单元1002"),
        (("03幢", " 2 ", "1002号"), "3栋2单元1002"),
        (("B座", "", "301"), "B座301"),
        (("b", "2", "301"), "B座2单元301"),
        (("３栋", "２单元", "１００２室"), "3栋2单元1002"),
        (("Ｂ座", "", "３０１"), "B座301"),
        (("三", "二", "1002"), "3栋2单元1002"),
        (("十二号楼", "二单元", "1201"), "12号楼2单元1201"),
        (("三栋", "十单元", "1002"), "3栋10单元1002"),
    ],
)
def test_dwelling_cells_match_typed_form(cells, typed):
    assert parse_dwelling_cells(*cells) == parse_dwelling(typed)


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (("三期", "2", "1002"), "楼栋“三期”无法识别"),
        (("3栋2单元", "", "1002"), "楼栋“3栋2单元”无法识别"),
        (("3-2", "", "1002"), "楼栋“3-2”无法识别"),
        (("3", "二楼", "1002"), "单元“二楼”无法识别"),
        (("零", "2", "1002"), "楼栋“零”无效，楼栋不能为 0"),
        (("3", "2楼", "1002"), "单元“2楼”无法识别"),
        (("3", "", "2单元1002"), "房号“2单元1002”无法识别"),
        (("3", "2", "10"), "房号“10”无法识别"),
        (("", "2", "1002"), "楼栋为空"),
        (("3", "2", ""), "房号为空"),
        (("0", "2", "1002"), "楼栋“0”无效，楼栋不能为 0"),
        (("3", "0单元", "1002"), "单元“0单元”无效，单元不能为 0"),
        (("3", "2", "000"), "房号“000”无效，房号不能为 0"),
    ],
)
def test_dwelling_cells_bad_rejected(cells, message):
    with pytest.raises(BadCommand, match=message):
        parse_dwelling_cells(*cells)


def test_dwelling_label_without_unit():
    assert DwellingAddress("5", "", "1201").label == "5栋1201室"
    assert DwellingAddress("3", "2", "1002").label == "3栋2单元1002室"


def test_entry_fields_in_any_order():
    entry = parse_entry("张三 独居老人 13812345678 业主 入住2023-05-01 备注：腿脚不便，需上门", today=TODAY)

    assert entry.name == "张三"
    assert entry.relation == "业主"
    assert entry.phone == "13812345678"
    assert entry.moved_in_on == date(2023, 5, 1)
    assert entry.tags == ["独居老人"]
    assert entry.note == "腿脚不便，需上门"


def test_entry_relation_synonym_stored_as_relation():
    assert parse_entry("王五 租客 13812345678", today=TODAY).relation == "租户"
    assert parse_entry("王五 女儿", today=TODAY).relation == "家属"


def test_entry_without_optional_fields():
    entry = parse_entry("李四", today=TODAY)

    assert entry.name == "李四"
    assert entry.relation is None
    assert entry.phone is None
    assert entry.tags is None
    assert entry.note is None


def test_entry_no_tags_word_clears():
    assert parse_entry("张三 无标签", today=TODAY).tags == []


def test_entry_repeated_tag_kept_once():
    assert parse_entry("张三 残疾人 残疾人 低保户", today=TODAY).tags == ["残疾人", "低保户"]


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
        parse_entry(text, today=TODAY)


def test_entry_move_in_after_today_rejected():
    with pytest.raises(BadCommand, match=r"入住日期 2026-03-03 晚于今天（2026-03-02）"):
        parse_entry("张三 业主 入住2026-03-03", today=TODAY)


def test_entry_move_in_today_read():
    assert parse_entry("张三 业主 入住2026年3月2日", today=TODAY).moved_in_on == TODAY


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("@所有人", "姓名“@所有人”中的“@”不能用在姓名里"),
        ("！！！", "中的“!”不能用在姓名里"),
        ("😀😀", "中的“😀”不能用在姓名里"),
        ("张三😀", "中的“😀”不能用在姓名里"),
        ("张三。", "中的“。”不能用在姓名里"),
        ("·张三", "应以汉字或字母开头和结尾"),
        ("--", "应以汉字或字母开头和结尾"),
        ("张\u200b三", "看不见的字符"),
    ],
)
def test_entry_name_not_a_name_rejected(name, message):
    with pytest.raises(BadCommand, match=message):
        parse_entry(f"{name} 业主", today=TODAY)


def test_name_character_quoted_as_typed():
    with pytest.raises(BadCommand, match="姓名“＠所有人”中的“＠”不能用在姓名里"):
        check_name("＠所有人")


def test_name_with_space_rejected():
    with pytest.raises(BadCommand, match="姓名“张 三”中不能有空格"):
        check_name("张 三")


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("Anne-Marie", "Anne-Marie"),
        ("O'Neil", "O'Neil"),
        ("Zoë", "Zoë"),
        ("ｚｈａｎｇ", "zhang"),
        ("张" * 20, "张" * 20),
    ],
)
def test_name_forms_accepted(name, stored):
    assert check_name(name) == stored


@pytest.mark.parametrize(
    "text",
    [
        "张三 业主 110101199003071234",
        "张三 业主 11010119900307123X",
        "张三 业主 备注 身份证11010119900307123x",
        "张三 业主 备注 老身份证110101900307123",
        "张三 业主 备注 老身份证 110101 900307 123",
        "张三 业主 110101900307123",
    ],
)
def test_id_number_rejected(text):
    with pytest.raises(BadCommand, match="不登记身份证号"):
        parse_entry(text, today=TODAY)


def test_id_number_full_width_rejected():
    with pytest.raises(BadCommand, match="不登记身份证号"):
        reject_id_number("１１０１０１１９９００３０７１２３４")


@pytest.mark.parametrize("phone", ["+8613812345678", "008613812345678", "86-138-1234-5678", "+86-138-1234-5678"])
def test_phone_with_country_code_read(phone):
    entry = parse_entry(f"张三 业主 {phone}", today=TODAY)

    assert entry.phone == "13812345678"


@pytest.mark.parametrize("phone", ["+85213812345678", "+861381234567", "8613812345"])
def test_phone_with_bad_country_code_rejected(phone):
    with pytest.raises(BadCommand, match="无效"):
        parse_entry(f"张三 业主 {phone}", today=TODAY)


@pytest.mark.parametrize("note", ["电话+8613812345678", "电话 +86 138 1234 5678", "电话008613812345678"])
def test_note_with_coded_phone_rejected(note):
    with pytest.raises(BadCommand, match="备注里不写手机号"):
        parse_entry(f"张三 业主 备注 {note}", today=TODAY)


def test_phone_is_not_an_id_number():
    reject_id_number("13812345678")
