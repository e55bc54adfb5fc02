"""The JSON form of the district report, for other systems."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from handlers.district_report import CompoundRow, DistrictReport
from handlers.governance_index import MIN_SAMPLE, RATE_NAMES, WEIGHTS, Fraction


def report_payload(report: DistrictReport, period_name: str) -> dict[str, Any]:
    """Build the JSON body of /dashboard.json; rates are fractions 0-1 with their counts."""
    period = report.period
    return {
        "period": {
            "name": period_name,
            "label": period.label,
            "first_day": period.start.date().isoformat(),
            "last_day": (period.end - timedelta(days=1)).date().isoformat(),
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "generated_at": report.generated_at.isoformat(),
        "filters": {
            "street": {"id": report.street.id, "name": report.street.name} if report.street else None,
            "community": {"id": report.community.id, "name": report.community.name} if report.community else None,
        },
        "sort": report.sort,
        "index": {"weights": WEIGHTS, "min_sample": MIN_SAMPLE},
        "totals": _row_payload(report.totals),
        "compounds": [_row_payload(row) for row in report.rows],
        "definitions": [{"name": name, "text": text} for name, text in report.definitions],
    }


def _row_payload(row: CompoundRow) -> dict[str, Any]:
    return {
        "id": row.id or None,
        "code": row.code or None,
        "name": row.name,
        "community": row.community or None,
        "street": row.street or None,
        "rank": row.rank,
        "index": row.index.score,
        "index_label": row.index.label(),
        "short_sample": list(row.index.short),
        "rates": {key: _fraction(row.rates[key], RATE_NAMES[key]) for key in RATE_NAMES},
        "opened": row.opened,
        "open": row.open_now,
        "overdue": row.overdue_now,
        "escalated_to_street": row.escalated_to_street,
        "top_categories": [
            {"key": item.key, "label": item.label, "count": item.count} for item in row.top_categories
        ],
    }


def _fraction(fraction: Fraction, name: str) -> dict[str, Any]:
    value = fraction.value
    return {
        "name": name,
        "part": fraction.part,
        "whole": fraction.whole,
        "value": None if value is None else round(value, 4),
        "text": fraction.text(),
    }
