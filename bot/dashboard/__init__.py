"""The district dashboard: GET /dashboard (HTML) and GET /dashboard.json for tri-party office staff."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from bot.dashboard.access import Access, check_access, request_token
from bot.dashboard.params import DashboardQuery, InvalidQuery, parse_query
from bot.dashboard.payload import report_payload
from bot.services import Services
from handlers.district_report import DistrictReport, build_report
from handlers.errors import NotFound
from handlers.governance_index import MIN_SAMPLE, RATE_NAMES, WEIGHTS
from models import Community, Street, utcnow

log = logging.getLogger("bot.dashboard")

# The clock of the dashboard's periods; tests replace it to pin 本月 and 本季度.
CLOCK_KEY = web.AppKey("dashboard_clock", Callable[[], datetime])
_SERVICES_KEY = web.AppKey("dashboard_services", Services)

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

# The token may ride in the URL, so pages are neither cached nor sent on as a referrer.
_PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

@dataclass(frozen=True, slots=True)
class ErrorPage:
    status: int
    title: str
    text: str


_DENIALS: dict[Access, ErrorPage] = {
    Access.DISABLED: ErrorPage(
        404,
        "数据看板未开启",
        "本系统未开启区级数据看板。如需使用，请管理员在配置中设置 DASHBOARD_TOKEN 后重启服务。",
    ),
    Access.MISSING: ErrorPage(
        401,
        "需要访问口令",
        "数据看板仅供区、街道三方办工作人员查看。请使用管理员提供的带口令链接打开，或在请求头中携带口令。",
    ),
    Access.WRONG: ErrorPage(401, "访问口令不正确", "访问口令不正确或已更换，请向管理员确认后重新打开链接。"),
}


def add_dashboard_routes(app: web.Application, services: Services) -> None:
    """Register /dashboard and /dashboard.json on the app; DASHBOARD_TOKEN decides at request time."""
    app[_SERVICES_KEY] = services
    app[CLOCK_KEY] = utcnow
    app.router.add_get("/dashboard", _html_view)
    app.router.add_get("/dashboard.json", _json_view)


async def _html_view(request: web.Request) -> web.Response:
    result = await _load(request)
    if isinstance(result, ErrorPage):
        body = _templates.get_template("message.html").render(title=result.title, text=result.text)
        return web.Response(
            status=result.status, text=body, content_type="text/html", headers=_headers(result.status)
        )
    report, query, areas = result
    token, from_query = request_token(request)
    link_token = token if from_query else ""
    zone = query.period.start.tzinfo
    last_day = (query.period.end - timedelta(days=1)).date().isoformat()
    custom = query.period_name == "自定义"
    body = _templates.get_template("dashboard.html").render(
        report=report,
        query=query,
        last_day=last_day,
        generated_at=report.generated_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        custom_start=query.period.start.date().isoformat() if custom else "",
        custom_end=last_day if custom else "",
        streets=areas[0],
        communities=areas[1],
        token=link_token,
        sort_link=lambda key: _sort_link(query, key, link_token),
        json_link=_link("/dashboard.json", query, query.sort, link_token),
        rate_names=RATE_NAMES,
        weights=WEIGHTS,
        min_sample=MIN_SAMPLE,
    )
    return web.Response(text=body, content_type="text/html", headers=_PRIVATE_HEADERS)


async def _json_view(request: web.Request) -> web.Response:
    result = await _load(request)
    if isinstance(result, ErrorPage):
        return web.json_response(
            {"error": result.title, "message": result.text}, status=result.status, headers=_headers(result.status)
        )
    report, query, _areas = result
    return web.json_response(report_payload(report, query.period_name), headers=_PRIVATE_HEADERS)


Areas = tuple[list[Street], list[Community]]


async def _load(request: web.Request) -> tuple[DistrictReport, DashboardQuery, Areas] | ErrorPage:
    """Check access and input, then build the report, or return the error page to send."""
    services = request.app[_SERVICES_KEY]
    access = check_access(request, services.settings)
    if access is not Access.GRANTED:
        return _DENIALS[access]

    now = request.app[CLOCK_KEY]()
    zone = ZoneInfo(services.settings.timezone)
    try:
        query = parse_query(request.query, request.query_string, now, zone)
    except InvalidQuery as exc:
        return ErrorPage(400, "查询条件有误", str(exc))

    try:
        async with services.sessionmaker() as session:
            report = await build_report(
                session,
                query.period,
                now,
                street_id=query.street_id,
                community_id=query.community_id,
                sort=query.sort,
            )
            streets = list(await session.scalars(select(Street).order_by(Street.name)))
            communities = list(await session.scalars(select(Community).order_by(Community.name)))
    except NotFound as exc:
        return ErrorPage(400, "查询条件有误", str(exc))
    except Exception:
        log.exception("dashboard report failed for %s", request.path)
        return ErrorPage(500, "看板暂时无法生成", "生成数据时出错，已记录日志。请稍后重试，或联系管理员查看服务日志。")
    return report, query, (streets, communities)


def _headers(status: int) -> dict[str, str]:
    if status == 401:
        return {**_PRIVATE_HEADERS, "WWW-Authenticate": 'Bearer realm="dashboard"'}
    return _PRIVATE_HEADERS


def _link(path: str, query: DashboardQuery, sort: str, token: str) -> str:
    params: dict[str, str] = {"period": query.period_name}
    if query.period_name == "自定义":
        params["start"] = query.period.start.date().isoformat()
        params["end"] = (query.period.end - timedelta(days=1)).date().isoformat()
    if query.street_id is not None:
        params["street"] = str(query.street_id)
    if query.community_id is not None:
        params["community"] = str(query.community_id)
    if sort != "index":
        params["sort"] = sort
    if token:
        params["token"] = token
    return f"{path}?{urlencode(params)}"


def _sort_link(query: DashboardQuery, sort: str, token: str) -> str:
    return _link("/dashboard", query, sort, token)
