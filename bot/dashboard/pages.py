"""HTML and JSON responses of the dashboard: templates, error pages and links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.dashboard.access import Access
from bot.dashboard.params import DashboardQuery

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

# The token may ride in the URL, so pages are neither cached nor sent on as a referrer.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@dataclass(frozen=True, slots=True)
class ErrorPage:
    status: int
    title: str
    text: str


DENIALS: dict[Access, ErrorPage] = {
    Access.DISABLED: ErrorPage(
        404,
        "数据看板未开启",
        "本系统未开启区级数据看板。如需使用，请管理员在配置中设置 DASHBOARD_TOKEN 后重启服务，"
        "或运行 python -m bot dashboard-viewer-add 给工作人员发放个人口令。",
    ),
    Access.MISSING: ErrorPage(
        401,
        "需要访问口令",
        "数据看板仅供区、街道三方办工作人员查看。请使用管理员提供的带口令链接打开，或在请求头中携带口令。",
    ),
    Access.WRONG: ErrorPage(401, "访问口令不正确", "访问口令不正确或已更换，请向管理员确认后重新打开链接。"),
}


def html_page(template: str, **values: Any) -> web.Response:
    body = _templates.get_template(template).render(**values)
    return web.Response(text=body, content_type="text/html", headers=PRIVATE_HEADERS)


def html_error(page: ErrorPage) -> web.Response:
    body = _templates.get_template("message.html").render(title=page.title, text=page.text)
    return web.Response(status=page.status, text=body, content_type="text/html", headers=_error_headers(page))


def json_error(page: ErrorPage) -> web.Response:
    return web.json_response(
        {"error": page.title, "message": page.text}, status=page.status, headers=_error_headers(page)
    )


def _error_headers(page: ErrorPage) -> dict[str, str]:
    if page.status == 401:
        return {**PRIVATE_HEADERS, "WWW-Authenticate": 'Bearer realm="dashboard"'}
    return PRIVATE_HEADERS


def last_day(query: DashboardQuery) -> str:
    """Return the last local day of the query's period as YYYY-MM-DD."""
    return (query.period.end - timedelta(days=1)).date().isoformat()


def link(
    path: str, query: DashboardQuery, token: str, *, sort: str | None = None, period_name: str | None = None
) -> str:
    """Build a URL to `path` with the query's period and filters, and the token unless it is empty."""
    period_name = period_name or query.period_name
    params: dict[str, str] = {"period": period_name}
    if period_name == "自定义":
        params["start"] = query.period.start.date().isoformat()
        params["end"] = last_day(query)
    if query.street_id is not None:
        params["street"] = str(query.street_id)
    if query.community_id is not None:
        params["community"] = str(query.community_id)
    sort = query.sort if sort is None else sort
    if sort != "index":
        params["sort"] = sort
    if token:
        params["token"] = token
    return f"{path}?{urlencode(params)}"
