"""Masking of personal details in text that a whole group, or staff, can read."""

from __future__ import annotations

import re

from nlp.numbers import PARKING_SPACE, ROOM_MARKER, is_quantity

# Mainland mobile numbers: 11 digits starting with 1[3-9], possibly split by
# spaces or dashes. Chinese input methods in full-width mode type the digits
# as １３８…, which \d matches but [3-9] does not, so both forms are listed.
# The number may follow the country code (+86, 86 or 0086) with no break.
_PHONE = re.compile(
    r"(?:(?<!\d)|(?<=(?<!\d)86)|(?<=(?<!\d)0086))([1１][3-9３-９]\d)[\s\-－]?(\d{4})[\s\-－]?(\d{4})(?!\d)"
)
# Landline numbers: an area code (010, 02x or a four-digit one such as 0571),
# perhaps in brackets, then seven or eight digits, split or not. The area
# code's leading 0 keeps dates, rooms and case numbers (at most six digits) out.
_LANDLINE = re.compile(
    r"(?<![\d\-－])[(（]?([0０](?:[1１][0０]|[2２]\d|[3-9３-９]\d{2}))[)）]?[\s\-－]?"
    r"(\d{3,4})[\s\-－]?(\d{4})(?!\d)(?![\-－]\d)"
)
# Resident ID numbers: 17 digits and a check digit or X.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
# First-generation ID numbers, still printed on old cards: a six-digit area
# code, the birth date as YYMMDD and three more digits. Checking the date
# part keeps most other 15-digit numbers (orders, accounts) from matching.
_OLD_ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])[1-8]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z])"
)
# A room after a building and/or unit: 3栋2单元1002室, 3-2-1002, 5号楼1201.
_ROOM_AFTER_UNIT = re.compile(
    r"((?:\d+|[一二三四五六七八九十]+|[A-Za-z])\s*(?:栋|幢|号楼|座|单元|楼)\s*)(\d{3,4})\s*(?:室|号房|房间|房|号)?"
)
_ROOM_DASHED = re.compile(r"(?<![\d-])(\d{1,2})-(\d{1,2})-(\d{3,4})(?![\d-])")
_ROOM_ALONE = re.compile(rf"(?<!\d)(\d{{3,4}})\s*{ROOM_MARKER}")
# A flat named by its number alone, as neighbours write it: 楼上1202, 1502的, 1502那家.
_ROOM_NEIGHBOUR = re.compile(
    r"(?:(?<=楼上)|(?<=楼下)|(?<=隔壁)|(?<=对门))\s*\d{3,4}(?!\d)|(?<![\d.])\d{3,4}(?=\s*(?:的|家|那家|这家|住户|业主))"
)


# Any other bare number of three or four digits. In residents' messages such
# numbers are nearly always flats (住在1203, 1801、1802, 2-301). The number is
# kept when a decimal point, a date or the words around it (see
# nlp.numbers.is_quantity) show it is an amount, a count, a time, a year or a
# reference.
_BARE_NUMBER = re.compile(r"(?<![\d.:：*])\d{3,4}(?![\d.:：%％*])(?!\s*(?:/|-\d))")

# Emergency numbers (110 police, 119 fire, 120 ambulance, 122 traffic police)
# in an urgent report tell neighbours what to do, so they stay when the words
# around them are about calling or a rescue service: 快打119, 叫了120,
# 119来了, 消防车119. A bare 119 without such words may still be a flat.
_EMERGENCY_NUMBERS = frozenset({"110", "119", "120", "122"})
_CALL_BEFORE = re.compile(
    r"(?:打|叫|报|拨|呼叫|报警|联系|消防车?|救护车|急救车?|警察)(?:了|过|个|一下)?\s*$"
)
_CALL_AFTER = re.compile(r"\s*(?:急救|救护|消防|报警|电话|来了|到了|已经|马上|赶到|的车)")


def contains_id_number(text: str) -> bool:
    """Tell whether a text contains a resident ID number of 18 characters or an old one of 15 digits."""
    return _ID_NUMBER.search(text) is not None or _OLD_ID_NUMBER.search(text) is not None


def mask_phone(phone: str) -> str:
    """Mask a phone number as 138****1234."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


# A case number after the word for a case or a command verb is not personal.
_CASE_REFERENCE = re.compile(
    r"(?:工单|查询|评价|补充|撤回|受理|办结|重开|升级|合并|拆分|时限|挂起|恢复计时|分类|转派)\s*[#＃]?\d{1,6}"
)
# A reference number another office gave, which the resident needs to follow
# the matter up: 编号A123, 回执号：2026-0315, 工单号为 HZ20260315. 编号 after
# 房屋, 门牌, 车位 or 户 names a home or a parking space, so it is not one.
_OFFICE_REFERENCE = re.compile(
    r"(?P<word>(?:(?<![房屋门牌车位户])编号|单号|受理号|回执号|流水号|案件号|办件号)\s*[:：]?\s*(?:为|是)?\s*)"
    r"(?P<number>[0-9A-Za-z][0-9A-Za-z-]*)"
)
# Parking spaces (车位0123, B1-023号车位) are kept too: see nlp.numbers.PARKING_SPACE.
_KEPT = re.compile(f"{_CASE_REFERENCE.pattern}|{_OFFICE_REFERENCE.pattern}|{PARKING_SPACE.pattern}")


def mask_for_group(text: str) -> str:
    """Mask mobile and landline numbers, ID numbers and room numbers for a group message.

    Buildings and units stay, so neighbours can tell which problem it is:
    3栋2单元1002室 becomes 3栋2单元****. Case numbers (工单 0034, 查询 0034),
    other offices' reference numbers (编号A123) and parking spaces (车位0123)
    are kept, unless such a number is itself a phone, ID or room number.
    So are emergency numbers someone calls or is told to call (快打119).
    """
    pieces: list[str] = []
    start = 0
    for reference in _KEPT.finditer(text):
        pieces.append(_mask_personal(text[start : reference.start()]))
        pieces.append(_keep_reference(reference))
        start = reference.end()
    pieces.append(_mask_personal(text[start:]))
    return "".join(pieces)


def _keep_reference(match: re.Match[str]) -> str:
    number = match.group("number")
    if number is None:
        return match.group(0)
    patterns = (_PHONE, _LANDLINE, _ID_NUMBER, _OLD_ID_NUMBER, _ROOM_DASHED)
    personal = any(pattern.search(number) for pattern in patterns)
    return match.group("word") + (_mask_personal(number) if personal else number)


def mask_contacts(text: str) -> str:
    """Mask phone numbers and ID numbers, but keep rooms, for notices to the parties and officers.

    Staff need the full location to visit, but not a resident's phone or ID
    number, which the register masks for staff too. The person's own
    replies are not masked with this.
    """
    return _LANDLINE.sub(_masked_phone, _PHONE.sub(_masked_phone, mask_id_numbers(text)))


def mask_id_numbers(text: str) -> str:
    """Mask resident ID numbers, which no screen shows, not even to the person's own case officer."""
    text = _ID_NUMBER.sub("******************", text)
    return _OLD_ID_NUMBER.sub("***************", text)


def mask_for_private_chat(text: str, *, full_phone: bool) -> str:
    """Mask a resident's text for one person's private chat: ID numbers always, phone numbers unless full_phone.

    full_phone is for the staff who handle the case, who need to call the
    resident back, and for the person who wrote the text.
    """
    return mask_id_numbers(text) if full_phone else mask_contacts(text)


def _masked_phone(match: re.Match[str]) -> str:
    # Separators go too, so the prefix is no bare number that the room rule would mask.
    return f"{match.group(1)}****{match.group(3)}"


def _mask_personal(text: str) -> str:
    text = mask_contacts(text)
    text = _ROOM_DASHED.sub(lambda m: f"{m.group(1)}-{m.group(2)}-****", text)
    text = _ROOM_AFTER_UNIT.sub(_mask_room_after_unit, text)
    text = _ROOM_ALONE.sub("****", text)
    text = _ROOM_NEIGHBOUR.sub(_mask_unless_quantity, text)
    text = _BARE_NUMBER.sub(_mask_bare_number, text)
    return text


def _mask_bare_number(match: re.Match[str]) -> str:
    if match.group(0) in _EMERGENCY_NUMBERS and _is_call(match):
        return match.group(0)
    return _mask_unless_quantity(match)


def _is_call(match: re.Match[str]) -> bool:
    before = match.string[max(0, match.start() - 6) : match.start()]
    return _CALL_BEFORE.search(before) is not None or _CALL_AFTER.match(match.string, match.end()) is not None


def _mask_room_after_unit(match: re.Match[str]) -> str:
    # 9栋120户 counts the households of a building, and 3栋300平 is a size.
    if is_quantity(match.string, match.start(2), match.end(2)):
        return match.group(0)
    return f"{match.group(1)}****"


def _mask_unless_quantity(match: re.Match[str]) -> str:
    # 一个月收300 and 交了1200 are amounts that neighbours need to read.
    digits = re.search(r"\d+", match.group(0))
    if digits is not None and is_quantity(match.string, match.start() + digits.start(), match.start() + digits.end()):
        return match.group(0)
    return "****"


def mask_name(name: str) -> str:
    """Keep the first character of a display name: 张三丰 becomes 张**."""
    if not name:
        return ""
    return name[0] + "*" * min(len(name) - 1, 2) if len(name) > 1 else name
