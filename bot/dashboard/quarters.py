"""Calendar quarters named by year and number (2026Q1, 2026年第一季度) for the quarterly assessment."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.statistics import Period

FIRST_YEAR = 2000
# The valid forms, as error messages list them.
QUARTER_FORMS = "2026Q1、2026年第一季度或2026年第1季度（数字可用全角）"
_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# Shapes read after NFKC folding, which turns ２０２６Ｑ１ into 2026Q1. The
# quarter number is matched loosely (\w+), so 2026Q5 gets a message about the
# number instead of one about the whole form.
_CODE = re.compile(r"([0-9]{4})-?[Qq](\w+)")
_WORDS = re.compile(r"([0-9]{4})年第?(\w+?)季度?")


class InvalidQuarter(ValueError):
    """A quarter that is malformed, in the future or too early. The message is Chinese."""


def quarter_code(year: int, number: int) -> str:
    return f"{year}Q{number}"


def quarter_of(moment: datetime, zone: ZoneInfo) -> tuple[int, int]:
    """Return the year and quarter number (1-4) of `moment` in `zone`."""
    local = moment.astimezone(zone)
    return local.year, (local.month - 1) // 3 + 1


def quarter_span(year: int, number: int, zone: ZoneInfo) -> Period:
    start = datetime(year, 3 * number - 2, 1, tzinfo=zone)
    end = datetime(year + 1, 1, 1, tzinfo=zone) if number == 4 else datetime(year, 3 * number + 1, 1, tzinfo=zone)
    return Period(start, end, f"{year}年第{number}季度")


def parse_quarter(word: str, now: datetime, zone: ZoneInfo) -> tuple[str, Period] | None:
    """Read a quarter named by year and number, and return its code (2026Q1) and span.

    Returns None when the word has neither shape, so the caller can list
    every period it offers.

    Raises:
        InvalidQuarter: The quarter number is not 1-4, the year is before
            FIRST_YEAR, or the quarter has not started by `now`.
    """
    folded = "".join(unicodedata.normalize("NFKC", word).split())
    shape = _CODE.fullmatch(folded) or _WORDS.fullmatch(folded)
    if shape is None:
        return None

    year, number = int(shape.group(1)), _NUMERALS.get(shape.group(2))
    if number is None:
        msg = f"“{word[:20]}”不是有效的季度：季度只有第一至第四季度，格式如 {QUARTER_FORMS}。"
        raise InvalidQuarter(msg)

    current = quarter_of(now, zone)
    if year < FIRST_YEAR:
        msg = f"“{word[:20]}”超出可查询范围：可查询 {FIRST_YEAR}Q1 至本季度（{quarter_code(*current)}）。"
        raise InvalidQuarter(msg)
    if (year, number) > current:
        msg = (
            f"{quarter_code(year, number)} 还没有开始，无法考核。"
            f"请选择本季度（{quarter_code(*current)}）或之前的季度。"
        )
        raise InvalidQuarter(msg)
    return quarter_code(year, number), quarter_span(year, number, zone)


def recent_quarters(now: datetime, zone: ZoneInfo, count: int) -> list[tuple[str, str]]:
    """Return the code and label of the `count` quarters before last quarter, newest first.

    本季度 and 上季度 are offered by name, so the list starts two quarters back.
    """
    year, number = quarter_of(now, zone)
    quarters: list[tuple[str, str]] = []
    for back in range(2, count + 2):
        index = year * 4 + number - 1 - back
        past_year, past_number = index // 4, index % 4 + 1
        if past_year < FIRST_YEAR:
            break
        quarters.append((quarter_code(past_year, past_number), f"{past_year}年第{past_number}季度"))
    return quarters
