"""Register import and export: every row checked first, phones masked and tags left out by default."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.register_csv import HEADER, decode_register, read_register
from handlers.register_address import DwellingAddress
from models import Dwelling, Occupant
from models.db import create_engine, create_sessionmaker
from tests.cli.test_replay import run_cli_async

FULL_HEADER = ",".join(HEADER)
SHORT_HEADER = "楼栋,单元,房号,姓名,关系,入住日期"
TODAY = date(2026, 3, 2)
GOOD_ROWS = [
    "3,2,1002,张三,业主,13812345678,2023-05-01,独居老人,腿脚不便",
    "3,2,1002,张小明,家属,,,留守儿童、残疾人,",
    "5,,1201,李四,租户,13900001111,,,",
]


def csv_text(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def write_csv(path: Path, *lines: str) -> Path:
    path.write_text(csv_text(*lines), encoding="utf-8-sig")
    return path


async def stored(db_url: str) -> list[Occupant]:
    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return list(await session.scalars(select(Occupant).order_by(Occupant.id)))
    finally:
        await engine.dispose()


def test_good_rows_read():
    rows, errors = read_register(csv_text(FULL_HEADER, *GOOD_ROWS), today=TODAY)

    assert errors == []
    assert [(r.line, r.address.label, r.entry.name) for r in rows] == [
        (2, "3栋2单元1002室", "张三"),
        (3, "3栋2单元1002室", "张小明"),
        (4, "5栋1201室", "李四"),
    ]
    assert rows[1].entry.tags == ["留守儿童", "残疾人"]
    assert rows[1].entry.clear == {"phone", "moved_in_on", "note"}


def test_every_bad_row_reported():
    rows, errors = read_register(
        csv_text(
            FULL_HEADER,
            GOOD_ROWS[0],
            "三期,2,1002,王五,业主,,,,",
            "3,2,1003,,业主,,,,",
            "3,2,1004,赵六,房东,,,,",
            "3,2,1005,钱七,业主,1381234,,,",
            "3,2,1006,孙八,业主,,,酗酒,",
            "3,2,1007,周九,业主,,,,身份证110101199003071234",
            "3,2,1008,吴十,业主,138****5678,,,",
            "3,2,1002,张三,家属,,,,",
            "3,2,1009,郑一,业主",
        ),
        today=TODAY,
    )

    assert [e.line for e in errors] == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    reasons = [e.reason for e in errors]
    assert reasons[0].startswith("楼栋“三期”无法识别")
    assert reasons[1] == "姓名为空，请填写住户姓名"
    assert "“房东”不是可用的关系" in reasons[2]
    assert "手机号“1381234”无效" in reasons[3]
    assert "“酗酒”不是可用的标签" in reasons[4]
    assert reasons[5] == "备注中有身份证号。住户档案不登记身份证号，请删去后重新导入。"
    assert "已打码" in reasons[6]
    assert reasons[7] == "与第 2 行重复：3栋2单元1002室 张三"
    assert reasons[8] == "应有 9 列，实际 5 列"
    assert len(rows) == 1


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("3,2,1002,张三,业主,,,,老身份证110101900307123", "备注中有身份证号"),
        ("3,2,1002,张三,业主,,,,身份证 110101 900307 123", "备注中有身份证号"),
        ("3,2,1002,张三,业主,110101199003071234,,,", "手机号中有身份证号"),
        ("3,2,1002,张三,业主,110101900307123,,,", "手机号中有身份证号"),
        ("3,2,110101900307123,张三,业主,,,,", "房号中有身份证号"),
    ],
)
def test_id_number_cell_rejected_unquoted(row, reason):
    rows, errors = read_register(csv_text(FULL_HEADER, row), today=TODAY)

    assert rows == []
    assert [e.reason for e in errors] == [f"{reason}。住户档案不登记身份证号，请删去后重新导入。"]


def test_row_errors_all_reported():
    rows, errors = read_register(
        csv_text(FULL_HEADER, "三期,2,1002,,房东,1381234567,2099-01-01,酗酒,女儿电话 139-1234-5678"), today=TODAY
    )

    assert rows == []
    assert [e.line for e in errors] == [2] * 7
    reasons = [e.reason for e in errors]
    assert reasons[0].startswith("楼栋“三期”无法识别")
    assert reasons[1] == "姓名为空，请填写住户姓名"
    assert reasons[2].startswith("“房东”不是可用的关系")
    assert reasons[3].startswith("手机号“1381234567”无效")
    assert reasons[4].startswith("入住日期 2099-01-01 晚于今天")
    assert reasons[5].startswith("“酗酒”不是可用的标签")
    assert reasons[6] == "备注中有手机号。备注里不写手机号，请填在手机号一列（导出时默认打码）。"
    assert not any("重新发送" in reason or "没有保存" in reason for reason in reasons)


def test_address_forms_people_type_read():
    rows, errors = read_register(
        csv_text(
            SHORT_HEADER,
            "3号楼,2单元,1002室,张三,业主,",
            "３栋,０２,１００２,李四,家属,",
            "B座,,301,王五,租户,",
            "b,,301室,赵六,租户,",
        ),
        today=TODAY,
    )

    assert errors == []
    assert [r.address for r in rows] == [
        DwellingAddress("3", "2", "1002"),
        DwellingAddress("3", "2", "1002"),
        DwellingAddress("B", "", "301"),
        DwellingAddress("B", "", "301"),
    ]


def test_chinese_numerals_and_relation_words_read():
    rows, errors = read_register(
        csv_text(
            SHORT_HEADER,
            "三号楼,二单元,1002,张三,租客,",
            "十二栋,二单元,1201,李四,租户,",
            "3,2,1002,王五,房客,",
            "3,2,1002,赵六,户主,",
            "3,2,1002,钱七,女儿,",
            "3,2,1002,孙八,暂住,",
            "3,2,1002,周九,其它,",
        ),
        today=TODAY,
    )

    assert errors == []
    assert [r.address for r in rows[:2]] == [DwellingAddress("3", "2", "1002"), DwellingAddress("12", "2", "1201")]
    assert [r.entry.relation for r in rows] == ["租户", "租户", "租户", "业主", "家属", "借住", "其他"]


def test_same_person_in_two_spellings_is_a_repeat():
    rows, errors = read_register(
        csv_text(SHORT_HEADER, "3,2,1002,张三,业主,", "3号楼,2单元,1002室,张三,业主,"), today=TODAY
    )

    assert len(rows) == 1
    assert [(e.line, e.reason) for e in errors] == [(3, "与第 2 行重复：3栋2单元1002室 张三")]


def test_bad_rows_name_column():
    rows, errors = read_register(
        csv_text(
            SHORT_HEADER,
            "三号院,2,1002,张三,业主,",
            "3,二楼,1002,张三,业主,",
            "3,,2单元1002,张三,业主,",
            "0,2,1002,张三,业主,",
            "3,0,1002,张三,业主,",
            "3,2,0000,张三,业主,",
            "3,2,1002,@所有人,业主,",
            "3,2,1002,！！！,业主,",
            "3,2,1002,😀😀,业主,",
            "3,2,1002,张 三,业主,",
            "3,2,1002,张三,业主,2026-03-03",
        ),
        today=TODAY,
    )

    assert rows == []
    reasons = {e.line: e.reason for e in errors}
    assert reasons[2].startswith("楼栋“三号院”无法识别")
    assert reasons[3].startswith("单元“二楼”无法识别")
    assert reasons[4].startswith("房号“2单元1002”无法识别")
    assert reasons[5] == "楼栋“0”无效，楼栋不能为 0"
    assert reasons[6] == "单元“0”无效，单元不能为 0"
    assert reasons[7] == "房号“0000”无效，房号不能为 0"
    assert reasons[8].startswith("姓名“@所有人”中的“@”不能用在姓名里")
    assert reasons[9].startswith("姓名“！！！”中的“！”不能用在姓名里")
    assert reasons[10].startswith("姓名“😀😀”中的“😀”不能用在姓名里")
    assert reasons[11].startswith("姓名“张 三”中不能有空格")
    assert reasons[12] == "入住日期 2026-03-03 晚于今天（2026-03-02），请核对。"
    assert len(errors) == 11


def test_over_long_name_rejected():
    rows, errors = read_register(csv_text(SHORT_HEADER, f"3,2,1002,{'张' * 21},业主,"), today=TODAY)

    assert rows == []
    assert [e.line for e in errors] == [2]
    assert "超过20个字" in errors[0].reason


@pytest.mark.parametrize(
    "header", ["楼栋,单元,房号,姓名", "楼栋,单元,房号,姓名,关系,身份证", "楼栋,单元,房号,姓名,关系,关系"]
)
def test_bad_header_rejected(header):
    rows, errors = read_register(csv_text(header, "3,2,1002,张三,业主"), today=TODAY)

    assert rows == []
    assert [e.line for e in errors] == [1]
    assert errors[0].reason.startswith("表头应为")


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("楼栋,单元,房号,姓名,关系,身份证", "不认识的列：身份证"),
        ("楼栋,单元,房号,姓名", "缺少的列：关系"),
        ("楼栋,单元,房号,姓名,关系,关系", "重复的列：关系"),
        ("楼栋,单元,房号,姓名,,关系", "不认识的列：（空白列名）"),
    ],
)
def test_bad_header_names_column(header, detail):
    _rows, errors = read_register(csv_text(header, "3,2,1002,张三,业主"), today=TODAY)

    assert errors[0].reason.endswith(f"。{detail}")


def test_phone_cell_with_country_code_read():
    rows, errors = read_register(
        csv_text("楼栋,单元,房号,姓名,关系,手机号", "3,2,1002,张三,业主,+86 138 1234 5678"), today=TODAY
    )

    assert errors == []
    assert rows[0].entry.phone == "13812345678"


def test_gbk_file_decoded():
    data = csv_text("楼栋,单元,房号,姓名,关系", "3,2,1002,张三,业主").encode("gbk")

    text = decode_register(data)

    assert text is not None
    rows, errors = read_register(text, today=TODAY)
    assert errors == []
    assert rows[0].entry.name == "张三"


def test_undecodable_file_rejected():
    assert decode_register("name,phone\nJosé,1\n".encode("latin-1")) is None
    assert decode_register(b"\xff\xfe\x00\x01") is None


async def test_import_of_gbk_file(db_url, tmp_path):
    await run_cli_async(["compound-add", "翠湖苑", "--code", "CHY"], db_url)
    source = tmp_path / "register.csv"
    source.write_bytes(csv_text(FULL_HEADER, GOOD_ROWS[0]).encode("gbk"))

    code, out, err = await run_cli_async(["register-import", "--compound", "CHY", str(source)], db_url)

    assert (code, err) == (0, "")
    assert out == "已导入 翠湖苑 住户档案 1 行：新增 1 人，更新 0 人。\n"
    [person] = await stored(db_url)
    assert person.name == "张三"
    assert person.note == "腿脚不便"


def test_trailing_empty_columns_ignored():
    rows, errors = read_register(
        csv_text("楼栋,单元,房号,姓名,关系,,", "3,2,1002,张三,业主,,", "3,2,1002,李四,租户"), today=TODAY
    )

    assert errors == []
    assert [row.entry.name for row in rows] == ["张三", "李四"]


def test_trailing_filled_cell_still_rejected():
    _rows, errors = read_register(csv_text("楼栋,单元,房号,姓名,关系,,", "3,2,1002,张三,业主,,x"), today=TODAY)

    assert [error.reason for error in errors] == ["应有 5 列，实际 7 列"]


def test_short_header_leaves_fields_alone():
    rows, errors = read_register(csv_text("楼栋,单元,房号,姓名,关系", "3,2,1002,张三,业主"), today=TODAY)

    assert errors == []
    assert rows[0].entry.clear == set()
    assert rows[0].entry.tags is None


async def test_import_then_export(db_url, tmp_path):
    await run_cli_async(["compound-add", "翠湖苑", "--code", "CHY"], db_url)
    source = write_csv(tmp_path / "register.csv", FULL_HEADER, *GOOD_ROWS)

    code, out, err = await run_cli_async(["register-import", "--compound", "CHY", str(source)], db_url)
    assert (code, err) == (0, "")
    assert out == "已导入 翠湖苑 住户档案 3 行：新增 3 人，更新 0 人。\n"

    code, masked, _ = await run_cli_async(["register-export", "--compound", "CHY"], db_url)
    assert code == 0
    assert masked == csv_text(
        "楼栋,单元,房号,姓名,关系,手机号,入住日期",
        "3,2,1002,张三,业主,138****5678,2023-05-01",
        "3,2,1002,张小明,家属,,",
        "5,,1201,李四,租户,139****1111,",
    )

    target = tmp_path / "full.csv"
    code, _, _ = await run_cli_async(
        ["register-export", "--compound", "CHY", "--full", "--with-tags", "--output", str(target)], db_url
    )
    assert code == 0
    assert target.read_text(encoding="utf-8-sig") == csv_text(
        FULL_HEADER, GOOD_ROWS[0], "3,2,1002,张小明,家属,,,留守儿童、残疾人,", GOOD_ROWS[2]
    )


async def test_import_with_one_bad_row_writes_nothing(db_url, tmp_path):
    await run_cli_async(["compound-add", "翠湖苑", "--code", "CHY"], db_url)
    source = write_csv(tmp_path / "register.csv", FULL_HEADER, *GOOD_ROWS, "3,2,1009,郑一,业主,,,,110101199003071234")

    code, out, err = await run_cli_async(["register-import", "--compound", "CHY", str(source)], db_url)

    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        "第 5 行：备注中有身份证号。住户档案不登记身份证号，请删去后重新导入。",
        f"{source} 有 1 行有误，未导入任何数据。请改正后重新导入。",
    ]
    assert await stored(db_url) == []


async def test_import_lists_every_error_of_row(db_url, tmp_path):
    await run_cli_async(["compound-add", "翠湖苑", "--code", "CHY"], db_url)
    source = write_csv(
        tmp_path / "register.csv", FULL_HEADER, GOOD_ROWS[0], "3,2,1010,冯二,房东,1381234567,2099-01-01,酗酒,"
    )

    code, out, err = await run_cli_async(["register-import", "--compound", "CHY", str(source)], db_url)

    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 5
    assert lines[0] == (
        "第 3 行：“房东”不是可用的关系，请写业主、家属、租户、借住、其他之一（也可写租客、户主、家人等常用说法）。"
    )
    assert lines[1] == "第 3 行：手机号“1381234567”无效，请写11位手机号，例如 13812345678。"
    # The command compares with the real date, so only the start is fixed.
    assert lines[2].startswith("第 3 行：入住日期 2099-01-01 晚于今天（")
    assert lines[3].startswith("第 3 行：“酗酒”不是可用的标签。")
    assert lines[4] == f"{source} 有 1 行有误（共 4 处），未导入任何数据。请改正后重新导入。"
    assert await stored(db_url) == []


async def test_import_matches_chat_spelling(db_url, tmp_path):
    await run_cli_async(["compound-add", "翠湖苑", "--code", "CHY"], db_url)
    first = write_csv(tmp_path / "first.csv", SHORT_HEADER, "3,2,1002,张三,业主,")
    await run_cli_async(["register-import", "--compound", "CHY", str(first)], db_url)
    second = write_csv(tmp_path / "second.csv", SHORT_HEADER, "3号楼,2单元,１００２室,张三,业主,2023-05-01")

    code, out, err = await run_cli_async(["register-import", "--compound", "CHY", str(second)], db_url)

    assert (code, err) == (0, "")
    assert "新增 0 人，更新 1 人" in out
    engine = create_engine(db_url)
    async with create_sessionmaker(engine)() as session:
        dwellings = [(d.building, d.unit, d.room) for d in await session.scalars(select(Dwelling))]
    await engine.dispose()
    assert dwellings == [("3", "2", "1002")]
    [person] = await stored(db_url)
    assert person.moved_in_on == date(2023, 5, 1)


async def test_import_future_move_in_writes_nothing(db_url, tmp_path):
    await run_cli_async(["compound-add", "翠湖苑", "--code", "CHY"], db_url)
    source = write_csv(tmp_path / "register.csv", SHORT_HEADER, "3,2,1002,张三,业主,", "3,2,1003,李四,业主,2999-12-31")

    code, out, err = await run_cli_async(["register-import", "--compound", "CHY", str(source)], db_url)

    assert code == 2
    assert out == ""
    assert err.splitlines()[0].startswith("第 3 行：入住日期 2999-12-31 晚于今天")
    assert await stored(db_url) == []


async def test_import_updates_and_clears(db_url, tmp_path):
    await run_cli_async(["compound-add", "翠湖苑", "--code", "CHY"], db_url)
    first = write_csv(tmp_path / "first.csv", FULL_HEADER, GOOD_ROWS[0])
    await run_cli_async(["register-import", "--compound", "CHY", str(first)], db_url)
    second = write_csv(tmp_path / "second.csv", "楼栋,单元,房号,姓名,关系,标签", "3,2,1002,张三,业主,")

    code, out, _ = await run_cli_async(["register-import", "--compound", "CHY", str(second)], db_url)

    assert code == 0
    assert "新增 0 人，更新 1 人" in out
    [person] = await stored(db_url)
    assert person.tags == []
    assert person.phone == "13812345678"
    assert person.note == "腿脚不便"


async def test_masked_export_reimport_keeps_phones(db_url, tmp_path):
    await run_cli_async(["compound-add", "翠湖苑", "--code", "CHY"], db_url)
    source = write_csv(tmp_path / "register.csv", FULL_HEADER, GOOD_ROWS[0])
    await run_cli_async(["register-import", "--compound", "CHY", str(source)], db_url)
    exported = tmp_path / "masked.csv"
    await run_cli_async(["register-export", "--compound", "CHY", "--output", str(exported)], db_url)

    code, _, err = await run_cli_async(["register-import", "--compound", "CHY", str(exported)], db_url)

    assert code == 2
    first = err.splitlines()[0]
    assert first.startswith("第 2 行：手机号“138****5678”已打码，无法导入。")
    assert "删去整个“手机号”列" in first
    assert "留空以保留" not in first

    # Removing the column, as the message advises, keeps the stored number.
    without_phone = write_csv(
        tmp_path / "edited.csv", "楼栋,单元,房号,姓名,关系,入住日期", "3,2,1002,张三,业主,2023-05-01"
    )
    code, _, _ = await run_cli_async(["register-import", "--compound", "CHY", str(without_phone)], db_url)
    assert code == 0
    [person] = await stored(db_url)
    assert person.phone == "13812345678"


async def test_import_unknown_compound(db_url, tmp_path):
    source = write_csv(tmp_path / "register.csv", FULL_HEADER, GOOD_ROWS[0])

    code, _, err = await run_cli_async(["register-import", "--compound", "NOPE", str(source)], db_url)

    assert code == 2
    assert "没有编码为 NOPE 的小区" in err


async def test_import_path_not_a_file(db_url, tmp_path):
    await run_cli_async(["compound-add", "翠湖苑", "--code", "CHY"], db_url)

    folder = await run_cli_async(["register-import", "--compound", "CHY", str(tmp_path)], db_url)
    missing = await run_cli_async(["register-import", "--compound", "CHY", str(tmp_path / "无.csv")], db_url)
    device = await run_cli_async(["register-import", "--compound", "CHY", os.devnull], db_url)

    assert folder[0] == 2
    assert folder[2] == f"{tmp_path} 是一个目录，不是文件。请写上住户档案 CSV 文件本身的路径\n"
    assert missing[0] == 2
    assert missing[2] == f"找不到住户档案文件：{tmp_path / '无.csv'}\n"
    assert device[0] == 2
    assert device[2] == f"{os.devnull} 不是普通文件，请写上住户档案 CSV 文件的路径\n"


async def test_export_safe_for_spreadsheets(db_url, tmp_path):
    await run_cli_async(["compound-add", "翠湖苑", "--code", "CHY"], db_url)
    source = write_csv(
        tmp_path / "register.csv", FULL_HEADER, '3,2,1002,张三,业主,13812345678,,,"=HYPERLINK(""http://x"")"'
    )
    await run_cli_async(["register-import", "--compound", "CHY", str(source)], db_url)
    target = tmp_path / "full.csv"

    code, _, _ = await run_cli_async(
        ["register-export", "--compound", "CHY", "--full", "--with-tags", "--output", str(target)], db_url
    )
    again = await run_cli_async(["register-import", "--compound", "CHY", str(target)], db_url)

    assert code == 0
    assert target.stat().st_mode & 0o777 == 0o600
    assert "'=HYPERLINK" in target.read_text(encoding="utf-8-sig")
    assert again[0] == 0
    engine = create_engine(db_url)
    async with create_sessionmaker(engine)() as session:
        notes = list(await session.scalars(select(Occupant.note)))
    await engine.dispose()
    assert notes == ['=HYPERLINK("http://x")']
