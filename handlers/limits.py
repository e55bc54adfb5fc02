"""Time limits for a case: when the acting party must respond and resolve.

Modelled on city hotline practice: danger to life or property gets a response
within 2 hours; water, power, gas or heating within 24 hours; an ordinary
request is resolved within 7 days and a complex one within 15.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Categories whose cases usually need a meeting, a vote or a department.
COMPLEX_CATEGORIES = frozenset({"fund", "committee", "illegal_use", "neighbor"})


@dataclass(frozen=True, slots=True)
class Deadlines:
    """When a case must be acknowledged and resolved, and how to say it."""

    response_due: datetime
    resolve_due: datetime
    response_phrase: str


def deadlines_for(category: str, urgent: bool, opened_at: datetime) -> Deadlines:
    """Return the response and resolution deadlines for a new case."""
    if urgent:
        return Deadlines(opened_at + timedelta(hours=2), opened_at + timedelta(hours=24), "2小时内响应")
    if category == "utilities":
        return Deadlines(opened_at + timedelta(hours=24), opened_at + timedelta(days=3), "24小时内响应")
    if category in COMPLEX_CATEGORIES:
        return Deadlines(opened_at + timedelta(days=1), opened_at + timedelta(days=15), "1天内响应，15天内办结")
    return Deadlines(opened_at + timedelta(days=1), opened_at + timedelta(days=7), "1天内响应，7天内办结")
