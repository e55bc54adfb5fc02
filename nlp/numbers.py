"""Words around a number in a resident's message that tell a flat from an amount, a count or a reference.

Residents write flats as bare numbers (楼上1202, 1502的), but the same three
or four digits also price a parking space (一个月收300), count households
(共有860户) or name a case (重开 0001). Location extraction and the masking
of group replies both need to tell these apart, so the words around a number
that show it is no flat are listed here once.
"""

from __future__ import annotations

import re

# Units and measure words right after a number: 300元, 120平, 30天, 200人,
# 1000多, 300一个月, 2016以来. 天 before 天, 花板, 台, 然 or 井 starts another word
# (1202天天吵, 1102天花板漏水), and so does 每天 (1202每天往下滴水). A
# Latin unit must end the word (300w, 20kg), so a letter that starts a word
# does not count.
_UNIT_AFTER = re.compile(
    r"\s?(?:"
    r"年|月|周|天(?![天花台然井])|日|小时|时|分|秒|点|岁|以来|至今"
    r"|元|块|角|毛|万|千|百|多|余|左右"
    r"|平|㎡|方|米|公里|斤|公斤|克|吨|度|瓦|伏|毫|厘|升"
    r"|个|次|人|位|名|辆|台|只|条|件|张|袋|箱|份|票|套|间|级|期|倍|区|路|国道|省道|号线"
    r"|一个?(?:月|年|周|次|平|方|小时)|每个?(?:月|年|平|方)"
    r"|(?:cm|mm|kg|km|[mMkKwWvV])(?![A-Za-z])"
    r")"
)

# Words that count households or shops (120户, 300家), but also follow a
# flat (1202户的狗, 1502家). They make a number a count only when it is not
# shaped like a flat.
_COUNT_AFTER = re.compile(r"\s?[户家]")

# Words right before a number that make it money, a count, a rate or a
# reference rather than a flat. A few filler words may stand between: 收了,
# 涨到, 一共才, 编号是.
_CUE_BEFORE = re.compile(
    r"(?:"
    # Money and payments: 一个月收300, 交了1200, 物业费350, 罚款500.
    r"收|交|缴|付|花|罚|赔|退|补|涨|降|扣|充|欠|费|钱|价|金|租|资|款|账|[¥￥$]"
    r"|合计|共计|总计|总额|余额|预算|报价|收入|支出|开支|成本"
    # Rates: 一个月300, 每户200.
    r"|[一每]个?(?:月|年|周|天|次|平米?|方|户|人)"
    # Counts and estimates: 共有860户, 大概300, 第120.
    r"|共有?|一共|总共|约|大约|大概|差不多|将近|超过|不到|至少|最多|多达|足足|整整|第"
    # Phones, codes and other references. 编号 after 房屋, 门牌, 车位 or 户
    # numbers a home or a parking space.
    r"|电话|手机|(?<!门牌)(?<!房间)号码|尾号|尾数|热线|拨打|微信|QQ|qq|验证码|密码|取件码|取餐码"
    r"|(?<![屋牌位户])编号|单号|卡号|车牌|工号|账号|订单|快递"
    # A case number after a command verb or the word for a case: 重开 0001,
    # 评价 1203, #0012. A # after a digit is a building (3#1202).
    r"|工单|案件|查询|评价|补充|撤回|受理|办结|重开|升级|合并|拆分|时限|挂起|恢复计时|分类|转派|催办|进度|关闭|结案|(?<!\d)[#＃]"
    r")"
    r"(?:了|过|到|至|成|为|是|掉)?[\s:：]*(?:才|只|就|都|也|约|近)?[\s:：]*$"
)
# The maximum length of a cue with its fillers is below this, so only the
# end of the text before a number is searched.
_CUE_SPAN = 10

# The highest door number read from a bare number. Most buildings have 2 to
# 8 flats per floor, and towers with long corridors reach the teens, while
# amounts and counts tend to be round (300, 1200, 150): their last two digits
# are 00 or above this.
# NOTE: a flat with a higher door number (1225) is found only after a
# building or unit or with 室.
MAX_DOOR = 19

# A year written without 年 (2016入住, 从2015到现在) has the shape of a flat
# on the 20th floor. It is taken for a year only when a word around it dates
# something. Words that also follow a flat stay out: 2016开始漏水 may be the
# flat, and 2016起火 is one.
_YEAR = re.compile(r"(?:19[5-9]|20[0-4])\d")
_YEAR_AFTER = re.compile(
    r"\s?(?:入住|交房|交付|购房|买房|建成|竣工|开盘|搬来|搬进|搬入"
    r"|起(?!火)|以后|之后|以前|之前|前后|底(?![下商])|初|上半|下半|至今|到现在|到今天|春节|国庆)"
)
_YEAR_BEFORE = re.compile(r"(?:从|自从?|于|截至|截止|直到|早在|始于)\s?$")

# A clock time as notices write it: 8:00, 08:00, 22：30, or four digits (0800).
_CLOCK = r"(?:[01]?\d|2[0-3])[:：][0-5]\d|(?:[01]\d|2[0-3])[0-5]\d"
# Two clock times joined by a dash, a tilde, 到 or 至: 0800-1200, 08:00～12:00,
# 0800至1200. Two flats can be written the same way (1201-1202), so
# is_clock_range() decides.
CLOCK_RANGE = re.compile(
    rf"(?<![\d:：.\-])(?P<clock_start>{_CLOCK})\s?(?:-|－|~|～|—|–|到|至)\s?(?P<clock_end>{_CLOCK})(?![\d:：])"
)
# Words for a time of day right before a number: 下午1430, 凌晨 0600.
_TIME_OF_DAY_BEFORE = re.compile(r"(?:凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜里|半夜)\s?$")
# The length of the longest range, 22:30 - 23:30, so only that far around a number is searched.
_CLOCK_RANGE_CHARS = 13
_FOUR_DIGIT_CLOCK = re.compile(r"(?:[01]\d|2[0-3])[0-5]\d")


def is_clock_range(match: re.Match[str]) -> bool:
    """Tell whether a CLOCK_RANGE match is a span of time rather than two flats.

    It is when either side has a colon (08:00) or cannot be a flat (0800,
    1200: see looks_like_room). 1201-1202 stays two flats.
    """
    sides = (match.group("clock_start"), match.group("clock_end"))
    return any(not side.isdigit() or not looks_like_room(side) for side in sides)


def in_clock_range(text: str, start: int, end: int) -> bool:
    """Tell whether text[start:end] lies inside a range of clock times (0800-1200)."""
    for match in CLOCK_RANGE.finditer(text, max(0, start - _CLOCK_RANGE_CHARS), end + _CLOCK_RANGE_CHARS):
        if match.start() <= start and end <= match.end() and is_clock_range(match):
            return True
    return False


# A parking space's number as residents write it: 0123, B1-023, A023, 2-045.
_SPACE_NUMBER = r"(?:[A-Za-z]{1,2}\d{0,2}-?|\d{1,2}-)?\d{1,5}"
# A parking space: 车位0123, 车位 0123, 车位号：B1-023, 0123号车位, B2-045车位.
# Its number names a spot in the garage that neighbours need to find, not a
# flat, so it is neither read as a room nor masked. A number after 车位 that
# the words around it make an amount (车位300一个月) is no space number, and
# parking_space() rejects it.
PARKING_SPACE = re.compile(
    rf"车位(?:编?号)?\s?[:：]?\s?(?:是|为)?\s?(?P<space_before>{_SPACE_NUMBER})(?![\dA-Za-z-])号?"
    rf"|(?<![\dA-Za-z-])(?P<space_after>{_SPACE_NUMBER})\s?号?\s?车位"
)


def parking_space(text: str) -> re.Match[str] | None:
    """Return the first mention of a parking space with its number, or None.

    The number is in the group space_before or space_after, as written.
    """
    for match in PARKING_SPACE.finditer(text):
        if match.group("space_after") is not None:
            return match
        if not is_quantity(text, match.start("space_before"), match.end("space_before")):
            return match
    return None


def parking_space_name(match: re.Match[str]) -> str:
    """Name a parking space the same way whichever way it was written: 0123号车位, B1-023号车位."""
    number = match.group("space_before") or match.group("space_after")
    return f"{number.upper()}号车位"


# Words after a number that mark it as a flat: 1002室, 302房间, 1203号房.
# 房 before 租, 贷, 价, 费, 产, 东, 本, 子, 屋 or 源 starts another word (1200房租).
ROOM_MARKER = r"(?:室|号房|房间|房(?![租贷价费产东本子屋源]))"


def looks_like_room(number: str) -> bool:
    """Tell whether a number is shaped like a flat: a floor, then a door from 01 to MAX_DOOR.

    302, 1502 and 2108 are; 300, 0001, 150 and 1288 are not.
    """
    return number[0] != "0" and 1 <= int(number[-2:]) <= MAX_DOOR


def is_quantity(text: str, start: int, end: int) -> bool:
    """Tell whether the number at text[start:end] is an amount, a count, a rate or a reference.

    It is when a unit follows it (300元, 30天), or when 户 or 家 follows a
    number that is not shaped like a flat (120户). A number that can be a
    year is one when a word around it dates something (2016入住, 从2015到现在). It also is when a word
    for money, a count, a phone or a case comes right before it
    (一个月收300, 重开 0001). A clock time counts too (see _is_clock_time).
    """
    if _UNIT_AFTER.match(text, end):
        return True
    if _YEAR.fullmatch(text, start, end) and (
        _YEAR_AFTER.match(text, end) or _YEAR_BEFORE.search(text, max(0, start - 4), start)
    ):
        return True
    if _COUNT_AFTER.match(text, end) and not looks_like_room(text[start:end]):
        return True
    if _is_clock_time(text, start, end):
        return True
    return _CUE_BEFORE.search(text, max(0, start - _CUE_SPAN), start) is not None


def _is_clock_time(text: str, start: int, end: int) -> bool:
    """Tell whether a number is a time of day: part of a range of times, or after 下午 and not shaped like a flat.

    晚上1202又在吵 names a flat, so a time-of-day word alone does not make
    a flat-shaped number a time.
    """
    if in_clock_range(text, start, end):
        return True
    number = text[start:end]
    return (
        _FOUR_DIGIT_CLOCK.fullmatch(number) is not None
        and not looks_like_room(number)
        and _TIME_OF_DAY_BEFORE.search(text, max(0, start - 3), start) is not None
    )
