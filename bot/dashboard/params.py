"""Query parameters of the dashboard routes, checked before any database work."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from multidict import MultiMapping

from bot.dashboard.quarters import QUARTER_FORMS, InvalidQuarter, parse_quarter
from handlers.district_report import SORT_KEYS, SORT_NAMES
from handlers.statistics import Period, parse_period

MAX_QUERY_CHARS = 1024
MAX_SPAN_DAYS = 366
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)

# Period names by what people and other systems send; the Chinese ones are the form's values.
PERIODS: dict[str, str] = {
    "本月": "本月",
    "上月": "上月",
    "本季度": "本季度",
    "上季度": "上季度",
    "自定义": "自定义",
    "this_month": "本月",
    "last_month": "上月",
    "this_quarter": "本季度",
    "last_quarter": "上季度",
    "custom": "自定义",
}
ALL_PERIODS = ("本月", "上月", "本季度", "上季度", "自定义")
_SORT_BY_NAME = {name: key for key, name in SORT_NAMES.items()}
ALLOWED_KEYS = frozenset({"period", "start", "end", "street", "community", "sort", "token"})
# Characters that no form field sends: control characters, and the lone
# surrogates that aiohttp's pure-Python HTTP parser (used when its C extension
# is missing or AIOHTTP_NO_EXTENSIONS is set) makes of raw bytes that are not
# UTF-8. A surrogate in an error page would fail to encode and end in a 500.
# The form sends only YYYY-MM-DD, so other forms that date.fromisoformat reads (20260301) are rejected.
_DATE_SHAPE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_UNREADABLE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


class InvalidQuery(ValueError):
    """A query parameter is invalid; the message is Chinese and shown to the user."""


class PeriodNotOffered(InvalidQuery):
    """A known period that the page does not offer, such as 本月 on the quarterly assessment."""

    def __init__(self, period_name: str) -> None:
        super().__init__(period_name)
        self.period_name = period_name


@dataclass(frozen=True, slots=True)
class DashboardQuery:
    period: Period
    # The period's name as the form sends it: 本月, 上月, 本季度, 上季度, 自定义,
    # or a quarter's code such as 2026Q1.
    period_name: str
    street_id: int | None
    community_id: int | None
    sort: str


def parse_query(
    query: MultiMapping[str],
    query_string: str,
    now: datetime,
    zone: ZoneInfo,
    *,
    keys: frozenset[str] = ALLOWED_KEYS,
    default_period: str = "本月",
    periods: tuple[str, ...] = ALL_PERIODS,
    any_quarter: bool = False,
) -> DashboardQuery:
    """Read the period, filters and sort order of a dashboard request.

    `keys` are the parameters allowed and `periods` the period names the page
    offers. With `any_quarter`, a past or current quarter named by year and
    number (2026Q1, 2026年第一季度) is a period too.

    Raises:
        PeriodNotOffered: The period is known but not in `periods`.
        InvalidQuery: A parameter is unknown, repeated, malformed or out of range.
    """
    if len(query_string) > MAX_QUERY_CHARS:
        msg = f"查询参数过长（{len(query_string)} 个字符，上限 {MAX_QUERY_CHARS}），请减少筛选条件。"
        raise InvalidQuery(msg)
    for key, value in query.items():
        if _UNREADABLE.search(key) or _UNREADABLE.search(value):
            msg = "查询参数中有无法识别的字符，请回到看板页面，用页面上的筛选条件重新查询。"
            raise InvalidQuery(msg)
    for key in query:
        if key not in keys:
            allowed = "、".join(sorted(keys - {"token"}))
            msg = f"不认识的参数“{key[:20]}”，可用参数：{allowed}。"
            raise InvalidQuery(msg)
        if len(query.getall(key)) > 1:
            msg = f"参数“{key}”只能给一次。"
            raise InvalidQuery(msg)

    word = query.get("period", "").strip() or default_period
    period_name, period = _read_period(query, word, now, zone, periods, any_quarter=any_quarter)

    sort = query.get("sort", "").strip() or "index"
    # A person editing the address may type the heading (响应率) for its key.
    sort = _SORT_BY_NAME.get(sort, sort)
    if sort not in SORT_KEYS:
        choices = "、".join(f"{SORT_NAMES[key]}（{key}）" for key in SORT_KEYS)
        msg = f"“{sort[:20]}”不是可用的排序方式，可选：{choices}。"
        raise InvalidQuery(msg)
    return DashboardQuery(
        period=period,
        period_name=period_name,
        street_id=_optional_id(query, "street", "街道"),
        community_id=_optional_id(query, "community", "社区"),
        sort=sort,
    )


def _read_period(
    query: MultiMapping[str],
    word: str,
    now: datetime,
    zone: ZoneInfo,
    periods: tuple[str, ...],
    *,
    any_quarter: bool,
) -> tuple[str, Period]:
    period_name = PERIODS.get(word)
    if period_name is None and any_quarter:
        try:
            quarter = parse_quarter(word, now, zone)
        except InvalidQuarter as exc:
            raise InvalidQuery(str(exc)) from None
        if quarter is not None:
            return quarter
    if period_name is None:
        choices = "、".join(f"{name}（另填起止日期）" if name == "自定义" else name for name in periods)
        if any_quarter:
            choices += f"，或某一季度，如 {QUARTER_FORMS}"
        msg = f"“{word[:20]}”不是可用的时段，可选：{choices}。"
        raise InvalidQuery(msg)

    # Checked before the dates, so 自定义 on a page without it is not asked for a start date.
    if period_name not in periods:
        raise PeriodNotOffered(period_name)
    # Other periods ignore start and end, because the form keeps sending the
    # dates of an earlier custom query after the user picks 本月.
    if period_name == "自定义":
        return period_name, _custom_period(query.get("start", ""), query.get("end", ""), zone)
    if period_name in ("本季度", "上季度"):
        return period_name, quarter_period(now, zone, previous=period_name == "上季度")
    return period_name, parse_period(period_name, now, zone)


def quarter_period(now: datetime, zone: ZoneInfo, *, previous: bool = False) -> Period:
    """Return the calendar quarter of `now` in `zone`, or the one before it."""
    local = now.astimezone(zone)
    year, index = local.year, (local.month - 1) // 3
    if previous:
        year, index = (year - 1, 3) if index == 0 else (year, index - 1)
    start = datetime(year, 3 * index + 1, 1, tzinfo=zone)
    end = datetime(year + 1, 1, 1, tzinfo=zone) if index == 3 else datetime(year, 3 * index + 4, 1, tzinfo=zone)
    label = f"{'上季度' if previous else '本季度'}（{year}年第{index + 1}季度）"
    return Period(start, end, label)


def _custom_period(start_text: str, end_text: str, zone: ZoneInfo) -> Period:
    # Both dates are inclusive local days, so the span ends at midnight after the end date.
    first = _parse_date(start_text, "开始日期")
    last = _parse_date(end_text, "结束日期")
    if last < first:
        msg = f"结束日期 {last.isoformat()} 早于开始日期 {first.isoformat()}，请重新选择。"
        raise InvalidQuery(msg)
    days = (last - first).days + 1
    if days > MAX_SPAN_DAYS:
        msg = f"自定义时段共 {days} 天，最长 {MAX_SPAN_DAYS} 天，请缩短时段。"
        raise InvalidQuery(msg)
    start = datetime(first.year, first.month, first.day, tzinfo=zone)
    end = datetime(last.year, last.month, last.day, tzinfo=zone) + timedelta(days=1)
    return Period(start, end, f"{first.isoformat()} 至 {last.isoformat()}")


def _parse_date(text: str, name: str) -> date:
    text = text.strip()
    if not text:
        msg = f"自定义时段需要填写{name}，格式如 2026-03-01。"
        raise InvalidQuery(msg)
    # Chinese input methods in full-width mode type ２０２６－０３－０１.
    shape = _DATE_SHAPE.fullmatch(unicodedata.normalize("NFKC", text))
    if shape is None:
        msg = f"{name}“{text[:20]}”格式不对，请按 2026-03-01 的格式填写。"
        raise InvalidQuery(msg)
    try:
        value = date(*(int(part) for part in shape.groups()))
    except ValueError:
        msg = f"{name}“{text}”不是存在的日期，请核对月份和日期。"
        raise InvalidQuery(msg) from None
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        msg = f"{name} {value.isoformat()} 超出可查询范围（{EARLIEST_DATE.isoformat()} 至 {LATEST_DATE.isoformat()}）。"
        raise InvalidQuery(msg)
    return value


def _optional_id(query: MultiMapping[str], key: str, name: str) -> int | None:
    text = query.get(key, "").strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        msg = f"{name}编号“{text[:20]}”无效，请从筛选列表中选择。"
        raise InvalidQuery(msg)
    return int(text)
