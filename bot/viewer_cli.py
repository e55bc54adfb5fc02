"""The dashboard-viewer commands of `python -m bot`: issue, list and revoke personal dashboard tokens."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import sys
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from bot.dashboard_viewers import add_viewer, list_viewers, revoke_viewer, scope_label, status_label
from bot.settings import Settings
from bot.tables import render_table
from handlers.errors import DomainError
from models import DashboardViewer, utcnow
from models.db import create_engine, create_sessionmaker, migrate

COMMANDS = ("dashboard-viewer-add", "dashboard-viewers", "dashboard-viewer-revoke")

log = logging.getLogger("bot.dashboard")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the three dashboard-viewer commands to the CLI's subcommands."""
    adder = sub.add_parser(
        "dashboard-viewer-add",
        help="发放个人看板口令，范围为全区、一个街道或一个社区；口令只显示一次",
    )
    adder.add_argument("--name", required=True, metavar="姓名", help="持有口令的人，如“城南街道 王某”")
    adder.add_argument("--street", metavar="街道", help="口令只能查看这个街道，填名称或编号")
    adder.add_argument("--community", metavar="社区", help="口令只能查看这个社区，填名称或编号")
    adder.add_argument("--days", type=int, metavar="天数", help="口令多少天后失效；默认在撤销前长期有效")

    sub.add_parser("dashboard-viewers", help="列出已发放的个人看板口令（不显示口令本身）")

    revoker = sub.add_parser("dashboard-viewer-revoke", help="立即撤销一个个人看板口令")
    revoker.add_argument("id", metavar="编号", help="口令的编号，即 dashboard-viewers 列出的编号")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    # These commands need the database only, not the classifier or the outbox of build_services.
    engine = create_engine(settings.resolved_database_url, echo=settings.database_echo)
    try:
        await migrate(engine)
        zone = ZoneInfo(settings.timezone)
        now = utcnow()
        async with create_sessionmaker(engine)() as session, session.begin():
            if args.command == "dashboard-viewers":
                sys.stdout.write(_listing(await list_viewers(session), now, zone))
                return 0
            if args.command == "dashboard-viewer-revoke":
                viewer = await revoke_viewer(session, args.id, now)
                log.info("dashboard viewer %s revoked", viewer.id)
                sys.stdout.write(f"已撤销“{viewer.name}”的看板口令（编号 {viewer.id}），该口令立即失效。\n")
                return 0
            viewer, token = await add_viewer(
                session, args.name, street=args.street, community=args.community, days=args.days, now=now
            )
            scope, viewer_id, name = scope_label(viewer), viewer.id, viewer.name
            until = _local(viewer.expires_at, zone) if viewer.expires_at else "撤销前长期有效"
    except (DomainError, ValueError) as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    finally:
        await engine.dispose()

    # Printed only after the commit, so a token shown is a token that works.
    log.info("dashboard viewer %s issued", viewer_id)
    sys.stdout.write(
        f"已为“{name}”发放看板口令（编号 {viewer_id}，范围：{scope}，有效期：{until}）。\n"
        "口令只显示这一次，数据库只保存它的摘要。请当面或经加密渠道交给本人：\n"
        f"  {token}\n"
        f"看板地址：{_dashboard_url(settings, token)}\n"
        "服务经反向代理对外提供时，请把地址中的主机和端口换成工作人员实际访问的地址。\n"
    )
    return 0


def _listing(viewers: list[DashboardViewer], now: datetime, zone: ZoneInfo) -> str:
    rows = [
        (
            viewer.id,
            viewer.name,
            scope_label(viewer),
            status_label(viewer, now),
            _local(viewer.created_at, zone),
            _local(viewer.expires_at, zone) if viewer.expires_at else "长期",
            _local(viewer.last_used_at, zone) if viewer.last_used_at else "未使用",
        )
        for viewer in viewers
    ]
    table = render_table(["编号", "姓名", "范围", "状态", "发放时间", "到期时间", "最近使用"], rows)
    return table + f"共 {len(viewers)} 个看板口令\n"


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _dashboard_url(settings: Settings, token: str) -> str:
    host = settings.http_host
    # A server listening on every address is reached on this machine at the loopback address.
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass
    return f"http://{host}:{settings.http_port}/dashboard?{urlencode({'token': token})}"
