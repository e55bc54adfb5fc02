"""Dwelling addresses in the household register: 3栋2单元1002 typed whole, or as three import cells.

Both forms give the same building, unit and room for one dwelling, so the
register never stores one flat twice under two spellings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.errors import BadCommand
from handlers.register import fold
from models import Dwelling
from nlp.locate import chinese_to_int

# The largest building number, because the address patterns below read one to three digits.
MAX_BUILDING_NUMBER = 999
# 3栋2单元1002, 3号楼1002室, A座2单元301; the unit is optional.
_DWELLING_WORDS = re.compile(
    r"^([0-9]{1,3}|[A-Za-z])(?:栋|幢|号楼|座)(?:([0-9]{1,2})单元)?([0-9]{3,4})(?:室|号)?$"
)
# 3-2-1002: building, unit and room separated by dashes.
_DWELLING_DASHED = re.compile(r"^([0-9]{1,3})-([0-9]{1,2})-([0-9]{3,4})$")
# One part of a dwelling in a cell of its own, as an import file has it, with
# the same words the whole address may carry: 3, 3栋, 3号楼, B座; 2, 2单元; 1002, 1002室.
_BUILDING_ALONE = re.compile(r"^([0-9]{1,3}|[A-Za-z])(?:栋|幢|号楼|座)?$")
_UNIT_ALONE = re.compile(r"^([0-9]{1,2})(?:单元)?$")
_ROOM_ALONE = re.compile(r"^([0-9]{3,4})(?:室|号)?$")
_BUILDING_HINT = "请写数字或字母，可带“栋”“号楼”“座”，例如 3、三栋、B座"
_UNIT_HINT = "请写数字，可带“单元”，例如 2、二单元；没有单元的楼栋请留空"
# Registers written by hand spell numbers in Chinese: 三栋, 二单元, 十二号楼.
_CHINESE_NUMERAL = re.compile("[零〇一二两三四五六七八九十百]+")
_CHINESE_DIGITS = str.maketrans("零〇一二两三四五六七八九", "001223456789")
_ROOM_HINT = "请写3到4位数字，可带“室”，例如 1002、1002室"


def is_valid_building(building: str | None) -> bool:
    """Tell whether a case may store a building: none, a letter (A座), or 1 to MAX_BUILDING_NUMBER."""
    if building is None or not building.isdigit():
        return True
    return 1 <= int(building) <= MAX_BUILDING_NUMBER


@dataclass(frozen=True, slots=True)
class DwellingAddress:
    """A dwelling as typed, before it is looked up: building, unit ("" for none) and room."""

    building: str
    unit: str
    room: str

    @property
    def label(self) -> str:
        unit = f"{self.unit}单元" if self.unit else ""
        return f"{self.building}栋{unit}{self.room}室"


def parse_dwelling(text: str) -> DwellingAddress:
    """Read 3栋2单元1002, 3号楼1002室, A座2单元301 or 3-2-1002, with numbers in Chinese too (三栋二单元1002).

    Raises:
        BadCommand: The text is no dwelling in one of those forms, or its
            building, unit or room is 0.
    """
    folded = _arabic_numerals(fold(text).replace(" ", ""))
    match = _DWELLING_WORDS.match(folded) or _DWELLING_DASHED.match(folded)
    if match is None:
        msg = f"无法识别房号“{text}”，请写成“3栋2单元1002”或“3-2-1002”（无单元的写“3栋1002”）。"
        raise BadCommand(msg)
    address = _canonical_address(*match.groups())
    zero_part = _zero_part(address)
    if zero_part is not None:
        msg = f"房号“{text}”中的{zero_part}不能为 0，请核对。"
        raise BadCommand(msg)
    return address


def parse_dwelling_cells(building: str, unit: str, room: str) -> DwellingAddress:
    """Read a dwelling from the 楼栋, 单元 and 房号 cells of an import row.

    Each cell may carry the word that parse_dwelling accepts after that part
    (3栋, 2单元, 1002室), and the result is the address parse_dwelling
    returns for the same dwelling typed whole.

    Raises:
        BadCommand: 楼栋 or 房号 is empty, a cell is no number in its form,
            or a part is 0. The message names the column.
    """
    building_value = _read_cell("楼栋", building, _BUILDING_ALONE, _BUILDING_HINT)
    unit_value = _read_cell("单元", unit, _UNIT_ALONE, _UNIT_HINT) if _fold_cell(unit) else None
    room_value = _read_cell("房号", room, _ROOM_ALONE, _ROOM_HINT)
    address = _canonical_address(building_value, unit_value, room_value)
    zero_part = _zero_part(address)
    if zero_part is not None:
        typed = {"楼栋": building, "单元": unit, "房号": room}[zero_part]
        msg = f"{zero_part}“{typed}”无效，{zero_part}不能为 0"
        raise BadCommand(msg)
    return address


def _read_cell(column: str, text: str, pattern: re.Pattern[str], hint: str) -> str:
    folded = _fold_cell(text)
    if not folded:
        msg = f"{column}为空，{hint}"
        raise BadCommand(msg)
    match = pattern.match(folded)
    if match is None:
        msg = f"{column}“{text}”无法识别，{hint}"
        raise BadCommand(msg)
    return match.group(1)


def _fold_cell(text: str) -> str:
    return _arabic_numerals(fold(text).replace(" ", ""))


def _arabic_numerals(text: str) -> str:
    """Write each Chinese numeral in `text` in digits: 十二 as 12, and 一零零二 digit by digit as 1002."""
    return _CHINESE_NUMERAL.sub(_numeral_digits, text)


def building_number(numeral: str) -> int:
    """Return the value of a building number typed in digits or Chinese numerals: 12, 十二, 零, 一〇〇〇.

    Raises:
        ValueError: The text is neither digits nor a Chinese numeral.
    """
    return int(_arabic_numerals(numeral))


def _numeral_digits(match: re.Match[str]) -> str:
    numeral = match.group()
    if "十" in numeral or "百" in numeral:
        return str(chinese_to_int(numeral.replace("〇", "零")))
    return numeral.translate(_CHINESE_DIGITS)


def _canonical_address(building: str, unit: str | None, room: str) -> DwellingAddress:
    # Case locations store numbers without leading zeros, so 03栋 and 3栋 are one building.
    # Rooms keep their digits as typed, as case locations do.
    building = str(int(building)) if building.isdigit() else building.upper()
    return DwellingAddress(building, str(int(unit)) if unit else "", room)


def _zero_part(address: DwellingAddress) -> str | None:
    """Return the name of the first part of an address that is the number 0, if any."""
    if address.building == "0":
        return "楼栋"
    if address.unit == "0":
        return "单元"
    if int(address.room) == 0:
        return "房号"
    return None


def dwelling_label(dwelling: Dwelling) -> str:
    return DwellingAddress(dwelling.building, dwelling.unit, dwelling.room).label
