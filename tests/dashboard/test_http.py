"""The dashboard routes: access, filters, periods, input checks and escaping."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot.dashboard.params import quarter_period
from bot.settings import Settings
from models import CaseOutcome
from tests.dashboard.conftest import MARCH, TOKEN, start_dashboard

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def test_disabled_without_token_setting(db_url):
    _services, client = await start_dashboard(db_url)
    try:
        response = await client.get("/dashboard", headers={"Authorization": f"Bearer {TOKEN}"})
        text = await response.text()
        json_response = await client.get("/dashboard.json")
        body = await json_response.json()
    finally:
        await client.close()

    assert response.status == 404
    assert "数据看板未开启" in text
    assert "DASHBOARD_TOKEN" in text
    assert json_response.status == 404
    assert body["error"] == "数据看板未开启"


@pytest.mark.parametrize(
    ("headers", "params", "status", "phrase"),
    [
        ({}, {}, 401, "需要访问口令"),
        ({"Authorization": "Bearer wrong-token"}, {}, 401, "访问口令不正确"),
        ({}, {"token": "wrong-token"}, 401, "访问口令不正确"),
        ({"Authorization": f"Basic {TOKEN}"}, {}, 401, "需要访问口令"),
        ({"Authorization": f"Bearer {TOKEN}"}, {}, 200, "小区微治理数据看板"),
        ({"Authorization": f"bearer {TOKEN}"}, {}, 200, "小区微治理数据看板"),
        ({}, {"token": TOKEN}, 200, "小区微治理数据看板"),
    ],
)
async def test_token_checked(dashboard, headers, params, status, phrase):
    response = await dashboard.client.get("/dashboard", headers=headers, params=params)
    text = await response.text()

    assert response.status == status
    assert phrase in text
    assert response.headers["Cache-Control"] == "no-store"
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_token_never_logged(dashboard, caplog):
    caplog.set_level(logging.DEBUG)

    await dashboard.client.get("/dashboard", params={"token": TOKEN})
    await dashboard.client.get("/dashboard", params={"token": TOKEN + "x"})
    await dashboard.client.get("/dashboard.json", headers={"Authorization": f"Bearer {TOKEN}"})

    assert "rejected: wrong token" in caplog.text
    assert TOKEN not in caplog.text


async def test_query_token_kept_in_links(dashboard):
    response = await dashboard.client.get("/dashboard", params={"token": TOKEN})
    text = await response.text()

    assert f'<input type="hidden" name="token" value="{TOKEN}">' in text
    assert f"sort=response&amp;token={TOKEN}" in text
    # The assessment takes quarters only, so the link from 本月 opens 本季度.
    assert f"/dashboard/property?period=%E6%9C%AC%E5%AD%A3%E5%BA%A6&amp;token={TOKEN}" in text


async def test_bearer_token_kept_out_of_page(dashboard):
    _status, text = await dashboard.get_html()

    assert TOKEN not in text


async def test_names_escaped(dashboard):
    street = await dashboard.seed.street("<b>东湖街道</b>")
    community = await dashboard.seed.community("社区\"><img src=x>", street)
    await dashboard.seed.compound("<script>alert(1)</script>花园", community)

    status, text = await dashboard.get_html()

    assert status == 200
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;花园" in text
    assert "<b>东湖街道</b>" not in text
    assert "&lt;b&gt;东湖街道&lt;/b&gt;" in text
    assert "<img src=x>" not in text


async def test_json_shape(dashboard):
    compound = await dashboard.seed.compound("阳光花园")
    await dashboard.seed.handled(compound, 5)

    status, body = await dashboard.get_json()

    assert status == 200
    assert set(body) == {
        "period",
        "generated_at",
        "filters",
        "sort",
        "index",
        "totals",
        "compounds",
        "definitions",
    }
    assert body["period"]["name"] == "本月"
    assert body["period"]["first_day"] == "2026-03-01"
    assert body["period"]["last_day"] == "2026-03-31"
    assert body["period"]["start"] == "2026-03-01T00:00:00+08:00"
    assert body["filters"] == {"street": None, "community": None}
    assert body["index"]["min_sample"] == 5
    assert sum(body["index"]["weights"].values()) == pytest.approx(1.0)
    row = body["compounds"][0]
    assert set(row["rates"]) == {"response", "resolution", "satisfaction", "on_time", "repeat"}
    assert row["rates"]["resolution"] == {
        "name": "解决率",
        "part": 5,
        "whole": 5,
        "value": 1.0,
        "text": "100.0%（5/5）",
    }
    assert row["code"] == "XQ0001"
    names = [item["name"] for item in body["definitions"]]
    assert names[:5] == ["微治理指数", "响应率", "解决率", "满意率", "按时办结率"]


async def test_page_shows_rates_and_definitions(dashboard):
    compound = await dashboard.seed.compound("阳光花园")
    await dashboard.seed.handled(compound, 5)

    _status, text = await dashboard.get_html()

    assert "100.0%（5/5）" in text
    assert "阳光花园（XQ0001）" in text
    assert "设施报修 5 件" in text
    assert "<h2>口径</h2>" in text
    assert "（满意＋基本满意）÷本期评价数" in text
    assert "综合指数" not in text
    assert "北京时间）" in text
    assert "）（" not in text


async def test_filters_by_street_and_community(dashboard):
    seed = dashboard.seed
    east = await seed.street("东湖街道")
    west = await seed.street("西山街道")
    lake = await seed.community("湖滨社区", east)
    park = await seed.community("公园社区", east)
    hill = await seed.community("山下社区", west)
    await seed.compound("湖滨一号院", lake)
    await seed.compound("公园小区", park)
    await seed.compound("山下小区", hill)
    await seed.compound("无社区小区")

    async def names(**params: str) -> list[str]:
        status, body = await dashboard.get_json(**params)
        assert status == 200
        return sorted(row["name"] for row in body["compounds"])

    assert await names() == ["公园小区", "山下小区", "无社区小区", "湖滨一号院"]
    assert await names(street=str(east.id)) == ["公园小区", "湖滨一号院"]
    assert await names(community=str(park.id)) == ["公园小区"]
    assert await names(street=str(east.id), community=str(lake.id)) == ["湖滨一号院"]
    _status, body = await dashboard.get_json(street=str(west.id))
    assert body["filters"]["street"] == {"id": west.id, "name": "西山街道"}

    status, body = await dashboard.get_json(street=str(east.id), community=str(hill.id))
    assert status == 400
    assert "不属于" in body["message"]

    _status, page = await dashboard.get_html(street=str(east.id), period="上月")
    assert '<option value="上月" selected>上月</option>' in page
    assert f'<option value="{east.id}" selected>东湖街道</option>' in page
    assert f'<option value="{hill.id}">山下社区</option>' in page


@pytest.mark.parametrize(
    ("params", "phrase"),
    [
        ({"period": "很久以前"}, "不是可用的时段"),
        ({"period": "自定义"}, "需要填写开始日期"),
        ({"period": "自定义", "start": "2026-03-01"}, "需要填写结束日期"),
        ({"period": "自定义", "start": "2026/03/01", "end": "2026-03-05"}, "格式不对"),
        ({"period": "自定义", "start": "2026-02-30", "end": "2026-03-05"}, "开始日期“2026-02-30”不是存在的日期"),
        ({"period": "自定义", "start": "2026-03-01", "end": "2026-04-31"}, "结束日期“2026-04-31”不是存在的日期"),
        ({"period": "自定义", "start": "2026-3-1", "end": "2026-03-05"}, "格式不对"),
        ({"period": "自定义", "start": "20260301", "end": "2026-03-05"}, "格式不对"),
        ({"period": "自定义", "start": "2026-03-05", "end": "2026-03-01"}, "早于开始日期"),
        ({"period": "自定义", "start": "2024-01-01", "end": "2026-03-01"}, "最长 366 天"),
        ({"period": "自定义", "start": "1999-12-31", "end": "2000-01-01"}, "超出可查询范围"),
        ({"street": "abc"}, "街道编号“abc”无效"),
        ({"street": "-1"}, "无效"),
        ({"street": "99999999999"}, "无效"),
        ({"street": "999"}, "没有编号为 999 的街道"),
        ({"community": "999"}, "没有编号为 999 的社区"),
        ({"sort": "name; drop table case"}, "不是可用的排序方式"),
        ({"sort": "speed"}, "可选：微治理指数（index）、响应率（response）、解决率（resolution）"),
        ({"sort": "speed"}, "重复投诉率（repeat）、新登记（opened）、未办结（open）、超时（overdue）。"),
        ({"colour": "red"}, "不认识的参数“colour”"),
        ({"street": "1" * 2000}, "查询参数过长"),
    ],
)
async def test_bad_input_rejected(dashboard, params, phrase):
    html_status, text = await dashboard.get_html(**params)
    json_status, body = await dashboard.get_json(**params)

    assert html_status == 400
    assert phrase in text
    assert json_status == 400
    assert phrase in body["message"]


async def test_repeated_parameter_rejected(dashboard):
    response = await dashboard.client.get(
        "/dashboard.json?period=本月&period=上月", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    body = await response.json()

    assert response.status == 400
    assert "只能给一次" in body["message"]


async def test_month_boundaries_in_shanghai(dashboard):
    seed = dashboard.seed
    compound = await seed.compound("边界小区")
    # 00:00 on 1 March in Shanghai is 16:00 on 28 February in UTC.
    await seed.case(compound, opened=datetime(2026, 2, 28, 16, 0, tzinfo=UTC))
    await seed.case(compound, opened=datetime(2026, 2, 28, 15, 59, 59, tzinfo=UTC))
    # 00:00 on 2 March in Shanghai.
    await seed.case(compound, opened=datetime(2026, 3, 1, 16, 0, tzinfo=UTC))

    async def opened(**params: str) -> int:
        status, body = await dashboard.get_json(**params)
        assert status == 200
        return body["compounds"][0]["opened"]

    assert await opened(period="本月") == 2
    assert await opened(period="this_month") == 2
    assert await opened(period="上月") == 1
    assert await opened(period="自定义", start="2026-03-01", end="2026-03-01") == 1
    assert await opened(period="自定义", start="2026-02-28", end="2026-03-01") == 2
    assert await opened(period="自定义", start="２０２６－０２－２８", end="２０２６-０３-０１") == 2
    assert await opened(period="本季度") == 3
    # The form still sends the dates of an earlier custom query; 本月 ignores them.
    assert await opened(period="本月", start="2026-03-01", end="2026-03-01") == 2


async def test_quarter_boundaries_in_shanghai(dashboard):
    seed = dashboard.seed
    compound = await seed.compound("季度小区")
    # 23:59 on 31 December 2025 and 00:00 on 1 January 2026 in Shanghai.
    await seed.case(compound, opened=datetime(2025, 12, 31, 15, 59, tzinfo=UTC))
    await seed.case(compound, opened=datetime(2025, 12, 31, 16, 0, tzinfo=UTC))
    await seed.case(compound, opened=MARCH)

    _status, this_quarter = await dashboard.get_json(period="本季度")
    _status, last_quarter = await dashboard.get_json(period="上季度")

    assert this_quarter["compounds"][0]["opened"] == 2
    assert this_quarter["period"]["first_day"] == "2026-01-01"
    assert this_quarter["period"]["last_day"] == "2026-03-31"
    assert last_quarter["compounds"][0]["opened"] == 1
    assert last_quarter["period"]["first_day"] == "2025-10-01"
    assert last_quarter["period"]["last_day"] == "2025-12-31"


@pytest.mark.parametrize(
    ("now", "previous", "start", "end"),
    [
        (datetime(2026, 1, 15, tzinfo=SHANGHAI), False, "2026-01-01", "2026-04-01"),
        (datetime(2026, 1, 15, tzinfo=SHANGHAI), True, "2025-10-01", "2026-01-01"),
        (datetime(2026, 12, 31, 23, 0, tzinfo=SHANGHAI), False, "2026-10-01", "2027-01-01"),
        (datetime(2026, 7, 1, tzinfo=SHANGHAI), True, "2026-04-01", "2026-07-01"),
        # 20:00 UTC on 31 March is already 1 April in Shanghai.
        (datetime(2026, 3, 31, 20, 0, tzinfo=UTC), False, "2026-04-01", "2026-07-01"),
    ],
)
def test_quarter_period(now, previous, start, end):
    period = quarter_period(now, SHANGHAI, previous=previous)

    assert period.start.date().isoformat() == start
    assert period.end.date().isoformat() == end
    assert period.start.tzinfo == SHANGHAI


async def test_custom_period_counts_closures(dashboard):
    compound = await dashboard.seed.compound("自定义小区")
    await dashboard.seed.case(
        compound,
        acknowledged=MARCH + timedelta(hours=1),
        closed=MARCH + timedelta(days=10),
        outcome=CaseOutcome.RESOLVED,
    )

    _status, early = await dashboard.get_json(period="自定义", start="2026-03-01", end="2026-03-11")
    _status, late = await dashboard.get_json(period="自定义", start="2026-03-12", end="2026-03-12")

    assert early["compounds"][0]["rates"]["resolution"]["text"] == "无（0/0）"
    assert late["compounds"][0]["rates"]["resolution"]["text"] == "100.0%（1/1）"
    assert early["period"]["label"] == "2026-03-01 至 2026-03-11"


async def test_short_sample_names_its_rates(dashboard):
    few = await dashboard.seed.compound("阳光花园")
    await dashboard.seed.handled(few, 2)

    _status, text = await dashboard.get_html()

    assert "样本不足" in text
    assert "响应率、解决率、按时办结率不足5件" in text


@pytest.mark.parametrize("token", ["1", " ", "short-token", "a long token with spaces"])
def test_weak_token_rejected_at_start(token):
    with pytest.raises(ValidationError, match="应至少 16 个字符且不含空白"):
        Settings(dashboard_token=token, _env_file=None)  # type: ignore[call-arg]


def test_strong_token_accepted():
    settings = Settings(dashboard_token="dash-token-7Q2xLw9vRk", _env_file=None)  # type: ignore[call-arg]

    assert settings.dashboard_token.get_secret_value() == "dash-token-7Q2xLw9vRk"
