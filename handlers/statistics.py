"""Case statistics for one compound and period: counts and the three rates.

The rates follow the product's stated definitions, which every message that
shows them repeats. They count handling rounds (models.CaseRound): a round
starts when a case is opened, reopened or given to another party, and
counts in the period and for the party of its own acts:
- response rate: rounds acknowledged, resolved or passed outside within
  their response limit / rounds whose response limit fell in the period and
  has passed (a round withdrawn, merged or handed on without a response
  before its limit was never due);
- resolution rate: rounds that ended as resolved / rounds that ended in the
  period. Cannot-resolve, not-our-duty and withdrawn rounds are counted
  apart. Merged cases are left out because their target counts;
- satisfaction rate: 满意 + 基本满意 / ratings given in the period.

A false alarm (误报, outcome NOT_A_CASE) is left out of every count and
rate, the opened count included, and is counted apart. The rounds handed
to another party before it closed nothing, so they count nowhere either. A
false-alarm round after a real closing counts nowhere, and the earlier
rounds keep counting.

The counting itself is in handlers.case_figures, which computes it for many
compounds at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_figures import CompoundStatistics, PartyFigures, statistics_by_compound
from handlers.errors import BadCommand
from models import Compound

__all__ = ["CompoundStatistics", "PartyFigures", "Period", "compound_statistics", "parse_period", "rate"]

_MONTH = re.compile(r"^(\d{4})[-年/.](\d{1,2})月?$")
# A month without its year: 3月 or 03月.
_MONTH_ONLY = re.compile(r"^(\d{1,2})月$")
_RECENT_DAYS = re.compile(r"最?近(\d+)天")
# The longest 近N天 period; it is the limit the command has always had.
MAX_RECENT_DAYS = 999
# The earliest year a month period may name. Earlier months hold no cases,
# and years 0 and 1 cannot be converted to a date or to UTC.
FIRST_YEAR = 2000


# Spoken forms of the period words, mapped to the words parse_period reads.
_SPOKEN_PERIODS = {
    "上个月": "上月",
    "这个月": "本月",
    "这周": "本周",
    "这个星期": "本周",
    "上个星期": "上周",
    "这个季度": "本季度",
    "上个季度": "上季度",
    "本年": "今年",
    "本年度": "今年",
}


# A period word as parse_period reads it, for 统计本月 typed with no space.
PERIOD_WORD = re.compile(
    r"今天|本周|上周|本月|上月|本季度|上季度|今年|"
    + "|".join(_SPOKEN_PERIODS)
    + r"|最?近\d+天|\d{4}[-年/.]\d{1,2}月?|\d{1,2}月"
)


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open span of time [start, end) and how people call it."""

    start: datetime
    end: datetime
    label: str


def parse_period(word: str, now: datetime, zone: ZoneInfo) -> Period:
    """Read 今天, 本周, 上周, 本月, 上月, 本季度, 上季度, 今年, 近7天, 近30天 or 2026-03 in the given zone.

    Spoken forms with 个 (上个月, 这个月, 这个季度) and 这 for 本 mean the same periods.
    Spaces inside the word are ignored (近 7 天), 最近7天 is 近7天, and a
    month without a year (3月) is the latest such month up to the current one,
    so 12月 typed in January is last December.

    Raises:
        BadCommand: The word names no period, 近N天 has N outside 1-999, the
            month number is not 1-12, or the month is before 2000 or after
            the current month.
    """
    local = now.astimezone(zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    month_start = midnight.replace(day=1)
    word = "".join(word.split())
    word = _SPOKEN_PERIODS.get(word, word) or "本月"
    month_only = _MONTH_ONLY.match(word)
    if month_only and not 1 <= int(month_only.group(1)) <= 12:
        msg = f"“{word}”不是有效的月份：月份须在1到12之间，例如 2026-03。"
        raise BadCommand(msg)
    if month_only:
        number = int(month_only.group(1))
        year = month_start.year if number <= month_start.month else month_start.year - 1
        word = f"{year}-{number:02d}"
    if word == "今天":
        return Period(midnight, midnight + timedelta(days=1), "今天")
    if word == "本周":
        start = midnight - timedelta(days=midnight.weekday())
        return Period(start, start + timedelta(days=7), "本周")
    if word == "上周":
        start = midnight - timedelta(days=midnight.weekday() + 7)
        return Period(start, start + timedelta(days=7), "上周")
    if word == "本月":
        return Period(month_start, _next_month(month_start), "本月")
    if word == "上月":
        start = (month_start - timedelta(days=1)).replace(day=1)
        return Period(start, month_start, "上月")
    if word in ("本季度", "上季度"):
        start = month_start.replace(month=3 * ((month_start.month - 1) // 3) + 1)
        if word == "上季度":
            start = _months_before(start, 3)
        label = f"{word}（{start.year}年第{(start.month + 2) // 3}季度）"
        return Period(start, _months_before(start, -3), label)
    if word == "今年":
        start = month_start.replace(month=1)
        return Period(start, start.replace(year=start.year + 1), "今年")
    days = _RECENT_DAYS.fullmatch(word)
    if days:
        count = _recent_day_count(word, days.group(1))
        return Period(
            midnight - timedelta(days=count - 1), midnight + timedelta(days=1), f"近{count}天"
        )
    month = _MONTH.match(word)
    if month and not 1 <= int(month.group(2)) <= 12:
        msg = f"“{word}”不是有效的月份：月份须在1到12之间，例如 2026-03。"
        raise BadCommand(msg)
    if month:
        year, number = int(month.group(1)), int(month.group(2))
        _check_month(word, year, number, month_start)
        start = month_start.replace(year=year, month=number)
        return Period(start, _next_month(start), f"{start.year}年{start.month}月")
    msg = f"“{word}”不是可用的统计时段，可选：今天、本周、上周、本月、上月、本季度、上季度、今年、近7天、2026-03。"
    raise BadCommand(msg)


def _recent_day_count(word: str, digits: str) -> int:
    # int() rejects very long strings, so the length is checked first.
    count = int(digits) if len(digits) <= len(str(MAX_RECENT_DAYS)) else MAX_RECENT_DAYS + 1
    if not 1 <= count <= MAX_RECENT_DAYS:
        msg = f"“{word[:20]}”不是可用的统计时段：近N天的天数须在1到{MAX_RECENT_DAYS}之间，例如 近7天。"
        raise BadCommand(msg)
    return count


def _check_month(word: str, year: int, month: int, this_month: datetime) -> None:
    if year < FIRST_YEAR or (year, month) > (this_month.year, this_month.month):
        msg = (
            f"“{word}”不在可统计的范围内：月份须在{FIRST_YEAR}年1月到本月"
            f"（{this_month.year}-{this_month.month:02d}）之间。"
        )
        raise BadCommand(msg)


def _next_month(start: datetime) -> datetime:
    return _months_before(start, -1)


def _months_before(start: datetime, months: int) -> datetime:
    """Return the first day of the month `months` before `start`'s month; a negative count goes forward."""
    index = start.year * 12 + start.month - 1 - months
    return start.replace(year=index // 12, month=index % 12 + 1, day=1)


def rate(part: int, whole: int) -> str:
    """Format a rate as 87.5%, or 无 when nothing was counted."""
    if whole == 0:
        return "无"
    return f"{part * 100 / whole:.1f}%"


async def compound_statistics(
    session: AsyncSession, compound: Compound, period: Period, now: datetime
) -> CompoundStatistics:
    """Count the cases of a compound for a period; open and overdue counts are as of now."""
    by_compound = await statistics_by_compound(session, [compound.id], period, now)
    return by_compound.get(compound.id) or CompoundStatistics()
