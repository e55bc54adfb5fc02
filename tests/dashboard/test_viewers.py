"""Personal dashboard tokens on the real server: each opens only its viewer's street or community."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select, text

from bot.dashboard_viewers import add_viewer, revoke_viewer
from bot.services import Services
from models import Community, DashboardViewer, Street
from tests.dashboard.conftest import NOW, TOKEN, Seeder, start_dashboard

DENIED = "访问口令不正确"
OUT_OF_SCOPE = "无权查看所选范围"
EAST_COMPOUNDS = ["公园小区", "湖滨一号院"]


@dataclass
class Area:
    east: Street
    west: Street
    lake: Community
    park: Community
    hill: Community


@dataclass
class Scoped:
    services: Services
    client: TestClient
    area: Area
    # Tokens by their holder: district, east (street token), lake (community token).
    tokens: dict[str, str]

    async def get(self, path: str, token: str, **params: str) -> tuple[int, Any]:
        response = await self.client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})
        body = await response.json() if path.endswith(".json") else await response.text()
        return response.status, body


async def seed_area(services: Services) -> Area:
    """Two streets with three communities, a compound in each and one outside any community."""
    seed = Seeder(services)
    east = await seed.street("东湖街道")
    west = await seed.street("西山街道")
    lake = await seed.community("湖滨社区", east)
    park = await seed.community("公园社区", east)
    hill = await seed.community("山下社区", west)
    await seed.compound("湖滨一号院", lake, firm="湖滨物业服务有限公司")
    await seed.compound("公园小区", park, firm="公园物业服务有限公司")
    await seed.compound("山下小区", hill, firm="西山物业服务有限公司")
    await seed.compound("无社区小区", firm="散户物业服务有限公司")
    return Area(east, west, lake, park, hill)


async def issue(services: Services, name: str, **options: Any) -> str:
    """Issue a token as dashboard-viewer-add does, at NOW unless `now` is given."""
    now = options.pop("now", NOW)
    async with services.sessionmaker() as session, session.begin():
        _viewer, token = await add_viewer(session, name, now=now, **options)
    return token


@pytest.fixture
async def scoped(db_url: str) -> AsyncIterator[Scoped]:
    services, client = await start_dashboard(db_url, dashboard_token=TOKEN)
    try:
        area = await seed_area(services)
        tokens = {
            "district": TOKEN,
            "east": await issue(services, "东湖街道 王某", street="东湖街道"),
            "lake": await issue(services, "湖滨社区 李某", community=str(area.lake.id)),
        }
        yield Scoped(services, client, area, tokens)
    finally:
        await client.close()


def compound_names(body: dict) -> list[str]:
    return sorted(row["name"] for row in body["compounds"])


def firm_names(body: dict) -> list[str]:
    return sorted(firm["name"] for firm in body["firms"])


async def test_district_token_sees_every_street(scoped, caplog):
    caplog.set_level(logging.INFO, logger="bot.dashboard")

    status, body = await scoped.get("/dashboard.json", TOKEN)
    _status, page = await scoped.get("/dashboard", TOKEN)

    assert status == 200
    assert compound_names(body) == ["公园小区", "山下小区", "无社区小区", "湖滨一号院"]
    assert body["filters"] == {"street": None, "community": None}
    assert '<option value="">全部街道</option>' in page
    assert "西山街道" in page
    assert "dashboard /dashboard.json opened by district token" in caplog.text


async def test_street_viewer_ranking_json(scoped):
    east = scoped.area.east

    status, body = await scoped.get("/dashboard.json", scoped.tokens["east"])

    assert status == 200
    assert compound_names(body) == EAST_COMPOUNDS
    assert body["filters"]["street"] == {"id": east.id, "name": "东湖街道"}
    assert body["totals"]["street"] == "东湖街道"


async def test_street_viewer_ranking_page(scoped):
    status, page = await scoped.get("/dashboard", scoped.tokens["east"])

    assert status == 200
    assert "湖滨一号院" in page
    assert "公园小区" in page
    assert "山下小区" not in page
    assert "无社区小区" not in page
    assert "西山街道" not in page
    assert "山下社区" not in page
    assert "全部街道" not in page
    assert '<option value="">全部社区</option>' in page
    assert f'<option value="{scoped.area.east.id}" selected>东湖街道</option>' in page
    assert "范围：东湖街道" in page


async def test_street_viewer_property_pages(scoped):
    token = scoped.tokens["east"]

    status, body = await scoped.get("/dashboard/property.json", token)
    _status, page = await scoped.get("/dashboard/property", token)

    assert status == 200
    assert firm_names(body) == ["公园物业服务有限公司", "湖滨物业服务有限公司"]
    assert body["filters"]["street"]["name"] == "东湖街道"
    assert "湖滨物业服务有限公司" in page
    assert "西山物业服务有限公司" not in page
    assert "散户物业服务有限公司" not in page
    assert "西山街道" not in page
    assert "山下社区" not in page


async def test_street_viewer_filters_within_street(scoped):
    status, body = await scoped.get("/dashboard.json", scoped.tokens["east"], community=str(scoped.area.park.id))

    assert status == 200
    assert compound_names(body) == ["公园小区"]


async def test_community_viewer_sees_one_community(scoped):
    token = scoped.tokens["lake"]
    lake = scoped.area.lake

    status, body = await scoped.get("/dashboard.json", token)
    _status, page = await scoped.get("/dashboard", token)
    _status, firms = await scoped.get("/dashboard/property.json", token)

    assert status == 200
    assert compound_names(body) == ["湖滨一号院"]
    assert body["filters"]["community"] == {"id": lake.id, "name": "湖滨社区"}
    assert firm_names(firms) == ["湖滨物业服务有限公司"]
    assert "公园社区" not in page
    assert "全部社区" not in page
    assert f'<option value="{lake.id}" selected>湖滨社区</option>' in page


@pytest.mark.parametrize(
    ("holder", "params"),
    [
        ("east", {"street": "west"}),
        ("east", {"community": "hill"}),
        ("east", {"street": "east", "community": "hill"}),
        ("east", {"street": "999"}),
        ("east", {"community": "999"}),
        ("lake", {"community": "park"}),
        ("lake", {"street": "west"}),
    ],
)
async def test_out_of_scope_filter_forbidden(scoped, holder, params):
    area = scoped.area
    ids = {"east": area.east.id, "west": area.west.id, "park": area.park.id, "hill": area.hill.id}
    query = {key: str(ids.get(value, value)) for key, value in params.items()}
    token = scoped.tokens[holder]

    for path in ("/dashboard", "/dashboard/property"):
        html_status, page = await scoped.get(path, token, **query)
        json_status, body = await scoped.get(path + ".json", token, **query)

        assert html_status == 403
        assert OUT_OF_SCOPE in page
        assert "只能查看" in page
        assert json_status == 403
        assert body["error"] == OUT_OF_SCOPE
        assert "所选" in body["message"]


async def test_revoked_and_expired_tokens_denied(scoped, caplog):
    caplog.set_level(logging.INFO, logger="bot.dashboard")
    expired = await issue(scoped.services, "过期 赵某", street="东湖街道", days=30, now=NOW - timedelta(days=30))
    async with scoped.services.sessionmaker() as session, session.begin():
        viewer_id = await session.scalar(select(DashboardViewer.id).where(DashboardViewer.name == "东湖街道 王某"))
        await revoke_viewer(session, str(viewer_id), NOW)

    for token in (scoped.tokens["east"], expired, "never-issued-token-123"):
        html_status, page = await scoped.get("/dashboard", token)
        json_status, body = await scoped.get("/dashboard.json", token)

        assert html_status == 401
        assert DENIED in page
        assert json_status == 401
        assert body["error"] == DENIED

    assert f"token of viewer {viewer_id} was revoked" in caplog.text
    assert "expired" in caplog.text
    assert scoped.tokens["east"] not in caplog.text
    assert expired not in caplog.text


async def test_granted_request_logged(scoped, caplog):
    caplog.set_level(logging.INFO, logger="bot.dashboard")
    token = scoped.tokens["east"]

    await scoped.get("/dashboard/property.json", token)
    await scoped.client.get("/dashboard", params={"token": token})

    assert "dashboard /dashboard/property.json opened by viewer 1 东湖街道 王某" in caplog.text
    assert "dashboard /dashboard opened by viewer 1 东湖街道 王某" in caplog.text
    assert token not in caplog.text


async def test_query_token_kept_in_scoped_links(scoped):
    token = scoped.tokens["east"]

    response = await scoped.client.get("/dashboard", params={"token": token})
    page = await response.text()

    assert response.status == 200
    assert f'<input type="hidden" name="token" value="{token}">' in page
    assert f"street={scoped.area.east.id}&amp;sort=response&amp;token={token}" in page


async def test_last_used_written_once_a_minute(db_url):
    clock = [NOW]
    services, client = await start_dashboard(db_url, clock=lambda: clock[0])
    try:
        token = await issue(services, "区 张某")
        headers = {"Authorization": f"Bearer {token}"}

        async def last_used() -> Any:
            async with services.sessionmaker() as session:
                return await session.scalar(select(DashboardViewer.last_used_at))

        first = await client.get("/dashboard.json", headers=headers)
        assert first.status == 200
        assert await last_used() == NOW

        clock[0] = NOW + timedelta(seconds=59)
        await client.get("/dashboard.json", headers=headers)
        assert await last_used() == NOW

        clock[0] = NOW + timedelta(seconds=60)
        await client.get("/dashboard.json", headers=headers)
        assert await last_used() == NOW + timedelta(seconds=60)
    finally:
        await client.close()


async def test_viewer_turns_dashboard_on(db_url):
    services, client = await start_dashboard(db_url)
    try:
        before = await client.get("/dashboard.json", headers={"Authorization": "Bearer some-token-1234567"})
        token = await issue(services, "区 张某")
        opened = await client.get("/dashboard.json", headers={"Authorization": f"Bearer {token}"})
        wrong = await client.get("/dashboard.json", headers={"Authorization": "Bearer some-token-1234567"})
        missing = await client.get("/dashboard.json")
        async with services.sessionmaker() as session, session.begin():
            await revoke_viewer(session, "1", NOW)
        after = await client.get("/dashboard.json", headers={"Authorization": f"Bearer {token}"})
        after_body = await after.json()
    finally:
        await client.close()

    assert before.status == 404
    assert opened.status == 200
    assert wrong.status == 401
    assert missing.status == 401
    # With no DASHBOARD_TOKEN and no valid personal token the dashboard is off again.
    assert after.status == 404
    assert after_body["error"] == "数据看板未开启"


async def test_token_stored_as_hash_only(db_url):
    services, client = await start_dashboard(db_url)
    try:
        token = await issue(services, "区 张某")
        async with services.sessionmaker() as session:
            row = (await session.execute(text("SELECT * FROM dashboard_viewer"))).mappings().one()
    finally:
        await client.close()

    assert all(token not in str(value) for value in row.values())
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
