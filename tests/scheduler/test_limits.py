"""Time limits on China's working-day calendar: Golden Week, make-up days, unknown years."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from handlers.calendar import CalendarFileError, WorkCalendar
from handlers.limits import DEFAULT_RULES, LimitsFileError, LimitTable, load_rules
from tests.scheduler.conftest import SHANGHAI, local


def table(calendar: WorkCalendar | None = None) -> LimitTable:
    return LimitTable(DEFAULT_RULES, calendar or WorkCalendar(zone=SHANGHAI))


def test_limit_spans_golden_week_and_makeup_saturday():
    # Opened on the eve of National Day 2026: 1-7 October are holidays and
    # Saturday 10 October is a make-up working day.
    deadlines = table().deadlines("repair", False, local(2026, 9, 30, 16, 0))

    # Working days counted: 8, 9, 10 (Saturday), 12, 13, 14, 15 October.
    assert deadlines.resolve_due == local(2026, 10, 16)
    # The acknowledgement is due by the end of the next working day, 8 October.
    assert deadlines.response_due == local(2026, 10, 9)
    assert deadlines.response_phrase == "1个工作日内响应，7个工作日内办结"
    assert deadlines.rule == "ordinary"


def test_makeup_saturday_is_working_day():
    calendar = WorkCalendar(zone=SHANGHAI)

    assert calendar.is_workday(local(2026, 10, 10).date())
    assert not calendar.is_workday(local(2026, 10, 11).date())
    assert not calendar.is_workday(local(2026, 10, 5).date())


def test_urgent_and_utilities_count_hours():
    opened = local(2026, 10, 1, 23, 0)  # a holiday night

    urgent = table().deadlines("safety", True, opened)
    utilities = table().deadlines("utilities", False, opened)

    assert urgent.response_due == local(2026, 10, 2, 1, 0)
    assert urgent.rule == "urgent"
    assert utilities.response_due == local(2026, 10, 2, 3, 0)
    assert utilities.resolve_due == local(2026, 10, 2, 23, 0)


def test_complex_case_gets_fifteen_working_days():
    deadlines = table().deadlines("fund", False, local(2026, 3, 2, 9, 30))

    # 3 March (Tuesday) to 23 March is 15 working days; 2026 has no holiday then.
    assert deadlines.resolve_due == local(2026, 3, 24)
    assert deadlines.rule == "complex"


def test_unknown_year_falls_back_to_weekends(caplog):
    calendar = WorkCalendar(zone=SHANGHAI)

    with caplog.at_level(logging.WARNING, logger="handlers.calendar"):
        unknown = calendar.warn_unknown_years([2026, 2027])
        friday = calendar.is_workday(local(2027, 1, 1).date())

    assert unknown == [2027]
    # New Year's Day 2027 is a Friday; without data it counts as a working day.
    assert friday
    assert not calendar.is_workday(local(2027, 1, 2).date())
    warnings = [r for r in caplog.records if "2027" in r.getMessage()]
    assert len(warnings) == 1


def test_override_file_supplies_unknown_year(tmp_path: Path):
    path = tmp_path / "holidays.json"
    path.write_text(
        json.dumps({"2027": {"holidays": ["2027-01-01"], "workdays": ["2027-02-06"]}}),
        encoding="utf-8",
    )

    calendar = WorkCalendar.from_file(path, SHANGHAI)

    assert calendar.known(2027)
    assert not calendar.is_workday(local(2027, 1, 1).date())
    assert calendar.is_workday(local(2027, 2, 6).date())
    assert calendar.warn_unknown_years([2027]) == []


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps([1, 2]),
        json.dumps({"2027": {"holidays": ["2027-13-01"]}}),
        json.dumps({"2027": {"holidays": ["2028-01-01"]}}),
    ],
)
def test_bad_override_file_raises(tmp_path: Path, content: str):
    path = tmp_path / "holidays.json"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(CalendarFileError):
        WorkCalendar.from_file(path, SHANGHAI)


def test_limits_file_replaces_table(tmp_path: Path):
    path = tmp_path / "limits.json"
    path.write_text(
        json.dumps(
            [{"name": "all", "urgent": None, "acknowledge": [3, "hours"], "resolve": [2, "days"]}]
        ),
        encoding="utf-8",
    )

    rules = load_rules(path)
    deadlines = LimitTable(rules, WorkCalendar(zone=SHANGHAI)).deadlines(
        "repair", False, local(2026, 3, 2, 9)
    )

    assert deadlines.response_due == local(2026, 3, 2, 12)
    assert deadlines.resolve_due == local(2026, 3, 4, 9)
    assert deadlines.response_phrase == "3小时内响应，2天内办结"


def test_bad_limits_file_raises(tmp_path: Path):
    path = tmp_path / "limits.json"
    path.write_text(
        json.dumps([{"name": "x", "acknowledge": [0, "hours"], "resolve": [1, "days"]}]),
        encoding="utf-8",
    )

    with pytest.raises(LimitsFileError):
        load_rules(path)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            {"name": "x", "acknowledge": [2, "minutes"], "resolve": [1, "days"]},
            '第 1 条规则 acknowledge 的单位 "minutes" 无效，应为 hours（小时）、days（天）、working_days（工作日）之一',
        ),
        (
            {"name": "x", "acknowledge": [0, "hours"], "resolve": [1, "days"]},
            "第 1 条规则 acknowledge 的数量应为正整数，现为 0",
        ),
        (
            {"name": "x", "acknowledge": [1, "hours"], "resolve": [True, "days"]},
            "第 1 条规则 resolve 的数量应为正整数，现为 true",
        ),
        ({"name": "x", "acknowledge": [1, "hours"]}, "第 1 条规则缺少 resolve 字段"),
        (
            {"name": "x", "urgent": "yes", "acknowledge": [1, "hours"], "resolve": [1, "days"]},
            "第 1 条规则的 urgent 应为 true、false 或 null",
        ),
        (
            {"name": "x", "categories": 3, "acknowledge": [1, "hours"], "resolve": [1, "days"]},
            '第 1 条规则的 categories 应为类别名组成的数组，如 ["repair"]',
        ),
        (
            {"name": "x", "acknowledge": "2h", "resolve": [1, "days"]},
            '第 1 条规则 acknowledge 应为 [数量, 单位]，如 [7, "working_days"]',
        ),
        (
            {"name": "x", "category": ["repair"], "acknowledge": [1, "hours"], "resolve": [1, "days"]},
            "第 1 条规则中有无法识别的字段 category，可用：name、categories、urgent、acknowledge、resolve",
        ),
        (
            {"name": "x", "categories": ["设施报修"], "acknowledge": [1, "hours"], "resolve": [1, "days"]},
            '第 1 条规则的类别 "设施报修" 无效，应为 '
            "repair、sanitation、safety、parking、noise、neighbor、property_service、"
            "fees、fund、committee、illegal_use、utilities、policy、care、suggestion、other 之一",
        ),
        (
            {"name": "x", "urgent": True, "acknowledge": [2, "hours"], "resolve": [24, "hours"]},
            "没有规则适用于非紧急的“设施报修”（repair）工单；请在最后加一条 categories 为 []、urgent 为 null 的规则",
        ),
    ],
)
def test_limits_file_error_in_chinese(tmp_path: Path, rule: dict, expected: str):
    path = tmp_path / "limits.json"
    path.write_text(json.dumps([rule]), encoding="utf-8")

    with pytest.raises(LimitsFileError) as error:
        load_rules(path)

    assert str(error.value) == expected


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ({"2026": {"holidays": ["2026-13-01"]}}, "2026 年中的日期 2026-13-01 无效，应写成 YYYY-MM-DD"),
        ({"2026": {"holidays": ["2025-10-01"]}}, "日期 2025-10-01 不属于 2026 年，请移到对应年份下"),
        ({"2026": {"workdays": "2026-02-14"}}, "2026 年的 holidays 和 workdays 应为日期字符串组成的数组"),
        ([], "应为以年份为键的 JSON 对象"),
        ({"27": {"holidays": []}}, "年份 27 的条目无效，键应为四位年份，值应为含 holidays 和 workdays 的对象"),
        (
            {"2027": {"holiday": ["2027-01-01"]}},
            "2027 年的条目中有无法识别的键 holiday，只能写 holidays 和 workdays",
        ),
        (
            {"2027": {"holidays": ["2027-02-14"], "workdays": ["2027-02-14"]}},
            "日期 2027-02-14 同时列在 2027 年的 holidays 和 workdays 中，请只保留一处",
        ),
    ],
)
def test_holidays_file_error_in_chinese(tmp_path: Path, content: object, expected: str):
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps(content), encoding="utf-8")

    with pytest.raises(CalendarFileError) as error:
        WorkCalendar.from_file(path, SHANGHAI)

    assert str(error.value) == expected
