"""The JSON forms of the district report and the property-firm assessment, for other systems."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from handlers.district_report import CompoundRow, DistrictReport
from handlers.governance_index import MIN_SAMPLE, RATE_NAMES, WEIGHTS, Fraction
from handlers.property_assessment import FirmAssessment, PropertyAssessment
from handlers.statistics import Period


def report_payload(report: DistrictReport, period_name: str) -> dict[str, Any]:
    """Build the JSON body of /dashboard.json; rates are fractions 0-1 with their counts."""
    return {
        "period": _period(report.period, period_name),
        "generated_at": report.generated_at.isoformat(),
        "filters": _filters(report),
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


def assessment_payload(assessment: PropertyAssessment, period_name: str) -> dict[str, Any]:
    """Build the JSON body of /dashboard/property.json."""
    return {
        "period": _period(assessment.period, period_name),
        "generated_at": assessment.generated_at.isoformat(),
        "filters": _filters(assessment),
        "fee_warning_per_compound": assessment.fee_threshold_per_compound,
        "firms": [_firm(firm) for firm in assessment.firms],
        "definitions": [{"name": name, "text": text} for name, text in assessment.definitions],
    }


def _firm(firm: FirmAssessment) -> dict[str, Any]:
    return {
        "name": firm.name,
        "compounds": [
            {"code": item.code, "name": item.name, "fee_complaints": item.fee_complaints} for item in firm.compounds
        ],
        "ratings": {"satisfied": firm.satisfied, "basic": firm.basic, "unsatisfied": firm.unsatisfied},
        "satisfaction": _fraction(firm.satisfaction, "满意率"),
        "on_time": _fraction(firm.on_time, "按时办结率"),
        "fee_complaints": firm.fee_complaints,
        "fee_threshold": firm.fee_threshold,
        "fee_warning": firm.fee_warning,
    }


def _period(period: Period, period_name: str) -> dict[str, Any]:
    return {
        "name": period_name,
        "label": period.label,
        "first_day": period.start.date().isoformat(),
        "last_day": (period.end - timedelta(days=1)).date().isoformat(),
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
    }


def _filters(report: DistrictReport | PropertyAssessment) -> dict[str, Any]:
    street, community = report.street, report.community
    return {
        "street": {"id": street.id, "name": street.name} if street else None,
        "community": {"id": community.id, "name": community.name} if community else None,
    }
