"""Location extraction: building, unit, room and named place.

Residents write the same flat as 3栋2单元1002室, 3号楼2单元1002, 三栋二单元,
3-2-1002 or just "1002的"; officers need the fields apart so a case can be
matched to a block and a door.
"""

from __future__ import annotations

import re

from nlp.findings import RELATIVE_PLACES, Location
from nlp.numbers import ROOM_MARKER, is_quantity, looks_like_room, parking_space, parking_space_name

_CN_VALUES = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
_CN_VALUES.update({"八": 8, "九": 9})
_CN_NUMBER = "[零〇一二两三四五六七八九十百]{1,4}"
_NUMBER = rf"(?:\d{{1,3}}|{_CN_NUMBER})"

# The patterns that start with a number test the character before it in a
# lookbehind placed after the first digit ("\d(?<![\d.]\d)" rather than
# "(?<![\d.])\d"). It tests the same character, but a pattern that opens with
# a digit class lets re skip in C to the digits instead of trying every
# position.

# 5-2-301 and 5-2-301室: building, unit, room.
_TRIPLE = re.compile(r"(\d(?<![\d.-]\d)\d{0,2})-(\d{1,2})-(\d{3,4})(?![\d-])")
_BUILDING = re.compile(rf"(?<![\d.])({_NUMBER})\s?(?:号楼|栋|幢|#楼|#|号院)")
# 座 only after a Latin letter or digit (A座, 3座): 一座 is "one of".
_BUILDING_LETTER = re.compile(r"(?<![A-Za-z\d])([A-Za-z]|\d{1,2})\s?座")
_UNIT = re.compile(rf"(?<![\d.])({_NUMBER})\s?单元")
_ROOM_MARKED = re.compile(rf"(\d(?<![\d.-]\d)\d{{2,3}})\s?{ROOM_MARKER}")
# Three or four digits that are not part of a longer number, a decimal, a
# time (12:30), a date (2026/3/02), a code (B1-203) or a percentage.
_BARE_NUMBER = re.compile(r"\d(?<![\d.\-:/A-Za-z]\d)\d{2,3}(?![\d.:/%])")
# Characters allowed between a building or unit and the room after it:
# 3栋1002, 5栋 302, 3栋的1002.
_ADDRESS_GAP = frozenset(" 的-")
_MAX_ADDRESS_GAP = 3
# A number after a street name is a house number of a street address
# (解放路213号), not a flat.
_STREET_BEFORE = re.compile(r"(?:路|街|巷|弄|大道)\s?$")
# Words after a number that make it a building, a floor or part of a name:
# 101栋, 105层, 601小区, 520公交.
_NAME_AFTER = re.compile(r"\s?(?:栋|幢|单元|号楼|号院|#|层|小区|社区|公交|大院)")
# A group of three or more digits one space or dash away makes a number
# part of a phone number or a list of figures (138 1234 5678). "+1 1802"
# is a me-too and a flat.
_DIGITS_BEFORE = re.compile(r"\d{3}[\s-]$")
_DIGITS_AFTER = re.compile(r"[\s-]\d{3}")

# Emergency and service numbers that look like room numbers.
_HOTLINES = frozenset({"110", "119", "120", "122", "12345", "12315"})

_DIRECTIONS = "东西南北"
# Named places, longest first so 地下车库 wins over 车库.
_PLACES = sorted(
    {
        *(f"{side}门" for side in _DIRECTIONS),
        *(f"{side}大门" for side in _DIRECTIONS),
        "小区门口",
        "小区大门",
        "正门",
        "大门口",
        "侧门",
        "后门",
        "地下车库",
        "地下停车场",
        "停车场",
        "车库",
        "地库",
        "负一楼",
        "负二楼",
        "负一层",
        "负二层",
        "车棚",
        "充电棚",
        "楼道",
        "楼梯间",
        "电梯间",
        "电梯口",
        "楼顶",
        "天台",
        "屋顶",
        "地下室",
        "架空层",
        "中心广场",
        "广场",
        "花园",
        "小花园",
        "游乐场",
        "儿童乐园",
        "篮球场",
        "健身区",
        "绿化带",
        "草坪",
        "垃圾站",
        "垃圾房",
        "岗亭",
        "门岗",
        "物业办公室",
        "物业中心",
        "快递柜",
        "菜鸟驿站",
        "消防通道",
        "主干道",
        "小区门外",
        "马路对面",
        "幼儿园门口",
        "配电房",
        "水泵房",
        "单元门口",
        "楼下",
    },
    key=len,
    reverse=True,
)
# Every alternative opens with a literal character, so re skips in C to the
# positions that contain one of the places' first characters.
_PLACE = re.compile("|".join(map(re.escape, _PLACES)))
_GARAGE_LEVEL = re.compile(r"(?<![A-Za-z])([Bb][1-3])(?:层|车库|区)?")
# A garage named with its level, the level before or after the garage word:
# 地下车库B2, 地库负二层, B1层车库, 车库的负一楼.
_GARAGE_WORD = "(?:地下车库|地下停车场|停车场|车库|地库)"
_LEVEL_WORD = r"(?<![A-Za-z])(?:[Bb]([1-3])|负([一二三1-3]))(?:层|楼)?"
_GARAGE_WITH_LEVEL = re.compile(rf"{_GARAGE_WORD}\s?的?\s?{_LEVEL_WORD}|{_LEVEL_WORD}\s?的?\s?{_GARAGE_WORD}")
_LEVEL_DIGITS = {"一": "1", "二": "2", "三": "3"}
# Every room and flat triple ends in three digits or more. "\d\d\d" rather
# than "\d{3}", because re skips in C to a class but not to a repeat.
_THREE_DIGITS = re.compile(r"\d\d\d")
# Location is frozen, so all messages that name no location can share one.
_EMPTY_LOCATION = Location()


def chinese_to_int(numeral: str) -> int:
    """Convert a small Chinese numeral (三, 十二, 二十三, 一百零五) to an int.

    Args:
        numeral: Chinese digits, optionally with 十 and 百.

    Raises:
        ValueError: The numeral contains a character that is not a digit.
    """
    total = 0
    current = 0
    for char in numeral:
        if char == "百":
            total += (current or 1) * 100
            current = 0
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char in _CN_VALUES:
            current = _CN_VALUES[char]
        else:
            msg = f"not a Chinese numeral: {numeral!r}"
            raise ValueError(msg)
    return total + current


def _number(value: str) -> str:
    if value.isdigit():
        return str(int(value))
    return str(chinese_to_int(value))


def extract_location(text: str) -> Location:
    """Find the building, unit, room and place named in a message.

    The first mention of each field wins, since residents name the problem
    spot before any comparison ("3栋漏水, 5栋也漏过"). A parking space
    (车位0123) is the place even after another place name, because it is
    the narrower spot: 地下车库0123号车位 has the place 0123号车位.

    Args:
        text: Normalised text, see nlp.normalize.normalize.
    """
    building = unit = room = place = None

    # A parking space is a place, and its number (车位1203) is no flat, so
    # the rooms are read from the text without it.
    space = parking_space(text) if "车位" in text else None
    if space is not None:
        place = parking_space_name(space)
        text = text[: space.start()] + " " * (space.end() - space.start()) + text[space.end() :]

    # Most messages name no flat, so each pattern is only searched when the
    # text contains a character that every match of it needs. The substring
    # tests cost far less than the regex scans they skip.
    has_room_digits = _THREE_DIGITS.search(text) is not None
    if has_room_digits and "-" in text:
        triple = _TRIPLE.search(text)
        if triple:
            building, unit, room = (str(int(group)) for group in triple.groups())
            room = triple.group(3)

    # Where the building and the unit end, because a number right after
    # them is a room (3栋1002, 2单元 302).
    address_ends = []
    if building is None:
        match = None
        if "栋" in text or "号" in text or "幢" in text or "#" in text:
            match = _BUILDING.search(text)
        if match is None and "座" in text:
            match = _BUILDING_LETTER.search(text)
        if match:
            value = match.group(1)
            building = value.upper() if value.isascii() and value.isalpha() else _number(value)
            address_ends.append(match.end())
    if unit is None and "单元" in text:
        match = _UNIT.search(text)
        if match:
            unit = _number(match.group(1))
            address_ends.append(match.end())
    if room is None and has_room_digits:
        match = None
        if "室" in text or "房" in text:
            match = _ROOM_MARKED.search(text)
        room = match.group(1) if match else _bare_room(text, address_ends)

    garage = _garage_level(text) if place is None else None
    if garage is not None:
        place = garage
    match = _PLACE.search(text) if place is None else None
    if match:
        place = match.group(0)
    elif place is None and ("B" in text or "b" in text):
        garage = _GARAGE_LEVEL.search(text)
        if garage:
            place = garage.group(1).upper()

    if building is None and unit is None and room is None and place is None:
        return _EMPTY_LOCATION
    return Location(building=building, unit=unit, room=room, place=place)


def _garage_level(text: str) -> str | None:
    """Return the garage with its level (地下车库B2), or None when the text names no garage level.

    Every spelling of one level gives one place, so 地库负二层, 地下车库b2 and
    B2层车库 are the same spot to the duplicate rules, and B1 and B2 are two.
    A level implies the underground garage, so 车库 and 停车场 become 地下车库.
    """
    if "库" not in text and "停车场" not in text:
        return None
    match = _GARAGE_WITH_LEVEL.search(text)
    if match is None:
        return None
    level = next(group for group in match.groups() if group is not None)
    return f"地下车库B{_LEVEL_DIGITS.get(level, level)}"


def _bare_room(text: str, address_ends: list[int]) -> str | None:
    """Return the first number without 室 or 房 that reads as a room.

    Right after a building or unit (3栋1002, 2单元 302), any number that is
    no quantity is a room. Elsewhere (楼上1202, 听说1103进了小偷, 302户的狗)
    the number must also be shaped like a flat (see
    nlp.numbers.looks_like_room), which amounts such as 300 or 1200 and
    case numbers such as 0001 are not. A number is never a room when the
    words around it make it an amount, a count, a rate or a reference (see
    nlp.numbers.is_quantity). Nor is an emergency number, a street number,
    or a number that is part of a name or of a phone number.

    Args:
        text: Normalised text, see nlp.normalize.normalize.
        address_ends: Where the building and unit that the text names end.
    """
    for match in _BARE_NUMBER.finditer(text):
        number = match.group(0)
        start, end = match.span()
        if number in _HOTLINES or is_quantity(text, start, end):
            continue
        before = max(0, start - 4)
        if _STREET_BEFORE.search(text, before, start) or _NAME_AFTER.match(text, end):
            continue
        if _DIGITS_BEFORE.search(text, before, start) or _DIGITS_AFTER.match(text, end):
            continue
        if any(_after_address(text, address_end, start) for address_end in address_ends):
            return number
        if looks_like_room(number):
            return number
    return None


def _after_address(text: str, address_end: int, start: int) -> bool:
    if address_end > start:
        return False
    gap = text[address_end:start]
    return len(gap) <= _MAX_ADDRESS_GAP and all(char in _ADDRESS_GAP for char in gap)


# The addresses and place names that extract_location reads, the places named
# relative to the writer (楼上, 隔壁) even where it does not, and any number.
_LOCATION_WORDS = re.compile(
    "|".join(
        pattern.pattern
        for pattern in (_TRIPLE, _BUILDING, _BUILDING_LETTER, _UNIT, _ROOM_MARKED, _PLACE, _GARAGE_LEVEL)
    )
    + "|"
    + "|".join(map(re.escape, sorted(RELATIVE_PLACES, key=len, reverse=True)))
    + r"|\d+"
)


def split_at_locations(text: str) -> list[str]:
    """Return the pieces of a text between its addresses, place names and numbers.

    "3栋楼道灯不亮了" gives ["灯不亮了"]: what is wrong, without where.

    Args:
        text: Normalised text, see nlp.normalize.normalize.
    """
    pieces = []
    start = 0
    # finditer rather than split, because split would also return the
    # patterns' groups.
    for match in _LOCATION_WORDS.finditer(text):
        pieces.append(text[start : match.start()])
        start = match.end()
    pieces.append(text[start:])
    return [piece for piece in pieces if piece]


# Characters and words allowed around an address in a line that gives
# nothing else: digits, numerals, address words and fillers such as 是, 在, 的.
_ADDRESS_ONLY = re.compile(
    r"[\d一二三四五六七八九十百零〇两\s\W_A-Za-z]|号楼|单元|我家|我们|[是在的就那这边个栋号楼幢座门室层我]"
)


def address_leftover(text: str) -> str:
    """Return what a line contains besides digits, address words and fillers.

    Args:
        text: Normalised text, see nlp.normalize.normalize.
    """
    return _ADDRESS_ONLY.sub("", text)


# Words a resident may put around an address they give in reply: thanks,
# the person they thank and sentence particles ("8栋2单元,谢谢",
# "2栋1单元,谢谢你啊姑娘"). Longer words come first, so 小姑娘 is taken whole.
_COURTESY = re.compile(
    r"谢谢|多谢|感谢|谢了|谢啦|(?:麻烦|辛苦)(?:你们|你|您)?了|拜托了|"
    r"小姑娘|姑娘|小伙子|师傅|同志|老师|大家|你们|你|您|[啊呀哈哦噢嗯呢吧啦嘛哟喔]"
)
# Words that put a spot next to a building: "10栋旁边", "3栋那里".
_NEAR = re.compile(r"旁边|边上|附近|前面|后面|那里|这里|那儿|这儿")
_RELATIVE_PLACE = re.compile("|".join(map(re.escape, sorted(RELATIVE_PLACES, key=len, reverse=True))))


def is_bare_address(text: str) -> bool:
    """Tell whether a line gives only an address with a building, perhaps with thanks around it.

    "是3栋2单元的", "5号楼", "10栋楼下" and "8栋2单元,谢谢" are addresses,
    while "3栋楼道灯也不亮了" also names a problem.

    Args:
        text: Normalised text, see nlp.normalize.normalize.
    """
    if extract_location(text).building is None:
        return False
    return has_only_address_words(text)


def has_only_address_words(text: str) -> bool:
    """Tell whether a line contains only address words, place names, numbers and thanks, with or without a building.

    "99999栋" has only address words though no building is read from it.

    Args:
        text: Normalised text, see nlp.normalize.normalize.
    """
    rest = _RELATIVE_PLACE.sub("", _PLACE.sub("", text))
    rest = _NEAR.sub("", _COURTESY.sub("", rest))
    return not address_leftover(rest)
