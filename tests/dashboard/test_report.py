"""The micro-governance index, the rates and the ranking, read through /dashboard.json."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.governance_index import Fraction, governance_index
from models import CaseOutcome, CaseStatus
from tests.dashboard.conftest import MARCH, NOW


def by_name(body: dict) -> dict[str, dict]:
    return {row["name"]: row for row in body["compounds"]}


async def seed_ranking(dashboard) -> None:
    """Five compounds whose figures the ranking tests compute by hand."""
    seed = dashboard.seed
    acknowledged = MARCH + timedelta(hours=1)

    # 甲: response 6/6, resolution 5/6, on time 5/6, satisfaction 4/5.
    first = await seed.compound("甲小区")
    for rating in ("satisfied", "satisfied", "basic", "basic"):
        await seed.case(
            first,
            acknowledged=acknowledged,
            closed=MARCH + timedelta(days=3),
            outcome=CaseOutcome.RESOLVED,
            ratings=(rating,),
        )
    await seed.case(
        first,
        acknowledged=acknowledged,
        closed=MARCH + timedelta(days=8),
        outcome=CaseOutcome.RESOLVED,
        ratings=("unsatisfied",),
    )
    await seed.case(
        first, acknowledged=acknowledged, closed=MARCH + timedelta(days=2), outcome=CaseOutcome.CANNOT_RESOLVE
    )

    # 乙: response 5/6, resolution 6/6, on time 6/6, no rating at all.
    second = await seed.compound("乙小区")
    await seed.handled(second, 5)
    await seed.case(
        second,
        acknowledged=MARCH + timedelta(hours=30),
        closed=MARCH + timedelta(days=3),
        outcome=CaseOutcome.RESOLVED,
    )

    # 丙: three perfect cases, below the minimum sample.
    third = await seed.compound("丙小区")
    await seed.handled(third, 3)

    # 丁: five cases withdrawn before anyone had to respond.
    fourth = await seed.compound("丁小区")
    for _ in range(5):
        await seed.case(fourth, closed=MARCH + timedelta(hours=1), outcome=CaseOutcome.WITHDRAWN)

    # 戊: no case at all.
    await seed.compound("戊小区")


async def test_index_known_answer(dashboard):
    await seed_ranking(dashboard)

    status, body = await dashboard.get_json()

    assert status == 200
    first = by_name(body)["甲小区"]
    assert first["rates"]["response"]["text"] == "100.0%（6/6）"
    assert first["rates"]["resolution"]["text"] == "83.3%（5/6）"
    assert first["rates"]["on_time"]["text"] == "83.3%（5/6）"
    assert first["rates"]["satisfaction"]["text"] == "80.0%（4/5）"
    # 100 × (0.25 × 1 + 0.30 × 5/6 + 0.25 × 0.8 + 0.20 × 5/6) = 86.67
    assert first["index"] == 86.7
    assert first["short_sample"] == []


async def test_unrated_compound_reweights(dashboard):
    await seed_ranking(dashboard)

    _status, body = await dashboard.get_json()

    second = by_name(body)["乙小区"]
    assert second["rates"]["satisfaction"]["text"] == "无（0/0）"
    assert second["rates"]["response"]["text"] == "83.3%（5/6）"
    # Satisfaction is left out: 100 × (0.25 × 5/6 + 0.30 + 0.20) / 0.75 = 94.44
    assert second["index"] == 94.4
    assert second["short_sample"] == ["satisfaction"]


async def test_small_samples_not_scored(dashboard):
    await seed_ranking(dashboard)

    _status, body = await dashboard.get_json()

    rows = by_name(body)
    few = rows["丙小区"]
    assert few["rates"]["resolution"]["text"] == "100.0%（3/3）"
    assert few["index"] is None
    assert few["index_label"] == "样本不足"
    assert few["rank"] is None

    withdrawn = rows["丁小区"]
    assert withdrawn["rates"]["response"]["whole"] == 0
    assert withdrawn["rates"]["resolution"]["text"] == "0.0%（0/5）"
    assert withdrawn["rates"]["on_time"]["whole"] == 0
    assert withdrawn["index"] is None

    empty = rows["戊小区"]
    assert empty["opened"] == 0
    assert empty["index"] is None
    assert all(rate["text"] == "无（0/0）" for rate in empty["rates"].values())


async def test_ranking_puts_short_samples_last(dashboard):
    await seed_ranking(dashboard)

    _status, body = await dashboard.get_json()

    order = [(row["name"], row["rank"]) for row in body["compounds"]]
    assert order == [("乙小区", 1), ("甲小区", 2), ("丙小区", None), ("丁小区", None), ("戊小区", None)]


async def test_sort_by_rate(dashboard):
    await seed_ranking(dashboard)

    _status, body = await dashboard.get_json(sort="response")

    names = [row["name"] for row in body["compounds"]]
    # 丙 100% (3/3) and 甲 100% (6/6) tie and go by code; 丁 and 戊 have no response rate.
    assert names == ["甲小区", "丙小区", "乙小区", "丁小区", "戊小区"]
    assert body["compounds"][0]["rank"] == 2


async def test_sort_by_heading_name(dashboard):
    await seed_ranking(dashboard)

    _status, by_key = await dashboard.get_json(sort="response")
    status, by_name = await dashboard.get_json(sort="响应率")

    assert status == 200
    assert by_name["sort"] == "response"
    assert [row["name"] for row in by_name["compounds"]] == [row["name"] for row in by_key["compounds"]]


async def test_totals_sum_compounds(dashboard):
    await seed_ranking(dashboard)

    _status, body = await dashboard.get_json()

    totals = body["totals"]
    assert totals["name"] == "合计"
    assert totals["opened"] == 6 + 6 + 3 + 5
    assert totals["rates"]["resolution"]["text"] == f"{14 * 100 / 20:.1f}%（14/20）"
    assert totals["rates"]["response"]["text"] == f"{14 * 100 / 15:.1f}%（14/15）"
    assert totals["rates"]["satisfaction"]["text"] == "80.0%（4/5）"


async def test_open_and_overdue_now(dashboard):
    seed = dashboard.seed
    compound = await seed.compound("己小区")
    # Unanswered past its response limit: open, overdue, due for a response and late.
    await seed.case(compound)
    # Opened an hour ago: open, its response limit still running.
    await seed.case(compound, opened=NOW - timedelta(hours=1))
    # Acknowledged in time but past its resolution limit of 7 days.
    opened = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
    await seed.case(compound, opened=opened, acknowledged=opened + timedelta(hours=1))

    _status, body = await dashboard.get_json()

    row = by_name(body)["己小区"]
    assert row["open"] == 3
    assert row["overdue"] == 2
    assert row["rates"]["response"]["text"] == "50.0%（1/2）"


async def test_repeat_rate(dashboard):
    seed = dashboard.seed
    compound = await seed.compound("庚小区")
    await seed.case(compound, closed=MARCH + timedelta(hours=2), outcome=CaseOutcome.MERGED)
    await seed.case(
        compound,
        acknowledged=MARCH + timedelta(hours=1),
        status=CaseStatus.REOPENED,
        events=(("reopened", MARCH + timedelta(days=4), {}),),
    )
    await seed.handled(compound, 2)

    _status, body = await dashboard.get_json()

    assert by_name(body)["庚小区"]["rates"]["repeat"]["text"] == "50.0%（2/4）"


async def test_past_repeat_rate_unchanged_by_later_reopen(dashboard):
    seed = dashboard.seed
    compound = await seed.compound("壬小区")
    february = datetime(2026, 2, 10, 1, 30, tzinfo=UTC)
    # Reopened in February: a repeat of February.
    await seed.case(
        compound,
        opened=february,
        acknowledged=february + timedelta(hours=1),
        status=CaseStatus.REOPENED,
        events=(("reopened", february + timedelta(days=2), {}),),
    )
    # Reopened and merged only in March, after February had ended.
    await seed.case(
        compound,
        opened=february,
        acknowledged=february + timedelta(hours=1),
        status=CaseStatus.REOPENED,
        events=(("reopened", MARCH + timedelta(days=1), {}),),
    )
    await seed.case(compound, opened=february, closed=MARCH + timedelta(hours=2), outcome=CaseOutcome.MERGED)
    await seed.case(compound, opened=february)

    _status, body = await dashboard.get_json(period="上月")

    assert by_name(body)["壬小区"]["rates"]["repeat"]["text"] == "25.0%（1/4）"


async def test_street_escalations_and_categories(dashboard):
    seed = dashboard.seed
    compound = await seed.compound("辛小区")
    street = {"rung": "street", "from_level": 1, "to_level": 2}
    in_march = MARCH + timedelta(days=5)
    await seed.case(compound, category="repair", events=(("escalated", in_march, street),))
    await seed.case(
        compound, category="repair", events=(("escalated", in_march, {"rung": "community", "to_level": 1}),)
    )
    await seed.case(compound, category="repair", department_called=in_march)
    await seed.case(
        compound, category="fees", events=(("escalated", in_march, street),), department_called=in_march
    )
    # Escalated to the street in February, so outside 本月; opened in March all the same.
    await seed.case(
        compound,
        category="fees",
        events=(("escalated", datetime(2026, 2, 20, 2, 0, tzinfo=UTC), street),),
    )
    await seed.case(compound, category="parking")
    await seed.case(compound, category="noise")

    _status, body = await dashboard.get_json()

    row = by_name(body)["辛小区"]
    assert row["escalated_to_street"] == 3
    assert row["top_categories"] == [
        {"key": "repair", "label": "设施报修", "count": 3},
        {"key": "fees", "label": "物业收费", "count": 2},
        {"key": "noise", "label": "噪音扰民", "count": 1},
    ]


def test_index_needs_required_rates():
    enough = Fraction(5, 5)
    rates = {
        "response": enough,
        "resolution": enough,
        "satisfaction": enough,
        "on_time": Fraction(4, 4),
        "repeat": Fraction(0, 0),
    }

    score = governance_index(rates)

    assert score.score is None
    assert score.short == ("on_time",)
    assert score.label() == "样本不足"
    assert score.shortfall() == "按时办结率不足5件"


async def test_earlier_cases_counted_when_due(dashboard):
    seed = dashboard.seed
    compound = await seed.compound("壬小区")
    # Opened on 27 February with a 72-hour response limit and never acknowledged:
    # its limit ran out on 2 March, so it is due for a response in March.
    await seed.case(compound, opened=datetime(2026, 2, 27, 2, 0, tzinfo=UTC), response_hours=72)
    # Opened in February, acknowledged in time there and resolved in March.
    february = datetime(2026, 2, 20, 2, 0, tzinfo=UTC)
    await seed.case(
        compound,
        opened=february,
        acknowledged=february + timedelta(hours=2),
        closed=MARCH,
        outcome=CaseOutcome.RESOLVED,
        resolve_days=30,
    )

    # Opened on 31 January, acknowledged in time on 1 February and resolved in
    # March: February counts its response although it neither opened nor ended then.
    january = datetime(2026, 1, 31, 14, 0, tzinfo=UTC)
    await seed.case(
        compound,
        opened=january,
        acknowledged=january + timedelta(hours=12),
        closed=MARCH + timedelta(days=1),
        outcome=CaseOutcome.RESOLVED,
        resolve_days=60,
    )

    _status, march = await dashboard.get_json(period="本月")
    _status, february_body = await dashboard.get_json(period="上月")

    row = by_name(march)["壬小区"]
    assert row["opened"] == 0
    assert row["open"] == 1
    assert row["overdue"] == 1
    assert row["rates"]["response"]["text"] == "0.0%（0/1）"
    assert row["rates"]["resolution"]["text"] == "100.0%（2/2）"
    assert row["rates"]["on_time"]["text"] == "100.0%（2/2）"
    earlier = by_name(february_body)["壬小区"]
    assert earlier["opened"] == 2
    assert earlier["rates"]["response"]["text"] == "100.0%（2/2）"
    assert earlier["rates"]["resolution"]["whole"] == 0
