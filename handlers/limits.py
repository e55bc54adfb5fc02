"""Time limits for a case: when the acting party must acknowledge and resolve it.

The default table is modelled on Beijing's 12345 hotline practice. Danger to
life or property gets a response within 2 hours, and water, power, gas or
heating within 24 hours. An ordinary request is resolved within 7 working
days and a complex one within 15. Each rule has a separate limit to
acknowledge. A JSON file (LIMITS_FILE) can replace the table; rules are tried
in order and the first that matches a case wins.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from handlers.calendar import WorkCalendar
from nlp.labels import CATEGORY_LABELS, CHAT


class LimitUnit(enum.StrEnum):
    HOURS = "hours"
    DAYS = "days"
    WORKING_DAYS = "working_days"


_UNIT_WORDS = {LimitUnit.HOURS: "小时", LimitUnit.DAYS: "天", LimitUnit.WORKING_DAYS: "个工作日"}
# The units as a limits-file error lists them.
_UNIT_CHOICES = "hours（小时）、days（天）、working_days（工作日）"
_RULE_KEYS = ("name", "categories", "urgent", "acknowledge", "resolve")


class LimitsFileError(ValueError):
    """The limits file cannot be read or contains an invalid rule."""


@dataclass(frozen=True, slots=True)
class Limit:
    """A span of time in hours, calendar days or Chinese working days."""

    amount: int
    unit: LimitUnit

    def due(self, start: datetime, calendar: WorkCalendar) -> datetime:
        """Return when the limit runs out for a clock that starts at `start`."""
        if self.unit is LimitUnit.HOURS:
            return start + timedelta(hours=self.amount)
        if self.unit is LimitUnit.DAYS:
            return start + timedelta(days=self.amount)
        return calendar.add_workdays(start, self.amount)

    def phrase(self) -> str:
        """Return the limit as residents read it, e.g. 2小时 or 7个工作日."""
        return f"{self.amount}{_UNIT_WORDS[self.unit]}"


def counted_in_workdays(due: datetime, unit: LimitUnit, calendar: WorkCalendar) -> bool:
    """Return whether a deadline set under a limit of `unit` was counted in working days.

    Working-day deadlines end at 24:00 local. A deadline under a working-day rule
    that ends at another time came from some other limit: a merge keeps the
    earlier deadline of the two cases, and the limits file may have changed since.
    """
    return unit is LimitUnit.WORKING_DAYS and due.astimezone(calendar.zone).time() == time(0)


def extend_for_pause(
    due: datetime, unit: LimitUnit, paused_at: datetime, resumed_at: datetime, calendar: WorkCalendar
) -> datetime:
    """Move a deadline past the time its clock stood still, from `paused_at` to `resumed_at`.

    A deadline counted in working days moves by the working days that come
    after the pause's local date, up to and including the resume's local
    date, and still ends at 24:00 local of a working day. This gives the case
    back the working days it had left at the pause, counted from the resume
    the way a limit is counted from the day a case opens. The day the clock
    starts never counts, and the pause's own day was already counted. So a
    pause within one day adds nothing, Friday to Monday adds one day (the
    Monday), and rest days and public holidays inside the pause add nothing.

    Every other deadline moves by the calendar time the clock stood still,
    because hour and calendar-day limits run through weekends and holidays.
    """
    if not counted_in_workdays(due, unit, calendar):
        return due + (resumed_at - paused_at)

    lost = calendar.count_workdays(calendar.local_date(paused_at), calendar.local_date(resumed_at))
    # The deadline's working day is the day before the midnight it ends at.
    last_day = due.astimezone(calendar.zone).date() - timedelta(days=1)
    new_last_day = calendar.workday_after(last_day, lost)
    return datetime.combine(new_last_day + timedelta(days=1), time(0), tzinfo=calendar.zone)


@dataclass(frozen=True, slots=True)
class LimitRule:
    """One row of the limits table.

    Attributes:
        name: A short key for logs and the deadline command (urgent, utilities...).
        categories: Category keys the rule applies to; empty means every category.
        urgent: True or False to match only urgent or only routine cases; None for both.
        acknowledge: The limit to acknowledge (受理) the case.
        resolve: The limit to resolve (办结) it.
    """

    name: str
    categories: frozenset[str]
    urgent: bool | None
    acknowledge: Limit
    resolve: Limit

    def matches(self, category: str, urgent: bool) -> bool:
        if self.urgent is not None and self.urgent != urgent:
            return False
        return not self.categories or category in self.categories


# Categories whose cases usually need a meeting, a vote or a department.
COMPLEX_CATEGORIES = frozenset({"fund", "committee", "illegal_use", "neighbor"})

DEFAULT_RULES: tuple[LimitRule, ...] = (
    LimitRule("urgent", frozenset(), True, Limit(2, LimitUnit.HOURS), Limit(24, LimitUnit.HOURS)),
    LimitRule(
        "utilities",
        frozenset({"utilities"}),
        None,
        Limit(4, LimitUnit.HOURS),
        Limit(24, LimitUnit.HOURS),
    ),
    LimitRule(
        "complex",
        COMPLEX_CATEGORIES,
        None,
        Limit(1, LimitUnit.WORKING_DAYS),
        Limit(15, LimitUnit.WORKING_DAYS),
    ),
    LimitRule(
        "ordinary",
        frozenset(),
        None,
        Limit(1, LimitUnit.WORKING_DAYS),
        Limit(7, LimitUnit.WORKING_DAYS),
    ),
)


@dataclass(frozen=True, slots=True)
class Deadlines:
    """When a case must be acknowledged and resolved, and how to say it."""

    response_due: datetime
    resolve_due: datetime
    response_phrase: str
    rule: str = ""


@dataclass(slots=True)
class LimitTable:
    """The rules in order, with the calendar that counts working days."""

    rules: tuple[LimitRule, ...]
    calendar: WorkCalendar

    def rule_for(self, category: str, urgent: bool) -> LimitRule:
        for rule in self.rules:
            if rule.matches(category, urgent):
                return rule
        msg = (
            f"no time-limit rule matches category={category} urgent={urgent}; add a catch-all rule"
        )
        raise LookupError(msg)

    def deadlines(self, category: str, urgent: bool, opened_at: datetime) -> Deadlines:
        rule = self.rule_for(category, urgent)
        return Deadlines(
            response_due=rule.acknowledge.due(opened_at, self.calendar),
            resolve_due=rule.resolve.due(opened_at, self.calendar),
            response_phrase=f"{rule.acknowledge.phrase()}内响应，{rule.resolve.phrase()}内办结",
            rule=rule.name,
        )


# NOTE: open_case() and the workflow call deadlines_for() without a table, so
# the process's table lives here and the service installs the configured one at start.
_table = LimitTable(DEFAULT_RULES, WorkCalendar())


def use_table(table: LimitTable) -> None:
    """Make `table` the one deadlines_for() uses in this process."""
    global _table
    _table = table


def current_table() -> LimitTable:
    return _table


def deadlines_for(category: str, urgent: bool, opened_at: datetime) -> Deadlines:
    """Return the response and resolution deadlines for a new case."""
    return _table.deadlines(category, urgent, opened_at)


def load_rules(path: Path) -> tuple[LimitRule, ...]:
    """Read a limits table from JSON.

    The file contains a list of rules, e.g.
    ``[{"name": "ordinary", "categories": [], "urgent": null,
    "acknowledge": [1, "working_days"], "resolve": [7, "working_days"]}]``.
    Error messages are Chinese for the operator who wrote the file, and rules
    are numbered from 1 as a person counts them.

    Raises:
        LimitsFileError: The file cannot be read or a rule is invalid.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        msg = f"无法读取时限表 {path}：{exc}"
        raise LimitsFileError(msg) from exc
    if not isinstance(raw, list) or not raw:
        msg = "应为由规则组成的非空 JSON 数组"
        raise LimitsFileError(msg)
    rules = tuple(_rule(number, entry) for number, entry in enumerate(raw, start=1))
    _check_coverage(rules)
    return rules


def _check_coverage(rules: tuple[LimitRule, ...]) -> None:
    """Reject a table that leaves some case without a rule, because opening such a case would fail."""
    for category in CATEGORY_LABELS:
        if category == CHAT:
            continue
        for urgent in (False, True):
            if not any(rule.matches(category, urgent) for rule in rules):
                kind = "紧急" if urgent else "非紧急"
                msg = (
                    f"没有规则适用于{kind}的“{CATEGORY_LABELS[category]}”（{category}）工单；"
                    "请在最后加一条 categories 为 []、urgent 为 null 的规则"
                )
                raise LimitsFileError(msg)


def _rule(number: int, entry: object) -> LimitRule:
    if not isinstance(entry, dict):
        msg = f"第 {number} 条规则应为 JSON 对象"
        raise LimitsFileError(msg)
    # A misspelt key such as "category" would leave the rule matching every case.
    unknown = sorted(str(key) for key in entry if key not in _RULE_KEYS)
    if unknown:
        msg = f"第 {number} 条规则中有无法识别的字段 {'、'.join(unknown)}，可用：{'、'.join(_RULE_KEYS)}"
        raise LimitsFileError(msg)
    for key in ("name", "acknowledge", "resolve"):
        if key not in entry:
            msg = f"第 {number} 条规则缺少 {key} 字段"
            raise LimitsFileError(msg)
    urgent = entry.get("urgent")
    if urgent is not None and not isinstance(urgent, bool):
        msg = f"第 {number} 条规则的 urgent 应为 true、false 或 null"
        raise LimitsFileError(msg)
    categories = entry.get("categories", [])
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        msg = f"第 {number} 条规则的 categories 应为类别名组成的数组，如 [\"repair\"]"
        raise LimitsFileError(msg)
    for category in categories:
        if category not in CATEGORY_LABELS or category == CHAT:
            choices = "、".join(key for key in CATEGORY_LABELS if key != CHAT)
            msg = f"第 {number} 条规则的类别 {json.dumps(category, ensure_ascii=False)} 无效，应为 {choices} 之一"
            raise LimitsFileError(msg)
    return LimitRule(
        name=str(entry["name"]),
        categories=frozenset(categories),
        urgent=urgent,
        acknowledge=_limit(number, "acknowledge", entry["acknowledge"]),
        resolve=_limit(number, "resolve", entry["resolve"]),
    )


def _limit(number: int, key: str, value: object) -> Limit:
    where = f"第 {number} 条规则 {key}"
    if not isinstance(value, list) or len(value) != 2:
        msg = f'{where} 应为 [数量, 单位]，如 [7, "working_days"]'
        raise LimitsFileError(msg)
    amount, unit = value
    # bool is a subclass of int, and true would read as a limit of 1.
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        msg = f"{where} 的数量应为正整数，现为 {json.dumps(amount, ensure_ascii=False)}"
        raise LimitsFileError(msg)
    if unit not in {u.value for u in LimitUnit}:
        msg = f"{where} 的单位 {json.dumps(unit, ensure_ascii=False)} 无效，应为 {_UNIT_CHOICES}之一"
        raise LimitsFileError(msg)
    return Limit(amount, LimitUnit(unit))
