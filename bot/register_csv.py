"""CSV import and export of one compound's household register.

The header, in this order (UTF-8, a byte-order mark is accepted and written
to files so spreadsheet programs read the Chinese correctly):

    楼栋,单元,房号,姓名,关系,手机号,入住日期,标签,备注

楼栋, 房号, 姓名 and 关系 must be filled; 单元 may be empty for buildings
without units. The three address cells may carry the words that 登记住户
accepts (3栋, 3号楼, B座, 2单元, 1002室) and are stored as 登记住户 stores
the same dwelling, so 3号楼 and 3 are one building. Tags are separated by
、 or ; and must come from handlers.register.TAGS. On import the columns
手机号, 入住日期, 标签 and 备注 may be left out of the header, and then the
stored values stay. An empty cell in a column that is present clears the
value. Rows update the living person of the same name at the dwelling, or
add a new one. Empty columns after the last named one, which spreadsheet
programs add, are ignored. An import may also be GBK, which Excel writes
for "CSV (逗号分隔)" on Chinese Windows.

The export lists living people only. It masks phones unless asked for full
phones, and leaves out 标签 and 备注 unless asked for tags.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import BadCommand
from handlers.masking import mask_phone
from handlers.register import (
    RELATIONS,
    OccupantEntry,
    check_name,
    check_note,
    has_id_number,
    parse_moved_in,
    parse_phone,
    parse_relation,
    parse_tags,
)
from handlers.register_address import DwellingAddress, parse_dwelling_cells
from handlers.register_store import save_occupant
from models import Compound, Dwelling, Occupant

HEADER = ("楼栋", "单元", "房号", "姓名", "关系", "手机号", "入住日期", "标签", "备注")
REQUIRED = ("楼栋", "单元", "房号", "姓名", "关系")
# Columns an import may leave out, with the field each one fills.
OPTIONAL = {"手机号": "phone", "入住日期": "moved_in_on", "标签": "tags", "备注": "note"}
_TAG_SEPARATORS = re.compile(r"[、;；,，\s]+")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RowError:
    """A rejected line of an import file; line 1 is the header."""

    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class ImportRow:
    line: int
    address: DwellingAddress
    entry: OccupantEntry


# A spreadsheet runs a cell that opens with one of these as a formula, so
# export prefixes such a cell with an apostrophe and import removes it.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _export_cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def _import_cell(value: str) -> str:
    value = value.strip()
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_STARTS) else value


def decode_register(data: bytes) -> str | None:
    """Decode an import file as UTF-8, or else as GB18030, or return None.

    GB18030 is a superset of GBK, the encoding of Excel's plain CSV on Chinese
    Windows. It decodes most byte strings, so its result counts only when
    the first line then contains the required column names.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    header = {cell.strip() for cell in next(csv.reader(io.StringIO(text)), [])}
    return text if set(REQUIRED) <= header else None


def read_register(text: str, *, today: date) -> tuple[list[ImportRow], list[RowError]]:
    """Check every row of an import file; return the rows and every error found.

    A row may have several errors, each its own RowError. `today` is the
    current date in the bot's time zone; a later move-in date is an error.
    """
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = _trim_blank_tail([cell.strip() for cell in next(reader, [])])
    reason = _header_problem(header)
    if reason is not None:
        return [], [RowError(1, reason)]

    rows: list[ImportRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[DwellingAddress, str], int] = {}
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        # Spreadsheet programs write a comma for each empty column past the data.
        if len(cells) > len(header) and not any(cell.strip() for cell in cells[len(header) :]):
            cells = cells[: len(header)]
        if len(cells) != len(header):
            errors.append(RowError(line, f"应有 {len(header)} 列，实际 {len(cells)} 列"))
            continue
        row, reasons = _read_row(line, dict(zip(header, (_import_cell(cell) for cell in cells), strict=True)), today)
        if row is None:
            errors += [RowError(line, reason) for reason in reasons]
            continue
        key = (row.address, row.entry.name)
        if key in seen:
            errors.append(RowError(line, f"与第 {seen[key]} 行重复：{row.address.label} {row.entry.name}"))
            continue
        seen[key] = line
        rows.append(row)
    return rows, errors


def _trim_blank_tail(cells: list[str]) -> list[str]:
    """Drop the empty cells at the end of a header, which spreadsheet programs add after the last column."""
    while cells and not cells[-1]:
        cells = cells[:-1]
    return cells


def _header_problem(header: list[str]) -> str | None:
    """Describe what is wrong with an import header, naming each unknown, missing or repeated column."""
    unknown = [name or "（空白列名）" for name in header if name not in HEADER]
    missing = [name for name in REQUIRED if name not in header]
    repeated = sorted({name for name in header if header.count(name) > 1}, key=header.index)
    if not (unknown or missing or repeated):
        return None
    details = []
    if unknown:
        details.append(f"不认识的列：{'、'.join(unknown)}")
    if missing:
        details.append(f"缺少的列：{'、'.join(missing)}")
    if repeated:
        details.append(f"重复的列：{'、'.join(repeated)}")
    expected = f"表头应为 {','.join(HEADER)}（{'、'.join(OPTIONAL)} 可省略），实际为 {','.join(header)}"
    return f"{expected}。{'；'.join(details)}"


def _read_row(line: int, cells: dict[str, str], today: date) -> tuple[ImportRow | None, list[str]]:
    """Check every cell of a row; return the row, or None and the reason for each bad cell."""
    reasons: list[str] = []

    def check(parse: Callable[..., T], *values: str) -> T | None:
        try:
            return parse(*values)
        except BadCommand as exc:
            reasons.append(str(exc))
            return None

    # A cell with an ID number is reported as that and nothing else, so no
    # later message quotes the number back.
    with_id = [column for column, value in cells.items() if has_id_number(value)]
    for column in with_id:
        reasons.append(f"{column}中有身份证号。住户档案不登记身份证号，请删去后重新导入。")

    address = None
    if not {"楼栋", "单元", "房号"} & set(with_id):
        address = check(parse_dwelling_cells, cells["楼栋"], cells["单元"], cells["房号"])
    name = relation = None
    if "姓名" not in with_id:
        if cells["姓名"]:
            name = check(check_name, cells["姓名"])
        else:
            reasons.append("姓名为空，请填写住户姓名")
    if "关系" not in with_id:
        if cells["关系"]:
            relation = check(parse_relation, cells["关系"])
        else:
            reasons.append(f"关系为空，请填写{'、'.join(RELATIONS)}之一")

    entry = OccupantEntry(name=name or "", relation=relation)
    for column, field_name in OPTIONAL.items():
        if column not in cells or column in with_id:
            continue
        value = cells[column]
        if not value:
            entry.clear.add(field_name)
        elif column == "手机号":
            entry.phone = check(_import_phone, value)
        elif column == "入住日期":
            entry.moved_in_on = check(lambda text: parse_moved_in(text, today), value)
        elif column == "标签":
            entry.tags = check(lambda text: parse_tags(_TAG_SEPARATORS.split(text)), value)
        else:
            entry.note = check(lambda text: check_note(text, in_import=True), value)

    if reasons or address is None:
        return None, reasons
    return ImportRow(line, address, entry), []


def _import_phone(value: str) -> str:
    if "*" in value:
        # An empty cell clears the stored phone, so keeping it takes leaving the column out.
        msg = (
            f"手机号“{value}”已打码，无法导入。请填写完整手机号；要保留已登记的号码，"
            "请从表头和各行中删去整个“手机号”列（只清空单元格会清除已登记的号码）"
        )
        raise BadCommand(msg)
    return parse_phone(value)


async def write_register(session: AsyncSession, compound: Compound, rows: list[ImportRow], now: datetime) -> int:
    """Store checked rows; return how many people were new. The caller's transaction makes it all or nothing."""
    added = 0
    for row in rows:
        _occupant, created = await save_occupant(session, compound, row.address, row.entry, now)
        added += created
    return added


async def export_register(session: AsyncSession, compound: Compound, *, full: bool, with_tags: bool) -> str:
    """Return the compound's living people as CSV text, phones masked unless `full`."""
    header = [h for h in HEADER if with_tags or h not in ("标签", "备注")]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    people = await session.scalars(
        select(Occupant)
        .join(Dwelling, Dwelling.id == Occupant.dwelling_id)
        .where(Dwelling.compound_id == compound.id, Occupant.moved_out_at.is_(None))
        .order_by(Dwelling.building, Dwelling.unit, Dwelling.room, Occupant.id)
    )
    for person in people:
        dwelling = person.dwelling
        phone = person.phone or ""
        row = [
            dwelling.building,
            dwelling.unit,
            dwelling.room,
            person.name,
            person.relation,
            phone if full or not phone else mask_phone(phone),
            f"{person.moved_in_on:%Y-%m-%d}" if person.moved_in_on else "",
        ]
        if with_tags:
            row += ["、".join(person.tags), person.note]
        writer.writerow([_export_cell(value) for value in row])
    return out.getvalue()
