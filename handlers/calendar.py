"""China's working-day calendar: weekends, public holidays and make-up working days (调休).

The `chinese-calendar` package holds the State Council schedules it was
released with (1.11.0 knows 2004 to 2026 and raises NotImplementedError for
2027). An override file adds or corrects years it does not know; a year that
neither knows falls back to "Monday to Friday are working days" with a
warning, instead of crashing.

The override file is JSON, one entry per year::

    {"2027": {"holidays": ["2027-01-01", ...], "workdays": ["2027-02-07", ...]}}

`holidays` lists rest days that fall on weekdays or weekends; `workdays` lists
make-up working days that fall on weekends.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger("handlers.calendar")


class CalendarFileError(ValueError):
    """The holiday override file is missing, unreadable or malformed."""


@dataclass(frozen=True, slots=True)
class YearOverride:
    """The rest days and make-up working days of one year, from the override file."""

    holidays: frozenset[date]
    workdays: frozenset[date]


@dataclass(slots=True)
class WorkCalendar:
    """Answers "is this a working day" for any date, and counts working days.

    Attributes:
        overrides: Years from the override file; they win over the package.
        zone: The local time zone that decides which date a moment falls on.
    """

    overrides: dict[int, YearOverride] = field(default_factory=dict)
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    _warned: set[int] = field(default_factory=set)

    @classmethod
    def from_file(cls, path: Path | None, zone: ZoneInfo) -> WorkCalendar:
        """Build a calendar from an optional override file.

        Raises:
            CalendarFileError: The file is given but cannot be read or parsed.
        """
        if path is None:
            return cls(zone=zone)
        return cls(overrides=load_overrides(path), zone=zone)

    def known(self, year: int) -> bool:
        """Return whether the package or the override file has the holidays of a year."""
        if year in self.overrides:
            return True
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def warn_unknown_years(self, years: Iterable[int]) -> list[int]:
        """Log a warning for each year without holiday data and return those years."""
        unknown = [year for year in years if not self.known(year)]
        for year in unknown:
            self._warn(year)
        return unknown

    def is_workday(self, day: date) -> bool:
        """Return whether a date is a working day in mainland China."""
        override = self.overrides.get(day.year)
        if override is not None:
            if day in override.workdays:
                return True
            if day in override.holidays:
                return False
            return day.weekday() < 5
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            self._warn(day.year)
            return day.weekday() < 5

    def next_workday(self, day: date) -> date:
        """Return the first working day on or after a date."""
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def add_workdays(self, start: datetime, count: int) -> datetime:
        """Return the end (24:00 local) of the `count`-th working day after the day of `start`.

        A limit of "3 working days" opened on Friday afternoon before a
        holiday runs to the end of the third working day after it, the way
        hotline limits are counted. The result is in the calendar's zone.
        """
        if count <= 0:
            msg = f"working-day count must be positive, got {count}"
            raise ValueError(msg)
        day = self.workday_after(start.astimezone(self.zone).date(), count)
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone)

    def workday_after(self, day: date, count: int) -> date:
        """Return the `count`-th working day after `day`, or `day` itself when `count` is 0."""
        remaining = count
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_workday(day):
                remaining -= 1
        return day

    def count_workdays(self, after: date, through: date) -> int:
        """Count the working days later than `after` and no later than `through`.

        The result is 0 when `through` is not later than `after`.
        """
        count = 0
        day = after
        while day < through:
            day += timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return count

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def _warn(self, year: int) -> None:
        if year in self._warned:
            return
        self._warned.add(year)
        log.warning(
            "no holiday data for %s: counting Monday to Friday as working days; "
            "add the year to the holiday override file (HOLIDAYS_FILE)",
            year,
        )


_YEAR_DIGITS = 4
_ENTRY_KEYS = frozenset({"holidays", "workdays"})


def load_overrides(path: Path) -> dict[int, YearOverride]:
    """Read the holiday override file.

    Raises:
        CalendarFileError: The file cannot be read, is not JSON, or holds an
            invalid year or date.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        msg = f"无法读取节假日调整表 {path}：{exc}"
        raise CalendarFileError(msg) from exc
    except json.JSONDecodeError as exc:
        msg = f"节假日调整表 {path} 不是有效的 JSON：{exc}"
        raise CalendarFileError(msg) from exc
    if not isinstance(raw, dict):
        msg = "应为以年份为键的 JSON 对象"
        raise CalendarFileError(msg)

    years: dict[int, YearOverride] = {}
    for key, entry in raw.items():
        if not (str(key).isdigit() and len(str(key)) == _YEAR_DIGITS) or not isinstance(entry, dict):
            msg = f"年份 {key} 的条目无效，键应为四位年份，值应为含 holidays 和 workdays 的对象"
            raise CalendarFileError(msg)
        year = int(key)
        # A misspelt key (holiday) would leave the year with no holidays at
        # all, because a year in the file replaces the package's data.
        unknown = sorted(str(name) for name in entry if name not in _ENTRY_KEYS)
        if unknown:
            msg = f"{year} 年的条目中有无法识别的键 {'、'.join(unknown)}，只能写 holidays 和 workdays"
            raise CalendarFileError(msg)
        override = YearOverride(
            holidays=_dates(year, entry.get("holidays", [])),
            workdays=_dates(year, entry.get("workdays", [])),
        )
        both = sorted(override.holidays & override.workdays)
        if both:
            msg = f"日期 {both[0].isoformat()} 同时列在 {year} 年的 holidays 和 workdays 中，请只保留一处"
            raise CalendarFileError(msg)
        years[year] = override
    return years


def _dates(year: int, values: object) -> frozenset[date]:
    if not isinstance(values, list):
        msg = f"{year} 年的 holidays 和 workdays 应为日期字符串组成的数组"
        raise CalendarFileError(msg)
    days: set[date] = set()
    for value in values:
        try:
            day = date.fromisoformat(str(value))
        except ValueError as exc:
            msg = f"{year} 年中的日期 {value} 无效，应写成 YYYY-MM-DD"
            raise CalendarFileError(msg) from exc
        if day.year != year:
            msg = f"日期 {value} 不属于 {year} 年，请移到对应年份下"
            raise CalendarFileError(msg)
        days.add(day)
    return frozenset(days)
