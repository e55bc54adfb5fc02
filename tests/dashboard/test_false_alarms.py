"""False alarms (误报) count nowhere: not in the index, its rates, the ranking or the firm assessment."""

from __future__ import annotations

from datetime import timedelta

from models import CaseOutcome, PartyKind
from tests.dashboard.conftest import MARCH

ACKNOWLEDGED = MARCH + timedelta(hours=1)


async def seed_twins(dashboard) -> None:
    """Two compounds with the same real cases; 乙小区 also has false alarms that would lower every rate."""
    seed = dashboard.seed
    plain = await seed.compound("甲小区")
    noisy = await seed.compound("乙小区")
    for compound in (plain, noisy):
        await seed.handled(compound, 5)
        await seed.case(
            compound,
            acknowledged=ACKNOWLEDGED,
            closed=MARCH + timedelta(days=3),
            outcome=CaseOutcome.RESOLVED,
            ratings=("satisfied",),
        )

    # Never acknowledged and dismissed long after its response limit.
    await seed.case(noisy, closed=MARCH + timedelta(days=3), outcome=CaseOutcome.NOT_A_CASE)
    # Acknowledged and left open past its resolve limit before an officer found it was a joke.
    await seed.case(
        noisy,
        acknowledged=ACKNOWLEDGED,
        closed=MARCH + timedelta(days=9),
        outcome=CaseOutcome.NOT_A_CASE,
    )
    # Chat about fees, which the assessment would count as a fee complaint.
    for _ in range(4):
        await seed.case(
            noisy,
            category="fees",
            party=PartyKind.COMMITTEE,
            closed=MARCH + timedelta(hours=2),
            outcome=CaseOutcome.NOT_A_CASE,
        )


async def test_index_ignores_false_alarms(dashboard):
    await seed_twins(dashboard)

    status, body = await dashboard.get_json()

    assert status == 200
    rows = {row["name"]: row for row in body["compounds"]}
    plain, noisy = rows["甲小区"], rows["乙小区"]
    for key in ("response", "resolution", "satisfaction", "on_time", "repeat"):
        assert noisy["rates"][key]["text"] == plain["rates"][key]["text"], key
    assert noisy["rates"]["resolution"]["text"] == "100.0%（6/6）"
    assert noisy["index"] == plain["index"] == 100.0
    assert noisy["opened"] == plain["opened"] == 6
    assert noisy["top_categories"] == plain["top_categories"]


async def test_assessment_ignores_false_alarms(dashboard):
    await seed_twins(dashboard)

    status, body = await dashboard.get_assessment(period="本季度")

    assert status == 200
    firms = {firm["name"]: firm for firm in body["firms"]}
    plain, noisy = firms["甲小区物业服务中心"], firms["乙小区物业服务中心"]
    assert noisy["ratings"] == plain["ratings"] == {"satisfied": 1, "basic": 0, "unsatisfied": 0}
    assert noisy["on_time"]["text"] == plain["on_time"]["text"] == "100.0%（6/6）"
    assert noisy["fee_complaints"] == 0
    assert noisy["fee_warning"] is False
