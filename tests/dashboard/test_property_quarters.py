"""The quarterly assessment of a quarter named by year and number (2026Q1, 2026年第一季度)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from html import unescape
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from bot.dashboard.quarters import recent_quarters
from models import PartyKind
from tests.dashboard.conftest import MARCH, TOKEN, Dashboard, Seeder, start_dashboard

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 10:00 on Sunday 6 December 2026 in Shanghai, in the fourth quarter.
DECEMBER = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
AUGUST = datetime(2026, 8, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
async def december(db_url: str) -> AsyncIterator[Dashboard]:
    services, client = await start_dashboard(db_url, dashboard_token=TOKEN, clock=lambda: DECEMBER)
    try:
        yield Dashboard(services, client, Seeder(services))
    finally:
        await client.close()


async def seed_fee_complaints(seed: Seeder) -> None:
    """Give 东方物业 two fee complaints in 2026 Q1 and one in 2026 Q3."""
    compound = await seed.compound("东苑", firm="东方物业")
    for opened in (MARCH, MARCH, AUGUST):
        await seed.case(compound, category="fees", party=PartyKind.COMMITTEE, opened=opened)


@pytest.mark.parametrize(
    "word", ["2026Q1", "2026q1", "2026-Q1", "２０２６Ｑ１", "2026年第一季度", "2026年第1季度", "2026年一季度"]
)
async def test_named_quarter_counts_its_cases(december, word):
    await seed_fee_complaints(december.seed)

    status, body = await december.get_assessment(period=word)

    assert status == 200, body
    assert body["period"]["name"] == "2026Q1"
    assert body["period"]["label"] == "2026年第1季度"
    assert body["period"]["first_day"] == "2026-01-01"
    assert body["period"]["last_day"] == "2026-03-31"
    assert body["firms"][0]["fee_complaints"] == 2


async def test_current_quarter_by_code(december):
    await seed_fee_complaints(december.seed)

    status, body = await december.get_assessment(period="2026Q3")
    assert status == 200
    assert body["firms"][0]["fee_complaints"] == 1

    status, body = await december.get_assessment(period="2026Q4")
    assert status == 200
    assert body["period"]["last_day"] == "2026-12-31"
    assert body["firms"][0]["fee_complaints"] == 0


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("2027Q1", "2027Q1 还没有开始，无法考核。请选择本季度（2026Q4）或之前的季度。"),
        ("２０２７年第一季度", "2027Q1 还没有开始，无法考核。"),
        (
            "2026Q5",
            "“2026Q5”不是有效的季度：季度只有第一至第四季度，"
            "格式如 2026Q1、2026年第一季度或2026年第1季度（数字可用全角）。",
        ),
        ("2026年第五季度", "“2026年第五季度”不是有效的季度"),
        ("2026Q", "“2026Q”不是可用的时段，可选：本季度、上季度，或某一季度，如 2026Q1、"),
        ("1999Q4", "“1999Q4”超出可查询范围：可查询 2000Q1 至本季度（2026Q4）。"),
        ("26Q1", "“26Q1”不是可用的时段"),
    ],
)
async def test_bad_quarter_rejected(december, word, message):
    status, body = await december.get_assessment(period=word)

    assert status == 400
    assert message in body["message"]


async def test_quarter_code_not_on_ranking(december):
    status, body = await december.get_json(period="2026Q1")

    assert status == 400
    assert "“2026Q1”不是可用的时段" in body["message"]


async def test_page_offers_recent_quarters(december):
    status, text = await december.get_html("/dashboard/property", period="2026Q1")

    assert status == 200
    assert '<option value="本季度">本季度</option>' in text
    assert '<option value="2026Q2">2026年第2季度</option>' in text
    assert '<option value="2026Q1" selected>2026年第1季度</option>' in text
    assert '<option value="2025Q1">2025年第1季度</option>' in text
    assert 'value="2024Q4"' not in text
    assert "考核时段：2026年第1季度，2026-01-01 至 2026-03-31" in text


async def test_page_keeps_older_quarter_selected(december):
    status, text = await december.get_html("/dashboard/property", period="2019年第二季度")

    assert status == 200
    assert '<option value="2019Q2" selected>2019年第2季度</option>' in text


async def test_ranking_link_carries_quarter_dates(december):
    # A token in the address, not the header, is the one links carry on.
    page = await december.client.get("/dashboard/property", params={"period": "2026Q1", "token": TOKEN})
    text = await page.text()
    start = text.index('<a href="', text.index("生成时间")) + len('<a href="')
    href = unescape(text[start : text.index('"', start)])

    assert urlsplit(href).path == "/dashboard"
    assert parse_qs(urlsplit(href).query) == {
        "period": ["自定义"],
        "start": ["2026-01-01"],
        "end": ["2026-03-31"],
        "token": [TOKEN],
    }
    response = await december.client.get(href)
    assert response.status == 200


def test_recent_quarters_cross_year():
    assert recent_quarters(datetime(2026, 2, 1, tzinfo=SHANGHAI), SHANGHAI, 3) == [
        ("2025Q3", "2025年第3季度"),
        ("2025Q2", "2025年第2季度"),
        ("2025Q1", "2025年第1季度"),
    ]


def test_recent_quarters_stop_at_first_year():
    assert recent_quarters(datetime(2000, 7, 1, tzinfo=SHANGHAI), SHANGHAI, 6) == [("2000Q1", "2000年第1季度")]
