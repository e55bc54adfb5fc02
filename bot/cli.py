"""Command line: `python -m bot run | replay FILE | cases`."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.adapters.console import ConsoleOutbound
from bot.adapters.replay import ReplayFormatError, ReplaySummary, replay
from bot.logs import setup_logging
from bot.services import build_services
from bot.settings import Settings, load_settings
from bot.tables import render_table
from handlers.errors import ConfigError
from models import STATUS_LABELS, CaseStatus
from models.queries import CaseListing, list_cases
from nlp.labels import CATEGORY_LABELS, ROUTE_LABELS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="小区议事与工单机器人")
    parser.add_argument("--database-url", help="override DATABASE_URL for this command")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="start the long-running service (webhooks, adapters, scheduler)")

    replay_parser = sub.add_parser("replay", help="replay an exported chat log (CSV: time,group,sender,text)")
    replay_parser.add_argument("file", type=Path)
    replay_parser.add_argument("--quiet", action="store_true", help="print only the summary")

    cases_parser = sub.add_parser("cases", help="list cases")
    cases_parser.add_argument("--json", action="store_true", help="one JSON object per line")
    cases_parser.add_argument("--compound", help="only this compound code")
    cases_parser.add_argument("--open", action="store_true", help="only open cases")
    cases_parser.add_argument("--limit", type=int, default=0, help="at most this many, newest first; 0 for all")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    overrides = {"database_url": args.database_url} if args.database_url else {}
    try:
        settings = load_settings(**overrides)
    except ConfigError as exc:
        sys.stderr.write(f"配置错误：{exc}\n")
        return 2
    setup_logging(settings.log_level, quiet=args.command != "run")
    try:
        if args.command == "run":
            from bot.server import serve

            asyncio.run(serve(settings))
            return 0
        if args.command == "replay":
            return asyncio.run(_replay(settings, args.file, quiet=args.quiet))
        return asyncio.run(_cases(settings, args))
    except ConfigError as exc:
        sys.stderr.write(f"配置错误：{exc}\n")
        return 2
    except KeyboardInterrupt:
        return 130


async def _replay(settings: Settings, path: Path, *, quiet: bool) -> int:
    if not path.is_file():
        sys.stderr.write(f"找不到聊天记录文件：{path}\n")
        return 2
    out = sys.stdout
    console = ConsoleOutbound(out, quiet=quiet)
    services = await build_services(settings, fallback=console)
    try:
        summary = await replay(
            path,
            services.pipeline,
            zone=ZoneInfo(settings.timezone),
            progress=sys.stderr,
            echo=None if quiet else out,
        )
    except ReplayFormatError as exc:
        sys.stderr.write(f"无法读取聊天记录：{exc}\n")
        return 2
    finally:
        await services.close()
    write_summary(summary, out)
    return 0


def write_summary(summary: ReplaySummary, out: TextIO) -> None:
    """Print the end-of-replay tables in Chinese."""
    out.write("\n回放汇总\n")
    rows = [
        ("消息", summary.messages),
        ("新立工单", summary.opened),
        ("并入已有工单", summary.attached),
        ("忽略（闲聊等）", summary.ignored),
        ("指令", summary.commands),
        ("未绑定群消息", summary.unbound),
        ("处理失败", summary.failed),
        ("重复投递", summary.duplicates),
        ("格式错误已跳过", len(summary.bad_lines)),
    ]
    out.write(render_table(["项目", "数量"], rows))
    if summary.by_route:
        out.write("\n新立工单按承办方\n")
        out.write(render_table(["承办方", "工单"], [(ROUTE_LABELS.get(k, k), v) for k, v in summary.by_route.most_common()]))
    if summary.by_category:
        out.write("\n新立工单按类别\n")
        out.write(
            render_table(["类别", "工单"], [(CATEGORY_LABELS.get(k, k), v) for k, v in summary.by_category.most_common()])
        )
    for bad in summary.bad_lines:
        out.write(f"第 {bad.line} 行已跳过：{bad.reason}\n")


async def _cases(settings: Settings, args: argparse.Namespace) -> int:
    services = await build_services(settings, classifier=_NoClassifier())
    try:
        async with services.sessionmaker() as session:
            cases = await list_cases(session, compound_code=args.compound, only_open=args.open, limit=args.limit)
    finally:
        await services.close()
    zone = ZoneInfo(settings.timezone)
    if args.json:
        for case in cases:
            sys.stdout.write(json.dumps(case.as_json(zone), ensure_ascii=False) + "\n")
        return 0
    header = ["工单", "小区", "类别", "紧急", "承办方", "状态", "立案时间", "内容"]
    sys.stdout.write(render_table(header, [_case_row(case, zone) for case in cases]))
    sys.stdout.write(f"共 {len(cases)} 件\n")
    return 0


def _case_row(case: CaseListing, zone: ZoneInfo) -> tuple[str, ...]:
    text = " ".join(case.text.split())
    return (
        case.number,
        case.compound_name,
        CATEGORY_LABELS.get(case.category, case.category),
        "是" if case.urgent else "",
        ROUTE_LABELS.get(case.route, case.route),
        STATUS_LABELS[CaseStatus(case.status)],
        case.opened_at.astimezone(zone).strftime("%m-%d %H:%M"),
        text if len(text) <= 30 else text[:29] + "…",
    )


class _NoClassifier:
    """Listing cases needs no model; loading one would only cost time."""

    def classify(self, text: str) -> list:  # noqa: ARG002
        msg = "the cases command does not classify"
        raise RuntimeError(msg)
