"""Request handlers of the dashboard routes."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dashboard.access import Access, Viewer, check_access, request_token
from bot.dashboard.pages import DENIALS, PRIVATE_HEADERS, ErrorPage, html_error, html_page, json_error, last_day, link
from bot.dashboard.params import (
    ALL_PERIODS,
    ALLOWED_KEYS,
    PERIODS,
    DashboardQuery,
    InvalidQuery,
    PeriodNotOffered,
    parse_query,
)
from bot.dashboard.payload import assessment_payload, report_payload
from bot.dashboard.quarters import QUARTER_FORMS, recent_quarters
from bot.dashboard.scope import OutOfScope, area_choices, narrow
from bot.services import Services
from handlers.district_report import build_report
from handlers.errors import NotFound
from handlers.governance_index import MIN_SAMPLE, RATE_NAMES, WEIGHTS
from handlers.property_assessment import assess_property_firms
from models import Community, Street, utcnow

log = logging.getLogger("bot.dashboard")

# The clock of the dashboard's periods, which tests replace to pin 本月 and 本季度.
CLOCK_KEY = web.AppKey("dashboard_clock", Callable[[], datetime])
SERVICES_KEY = web.AppKey("dashboard_services", Services)

QUARTERS = ("本季度", "上季度")
# Quarters before 上季度 that the assessment page offers in its period select.
RECENT_QUARTERS = 6
FAILED = ErrorPage(500, "看板暂时无法生成", "生成数据时出错，已记录日志。请稍后重试，或联系管理员查看服务日志。")


def add_dashboard_routes(app: web.Application, services: Services) -> None:
    """Register the dashboard routes. Tokens are checked on every request, not here."""
    app[SERVICES_KEY] = services
    app[CLOCK_KEY] = utcnow
    app.router.add_get("/dashboard", ranking_html)
    app.router.add_get("/dashboard.json", ranking_json)
    app.router.add_get("/dashboard/property", property_html)
    app.router.add_get("/dashboard/property.json", property_json)


@dataclass(frozen=True, slots=True)
class CheckedRequest:
    """A request that passed the token and input checks."""

    services: Services
    viewer: Viewer
    # The filters as requested until _run narrows them to the viewer's area.
    query: DashboardQuery
    now: datetime
    # The token to carry in links: set only when the request carried it in the URL.
    link_token: str


async def _checked(request: web.Request, *, quarters_only: bool) -> CheckedRequest | ErrorPage:
    services = request.app[SERVICES_KEY]
    now = request.app[CLOCK_KEY]()
    try:
        viewer = await check_access(request, services.settings, services.sessionmaker, now)
    except Exception:
        log.exception("dashboard access check of %s failed", request.path)
        return FAILED
    if isinstance(viewer, Access):
        return DENIALS[viewer]

    zone = ZoneInfo(services.settings.timezone)
    keys = ALLOWED_KEYS - {"sort", "start", "end"} if quarters_only else ALLOWED_KEYS
    # A query string with raw non-ASCII bytes gets here only under aiohttp's
    # pure-Python parser. The C parser rejects it (`curl "...?period=自定义"`),
    # and bot.http_errors responds with the service's own plain-text 400.
    periods = QUARTERS if quarters_only else ALL_PERIODS
    try:
        query = parse_query(
            request.query,
            request.query_string,
            now,
            zone,
            keys=keys,
            default_period=periods[0],
            periods=periods,
            any_quarter=quarters_only,
        )
    except PeriodNotOffered as exc:
        msg = (
            f"物业服务企业考核按季度进行，时段请选“本季度”“上季度”或某一季度（如 {QUARTER_FORMS}），"
            f"不能选“{exc.period_name}”。"
        )
        log.info("dashboard request %s rejected with 400: period %s", request.path, exc.period_name)
        return ErrorPage(400, "查询条件有误", msg)
    except InvalidQuery as exc:
        log.info("dashboard request %s rejected with 400: %s", request.path, exc)
        return ErrorPage(400, "查询条件有误", str(exc))
    token, from_query = request_token(request)
    return CheckedRequest(services, viewer, query, now, token if from_query else "")


Loaded = tuple[CheckedRequest, Any, list[Street], list[Community]]


async def _run(
    request: web.Request,
    checked: CheckedRequest,
    build: Callable[[AsyncSession, DashboardQuery], Awaitable[Any]],
) -> Loaded | ErrorPage:
    """Narrow the request to the viewer's area, then build the page's data and the filter choices."""
    try:
        async with checked.services.sessionmaker() as session:
            query = await narrow(session, checked.viewer, checked.query)
            result = await build(session, query)
            streets, communities = await area_choices(session, checked.viewer)
    except OutOfScope as exc:
        log.info("dashboard request %s by %s rejected with 403: out of scope", request.path, checked.viewer.label)
        return ErrorPage(403, "无权查看所选范围", str(exc))
    except NotFound as exc:
        log.info("dashboard request %s rejected with 400: %s", request.path, exc)
        return ErrorPage(400, "查询条件有误", str(exc))
    except Exception:
        log.exception("dashboard page %s failed", request.path)
        return FAILED
    return replace(checked, query=query), result, streets, communities


async def _ranking(request: web.Request) -> Loaded | ErrorPage:
    checked = await _checked(request, quarters_only=False)
    if isinstance(checked, ErrorPage):
        return checked

    async def build(session: AsyncSession, query: DashboardQuery) -> Any:
        return await build_report(
            session,
            query.period,
            checked.now,
            street_id=query.street_id,
            community_id=query.community_id,
            sort=query.sort,
        )

    return await _run(request, checked, build)


async def _assessment(request: web.Request) -> Loaded | ErrorPage:
    checked = await _checked(request, quarters_only=True)
    if isinstance(checked, ErrorPage):
        return checked
    threshold = checked.services.settings.property_fee_warning_per_compound

    async def build(session: AsyncSession, query: DashboardQuery) -> Any:
        return await assess_property_firms(
            session,
            query.period,
            checked.now,
            fee_threshold_per_compound=threshold,
            street_id=query.street_id,
            community_id=query.community_id,
        )

    return await _run(request, checked, build)


def _page_values(checked: CheckedRequest, report: Any, streets: list[Street], communities: list[Community]) -> dict:
    query = checked.query
    custom = query.period_name == "自定义"
    zone = query.period.start.tzinfo
    return {
        "report": report,
        "query": query,
        "streets": streets,
        "communities": communities,
        # A scoped viewer gets no "all streets" choice, and a community viewer no "all communities".
        "any_street": checked.viewer.whole_district,
        "any_community": checked.viewer.community_id is None,
        "token": checked.link_token,
        "last_day": last_day(query),
        "generated_at": checked.now.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        "custom_start": query.period.start.date().isoformat() if custom else "",
        "custom_end": last_day(query) if custom else "",
    }


async def ranking_html(request: web.Request) -> web.Response:
    result = await _ranking(request)
    if isinstance(result, ErrorPage):
        return html_error(result)
    checked, report, streets, communities = result
    token = checked.link_token
    return html_page(
        "dashboard.html",
        **_page_values(checked, report, streets, communities),
        periods=[(name, name) for name in dict.fromkeys(PERIODS.values())],
        sort_link=lambda key: link("/dashboard", checked.query, token, sort=key),
        json_link=link("/dashboard.json", checked.query, token),
        property_link=_property_link(checked),
        rate_names=RATE_NAMES,
        weights=WEIGHTS,
        min_sample=MIN_SAMPLE,
    )


async def ranking_json(request: web.Request) -> web.Response:
    result = await _ranking(request)
    if isinstance(result, ErrorPage):
        return json_error(result)
    checked, report, _streets, _communities = result
    return web.json_response(report_payload(report, checked.query.period_name), headers=PRIVATE_HEADERS)


async def property_html(request: web.Request) -> web.Response:
    result = await _assessment(request)
    if isinstance(result, ErrorPage):
        return html_error(result)
    checked, assessment, streets, communities = result
    token = checked.link_token
    return html_page(
        "property.html",
        **_page_values(checked, assessment, streets, communities),
        periods=_quarter_choices(checked),
        json_link=link("/dashboard/property.json", checked.query, token),
        ranking_link=_ranking_link(checked),
    )


async def property_json(request: web.Request) -> web.Response:
    result = await _assessment(request)
    if isinstance(result, ErrorPage):
        return json_error(result)
    checked, assessment, _streets, _communities = result
    return web.json_response(assessment_payload(assessment, checked.query.period_name), headers=PRIVATE_HEADERS)


def _quarter_choices(checked: CheckedRequest) -> list[tuple[str, str]]:
    """List the period select's values and texts: 本季度, 上季度, then the quarters before them."""
    zone = ZoneInfo(checked.services.settings.timezone)
    choices = [(name, name) for name in QUARTERS] + recent_quarters(checked.now, zone, RECENT_QUARTERS)
    # An older quarter typed into the address stays selected after the page loads.
    if checked.query.period_name not in dict(choices):
        choices.append((checked.query.period_name, checked.query.period.label))
    return choices


def _ranking_link(checked: CheckedRequest) -> str:
    # The ranking takes no quarter codes, so a named quarter goes as its dates.
    period_name = checked.query.period_name if checked.query.period_name in QUARTERS else "自定义"
    return link("/dashboard", checked.query, checked.link_token, period_name=period_name)


def _property_link(checked: CheckedRequest) -> str:
    # The assessment takes quarters only, so a link from any other period opens 本季度.
    period_name = checked.query.period_name if checked.query.period_name in QUARTERS else "本季度"
    return link("/dashboard/property", checked.query, checked.link_token, sort="index", period_name=period_name)
