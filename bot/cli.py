"""Command line: `python -m bot run | replay | cases | compounds | compound-add | grant | route`.

The register-import and register-export commands are defined in bot.register_cli,
the dashboard-viewer commands in bot.viewer_cli, and corrections-export in
bot.corrections_cli.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import admin, corrections_cli, register_cli, viewer_cli
from bot.adapters.console import ConsoleOutbound
from bot.adapters.replay import ReplayFormatError, ReplaySummary, replay
from bot.logs import setup_logging
from bot.preflight import check_deadline_files
from bot.services import build_services
from bot.settings import Settings, load_settings
from bot.tables import render_table
from handlers.directory import compound_by_code
from handlers.errors import ConfigError, DomainError
from handlers.masking import mask_contacts
from models import ROLE_LABELS, STATUS_LABELS, CaseStatus, Compound, RoleKind
from models.queries import CaseListing, list_cases
from nlp.argparse_zh import ChineseArgumentParser
from nlp.labels import CATEGORY_LABELS, CHAT, ROUTE_LABELS
from scheduler import install_limit_table

# The replay's log, in DATA_DIR, rewritten by each replay.
REPLAY_LOG = "replay.log"


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(prog="python -m bot", description="小区议事与工单机器人")
    parser.add_argument("--database-url", metavar="数据库地址", help="本次命令改用这个数据库，代替 DATABASE_URL 设置")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令")

    sub.add_parser("run", help="启动常驻服务（接收各平台消息、运行定时任务）")

    replay_parser = sub.add_parser("replay", help="回放导出的聊天记录（CSV 列：time,group,sender,text）")
    replay_parser.add_argument("file", type=Path, metavar="聊天记录文件", help="要回放的 CSV 文件")
    replay_parser.add_argument("--quiet", action="store_true", help="只输出汇总，不逐条显示回复")

    cases_parser = sub.add_parser("cases", help="列出工单")
    cases_parser.add_argument("--json", action="store_true", help="每行输出一个 JSON 对象")
    cases_parser.add_argument("--compound", metavar="小区", help="只列这个小区的工单，填编码（如 XQ0001）或名称")
    cases_parser.add_argument("--open", action="store_true", help="只列未办结的工单")
    cases_parser.add_argument(
        "--limit", type=_non_negative, default=0, metavar="件数", help="最多列出多少件，新的在前；0 表示全部"
    )
    compound_parser = sub.add_parser("compound-add", help="新建小区，连同它的物业、业委会和党组织三方")
    compound_parser.add_argument("name", metavar="小区名称", help="小区名称，如 翠湖苑")
    compound_parser.add_argument("--code", metavar="编码", help="群里“绑定”指令用的编码；默认依次为 XQ0001、XQ0002……")
    compound_parser.add_argument("--community", metavar="社区", help="小区所属的社区")
    compound_parser.add_argument(
        "--street",
        metavar="街道",
        help="社区所属的街道；须同时给出 --community，因为小区经由社区才归属街道",
    )

    sub.add_parser("compounds", help="列出所有小区及其编码")

    firm_parser = sub.add_parser("property-firm", help="登记小区的物业公司；物业服务评估按物业公司汇总各小区")
    firm_parser.add_argument("compound", metavar="小区编码", help="小区编码，如 XQ0001")
    firm_parser.add_argument("name", metavar="公司名称", help="物业公司的注册名称，如 安居物业服务有限公司")

    grant_parser = sub.add_parser("grant", help="给某个平台账号授予工作人员角色")
    grant_parser.add_argument(
        "role",
        choices=[r.value for r in RoleKind],
        metavar="角色",
        help="要授予的角色：" + "、".join(f"{kind.value}（{ROLE_LABELS[kind]}）" for kind in RoleKind),
    )
    grant_parser.add_argument(
        "--platform",
        required=True,
        metavar="平台",
        help=(
            "账号所在的平台：wecom、wecom_aibot、wechat_mp、telegram；"
            "工作群的群机器人用 wecom_webhook（--user 填它在 WECOM_WEBHOOK_KEYS 中的名称）；"
            "回放的聊天记录用 replay（--user 填 sender 列中的名字）"
        ),
    )
    grant_parser.add_argument("--user", required=True, metavar="用户ID", help="账号在该平台上的用户 ID")
    grant_parser.add_argument("--name", default="", metavar="姓名", help="显示的姓名")
    grant_parser.add_argument("--compound", metavar="小区编码", help="小区编码，用于小区内的角色")
    grant_parser.add_argument("--community", metavar="社区", help="社区名称，用于 community_staff")
    grant_parser.add_argument("--street", metavar="街道", help="街道名称，用于 street_staff")

    route_parser = sub.add_parser("route", help="为某个小区改定某类诉求的承办方")
    route_parser.add_argument("compound", metavar="小区编码", help="小区编码，如 XQ0001")
    route_parser.add_argument(
        "category", type=category_key, metavar="类别", help="类别的中文名或英文键，如 设施报修 或 repair"
    )
    route_parser.add_argument(
        "route", type=route_key, metavar="承办方", help="物业（property）、业委会（committee）或党组织（party）"
    )
    register_cli.add_parsers(sub)
    viewer_cli.add_parsers(sub)
    corrections_cli.add_parsers(sub)
    return parser


_CATEGORY_BY_LABEL = {label: key for key, label in CATEGORY_LABELS.items()}
# The words people use for each party, besides the keys and ROUTE_LABELS.
_ROUTE_WORDS = {
    "物业": "property",
    "物业公司": "property",
    "物业服务中心": "property",
    "业委会": "committee",
    "业主委员会": "committee",
    "党组织": "party",
    "党支部": "party",
    "小区党组织": "party",
    "专员": "party",
    "小区专员": "party",
}


def category_key(value: str) -> str:
    """Read a category by key (repair) or Chinese label (设施报修)."""
    key = _CATEGORY_BY_LABEL.get(value.strip(), value.strip().lower())
    # Chit-chat never becomes a case, so a route for it would never be used.
    if key not in CATEGORY_LABELS or key == CHAT:
        choices = "、".join(f"{label}（{key}）" for key, label in CATEGORY_LABELS.items() if key != CHAT)
        reason = "闲聊不登记工单，没有承办方" if key == CHAT else "无效的类别"
        msg = f"{reason} {value!r}，可选：{choices}"
        raise argparse.ArgumentTypeError(msg)
    return key


def route_key(value: str) -> str:
    """Read a party by key (committee), label (业委会) or common name (业主委员会)."""
    word = value.strip()
    by_label = {label: key for key, label in ROUTE_LABELS.items()}
    key = _ROUTE_WORDS.get(word) or by_label.get(word) or word.lower()
    if key not in ROUTE_LABELS or key == "none":
        msg = f"无效的承办方 {value!r}，可选：物业（property）、业委会（committee）、党组织（party）"
        raise argparse.ArgumentTypeError(msg)
    return key


def _non_negative(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        msg = f"{value!r} 不是整数"
        raise argparse.ArgumentTypeError(msg) from None
    if number < 0:
        msg = f"不能小于 0，收到的是 {number}"
        raise argparse.ArgumentTypeError(msg)
    return number


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    overrides = {"database_url": args.database_url} if args.database_url else {}
    try:
        settings = load_settings(**overrides)
    except ConfigError as exc:
        _write_config_error(exc)
        return 2
    if args.command == "replay":
        log_file = settings.data_dir / REPLAY_LOG
        log_warnings = setup_logging(settings.log_level, log_file=log_file)
    else:
        setup_logging(settings.log_level, quiet=args.command != "run")
    try:
        if args.command == "run":
            from bot.server import ListenError, serve

            try:
                asyncio.run(serve(settings))
            except ListenError as exc:
                sys.stderr.write(f"启动失败：{exc}\n")
                return 2
            return 0
        if args.command == "replay":
            code = asyncio.run(_replay(settings, args.file, quiet=args.quiet))
            if log_warnings.count:
                sys.stderr.write(f"回放过程中有 {log_warnings.count} 条警告或错误，详见运行日志（英文）：{log_file}\n")
            return code
        if args.command == "cases":
            return asyncio.run(_cases(settings, args))
        if args.command in register_cli.COMMANDS:
            return asyncio.run(register_cli.run(settings, args))
        if args.command in viewer_cli.COMMANDS:
            return asyncio.run(viewer_cli.run(settings, args))
        if args.command in corrections_cli.COMMANDS:
            return asyncio.run(corrections_cli.run(settings, args))
        return asyncio.run(_admin(settings, args))
    except ConfigError as exc:
        _write_config_error(exc)
        return 2
    except BrokenPipeError:
        # The reader of the output went away (cases | head), which is no
        # database failure and needs no message.
        _discard_stdout()
        return 1
    except (OSError, SQLAlchemyError) as exc:
        # Unreachable database servers and unwritable SQLite files end here;
        # the operator needs the cause, not a traceback.
        logging.getLogger("bot").debug("start-up failed", exc_info=True)
        sys.stderr.write(f"启动失败：{_describe_startup_error(exc, settings)}\n")
        return 2
    except KeyboardInterrupt:
        return 130


def _discard_stdout() -> None:
    """Point stdout at the null device, so the flush at exit does not fail on the closed pipe again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _write_config_error(exc: ConfigError) -> None:
    # A ConfigError names one setting per line.
    for line in str(exc).splitlines():
        sys.stderr.write(f"配置错误：{line}\n")


async def _replay(settings: Settings, path: Path, *, quiet: bool) -> int:
    # These checks run before any service starts, so a blocking stat holds up nothing.
    if path.is_dir():  # noqa: ASYNC240
        sys.stderr.write(f"{path} 是一个目录，请给出聊天记录 CSV 文件的路径\n")
        return 2
    if not path.is_file():  # noqa: ASYNC240
        sys.stderr.write(f"找不到聊天记录文件：{path}\n")
        return 2
    # The replayed cases get the deadlines `run` would give them, from
    # LIMITS_FILE and HOLIDAYS_FILE rather than the built-in table.
    check_deadline_files(settings)
    install_limit_table(settings)
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


def _describe_startup_error(exc: BaseException, settings: Settings) -> str:
    url = make_url(settings.resolved_database_url).render_as_string(hide_password=True)
    # Without DATABASE_URL the SQLite file lives in DATA_DIR, so that is the setting to check.
    checked = "DATABASE_URL 和数据库服务" if settings.database_url else "DATA_DIR 和其中的数据库文件"
    return f"无法打开数据库 {url}，请检查 {checked}（{type(exc).__name__}: {exc}）"


def write_summary(summary: ReplaySummary, out: TextIO) -> None:
    """Print the end-of-replay tables in Chinese."""
    out.write("\n回放汇总\n")
    rows = [
        ("消息", summary.messages),
        ("  立了新工单", summary.opening_messages),
        ("  只并入已有工单", summary.joining_messages),
        ("  补充或更正工单位置", summary.locating_messages),
        ("  补充本人工单的情况", summary.detail_messages),
        ("  忽略（闲聊等）", summary.ignored),
        ("  指令", summary.commands),
        ("  未绑定群消息", summary.unbound),
        ("  处理失败", summary.failed),
        ("  此前已回放过", summary.duplicates),
        ("格式错误已跳过的行", len(summary.bad_lines)),
        ("新立工单（件）", summary.opened),
        ("并入已有工单（次）", summary.attached),
    ]
    out.write(render_table(["项目", "数量"], rows))
    if summary.messages and summary.duplicates == summary.messages:
        out.write(
            "提示：这些消息此前都已回放过，因此没有新的回复。"
            "如需重新演示，请删除数据目录（默认 var/）后再运行。\n"
        )
    if summary.by_route:
        out.write("\n新立工单按承办方\n")
        route_rows = [(ROUTE_LABELS.get(k, k), v) for k, v in summary.by_route.most_common()]
        out.write(render_table(["承办方", "工单"], route_rows))
    if summary.by_category:
        out.write("\n新立工单按类别\n")
        category_rows = [(CATEGORY_LABELS.get(k, k), v) for k, v in summary.by_category.most_common()]
        out.write(render_table(["类别", "工单"], category_rows))
    if summary.new_compounds:
        out.write(
            f"\n回放中新建的小区：{'、'.join(summary.new_compounds)}。"
            "群名与现有小区都对不上时才会新建。如果某个群其实属于已有小区，"
            "请改正聊天记录中的群名，换一个空数据库（默认删除 var/ 目录即可）后重新回放。\n"
        )
    if summary.unbound_groups:
        out.write(
            f"\n未绑定的群：{'、'.join(summary.unbound_groups)}。"
            "这些群在记录中的“绑定”指令之前的消息都没有处理。\n"
        )
    for bad in summary.bad_lines:
        out.write(f"第 {bad.line} 行已跳过：{bad.reason}\n")


async def _admin(settings: Settings, args: argparse.Namespace) -> int:
    services = await build_services(settings, classifier=_NoClassifier())
    try:
        async with services.sessionmaker() as session, session.begin():
            if args.command == "compounds":
                rows = [(c.code, c.name, c.community, c.street) for c in await admin.list_compounds(session)]
                sys.stdout.write(render_table(["编码", "小区", "社区", "街道"], rows))
                return 0
            if args.command == "compound-add":
                compound = await admin.add_compound(
                    session, args.name, code=args.code, community=args.community, street=args.street
                )
                line = f"已创建小区 {compound.name}，编码 {compound.code}。在群里发送“绑定 {compound.code}”即可绑定。"
            elif args.command == "grant":
                line = await admin.grant(
                    session,
                    RoleKind(args.role),
                    platform=args.platform,
                    user_id=args.user,
                    name=args.name,
                    compound_code=args.compound,
                    community_name=args.community,
                    street_name=args.street,
                    robots=settings.webhook_keys,
                )
            elif args.command == "property-firm":
                line = await admin.name_property_firm(session, args.compound, args.name)
            else:
                line = await admin.override_route(session, args.compound, args.category, args.route)
    except (DomainError, ValueError) as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    finally:
        await services.close()
    sys.stdout.write(line + "\n")
    return 0


async def _cases(settings: Settings, args: argparse.Namespace) -> int:
    services = await build_services(settings, classifier=_NoClassifier())
    try:
        async with services.sessionmaker() as session:
            problem = await _compound_problem(session, args.compound) if args.compound else None
            if problem:
                sys.stderr.write(problem + "\n")
                return 2
            # Fetching one case past the limit shows whether older cases are left out.
            fetch = args.limit + 1 if args.limit else 0
            cases = await list_cases(session, compound_code=args.compound, only_open=args.open, limit=fetch)
    finally:
        await services.close()
    # The listing is for operators, who are staff: phones and ID numbers are
    # masked as in every staff notice, and rooms are kept.
    cut = bool(args.limit) and len(cases) > args.limit
    cases = [replace(case, text=mask_contacts(case.text)) for case in cases[: args.limit or None]]
    zone = ZoneInfo(settings.timezone)
    if args.json:
        for case in cases:
            sys.stdout.write(json.dumps(case.as_json(zone), ensure_ascii=False) + "\n")
        return 0
    header = ["工单", "小区", "类别", "紧急", "承办方", "状态", "立案时间", "内容"]
    sys.stdout.write(render_table(header, [_case_row(case, zone) for case in cases]))
    if cut:
        sys.stdout.write(f"列出最新的 {len(cases)} 件，另有更早的工单未列出；去掉 --limit 可列出全部\n")
    else:
        sys.stdout.write(f"共 {len(cases)} 件\n")
    return 0


async def _compound_problem(session: AsyncSession, code_or_name: str) -> str | None:
    """Describe why `cases --compound` cannot use this code or name, or return None if it can."""
    if await compound_by_code(session, code_or_name) is not None:
        return None
    named = list(await session.scalars(select(Compound).where(Compound.name == code_or_name).order_by(Compound.code)))
    if not named:
        # An empty list would read as "no cases" for a mistyped code.
        return f"没有编码或名称为“{code_or_name}”的小区。运行 python -m bot compounds 查看已有小区。"
    if len(named) > 1:
        # Same-named compounds of different communities would share one listing.
        found = "、".join(f"{c.code}（{c.community.name if c.community else '不属于任何社区'}）" for c in named)
        return f"有 {len(named)} 个小区都叫“{code_or_name}”：{found}。请改用编码，例如 --compound {named[0].code}。"
    return None


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
