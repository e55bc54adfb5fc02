"""The quarterly assessment of property firms at /dashboard/property."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import CaseOutcome, PartyKind
from tests.dashboard.conftest import MARCH, TOKEN, Seeder, start_dashboard

ACKNOWLEDGED = MARCH + timedelta(hours=1)


def by_firm(body: dict) -> dict[str, dict]:
    return {firm["name"]: firm for firm in body["firms"]}


async def test_firm_spans_its_compounds(dashboard):
    seed = dashboard.seed
    first = await seed.compound("安居一期", firm="安居物业")
    second = await seed.compound("安居二期", firm="安居物业")
    await seed.compound("独立小区")
    for rating in ("satisfied", "basic", "unsatisfied"):
        await seed.case(
            first,
            acknowledged=ACKNOWLEDGED,
            closed=MARCH + timedelta(days=2),
            outcome=CaseOutcome.RESOLVED,
            ratings=(rating,),
        )
    await seed.case(first, acknowledged=ACKNOWLEDGED, closed=MARCH + timedelta(days=9), outcome=CaseOutcome.RESOLVED)
    await seed.case(
        second,
        acknowledged=ACKNOWLEDGED,
        closed=MARCH + timedelta(days=2),
        outcome=CaseOutcome.RESOLVED,
        ratings=("satisfied",),
    )
    # The owners' committee's cases count against the committee, not the firm.
    await seed.case(
        second,
        party=PartyKind.COMMITTEE,
        acknowledged=ACKNOWLEDGED,
        closed=MARCH + timedelta(days=9),
        outcome=CaseOutcome.RESOLVED,
        ratings=("unsatisfied",),
    )

    status, body = await dashboard.get_assessment(period="本季度")

    assert status == 200
    firms = by_firm(body)
    assert sorted(firms) == ["安居物业", "独立小区物业服务中心"]
    firm = firms["安居物业"]
    assert [item["code"] for item in firm["compounds"]] == ["XQ0001", "XQ0002"]
    assert firm["ratings"] == {"satisfied": 2, "basic": 1, "unsatisfied": 1}
    assert firm["satisfaction"]["text"] == "75.0%（3/4）"
    assert firm["on_time"]["text"] == "80.0%（4/5）"
    assert firms["独立小区物业服务中心"]["satisfaction"]["text"] == "无（0/0）"


async def test_fee_warning_above_threshold(dashboard):
    seed = dashboard.seed
    shared_one = await seed.compound("东苑", firm="东方物业")
    shared_two = await seed.compound("西苑", firm="东方物业")
    single = await seed.compound("南苑", firm="南方物业")
    # 东方物业 manages two compounds, so its threshold is 2 × 3 = 6 and 6 complaints do not warn.
    for compound, count in ((shared_one, 4), (shared_two, 2), (single, 4)):
        for _ in range(count):
            await seed.case(compound, category="fees", party=PartyKind.COMMITTEE)
    # A complaint of the previous quarter does not count.
    await seed.case(shared_one, category="fees", opened=datetime(2025, 12, 20, 2, 0, tzinfo=UTC))

    _status, body = await dashboard.get_assessment(period="本季度")

    assert [firm["name"] for firm in body["firms"]] == ["南方物业", "东方物业"]
    firms = by_firm(body)
    assert firms["东方物业"]["fee_complaints"] == 6
    assert firms["东方物业"]["fee_threshold"] == 6
    assert firms["东方物业"]["fee_warning"] is False
    assert firms["南方物业"]["fee_complaints"] == 4
    assert firms["南方物业"]["fee_threshold"] == 3
    assert firms["南方物业"]["fee_warning"] is True
    assert [item["fee_complaints"] for item in firms["东方物业"]["compounds"]] == [4, 2]

    _status, last = await dashboard.get_assessment(period="上季度")
    assert by_firm(last)["东方物业"]["fee_complaints"] == 1


async def test_fee_threshold_setting(db_url):
    services, client = await start_dashboard(db_url, dashboard_token=TOKEN, property_fee_warning_per_compound=0)
    try:
        seed = Seeder(services)
        compound = await seed.compound("北苑", firm="北方物业")
        await seed.case(compound, category="fees")
        response = await client.get(
            "/dashboard/property", params={"period": "本季度"}, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        text = await response.text()
    finally:
        await client.close()

    assert response.status == 200
    assert "<strong>预警</strong>：超过 0 件" in text
    assert "每个服务小区 0 件" in text


@pytest.mark.parametrize(
    ("params", "phrase"),
    [
        ({"period": "本月"}, "时段请选“本季度”“上季度”或某一季度（如 2026Q1、"),
        ({"period": "自定义", "start": "2026-01-01", "end": "2026-03-31"}, "不认识的参数“start”"),
        ({"sort": "index"}, "不认识的参数“sort”"),
        ({"period": "custom"}, "（数字可用全角）），不能选“自定义”"),
        ({"period": "下季度"}, "“下季度”不是可用的时段，可选：本季度、上季度，或某一季度，如 2026Q1、"),
        ({"period": "本季度", "street": "42"}, "没有编号为 42 的街道"),
    ],
)
async def test_assessment_bad_input(dashboard, params, phrase):
    status, body = await dashboard.get_assessment(**params)

    assert status == 400
    assert phrase in body["message"]


async def test_assessment_defaults_to_quarter(dashboard):
    status, body = await dashboard.get_assessment()

    assert status == 200
    assert body["period"]["name"] == "本季度"
    assert body["period"]["first_day"] == "2026-01-01"
    assert body["period"]["last_day"] == "2026-03-31"


async def test_assessment_needs_token(db_url, dashboard):
    response = await dashboard.client.get("/dashboard/property", params={"period": "本季度"})
    assert response.status == 401

    _services, client = await start_dashboard(db_url)
    try:
        disabled = await client.get("/dashboard/property.json", headers={"Authorization": f"Bearer {TOKEN}"})
    finally:
        await client.close()
    assert disabled.status == 404


async def test_assessment_page_escapes_names(dashboard):
    await dashboard.seed.compound("<i>花园</i>", firm="<script>alert('物业')</script>")

    status, text = await dashboard.get_html("/dashboard/property", period="上季度")

    assert status == 200
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(&#39;物业&#39;)&lt;/script&gt;" in text
    assert "&lt;i&gt;花园&lt;/i&gt;" in text
    assert "上季度（2025年第4季度）" in text
