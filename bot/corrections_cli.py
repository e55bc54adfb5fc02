"""The corrections-export command of `python -m bot`: officer corrections as a training CSV."""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections import Counter
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.services import build_services
from bot.settings import Settings
from handlers.corrections import CLASSIFIED, NOT_A_CASE, RECATEGORIZED, export_corrections, write_corrections_csv
from nlp.os_errors import os_error_reason

COMMANDS = ("corrections-export",)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

log = logging.getLogger("bot.corrections")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the corrections-export command to the CLI's subcommands."""
    exporter = sub.add_parser(
        "corrections-export",
        help="把工作人员的每次纠正（分类、改类、误报）导出为 CSV，供 python -m nlp train --data 使用",
    )
    exporter.add_argument("output", type=Path, metavar="输出文件", help="要写入的 CSV 文件；已有的文件会被覆盖")
    exporter.add_argument(
        "--since", metavar="日期", help="只导出这一天及以后的纠正（YYYY-MM-DD，按 TIMEZONE 设置的时区）"
    )


def parse_since(value: str | None, zone: ZoneInfo) -> datetime | None:
    """Return the start of a local date given as YYYY-MM-DD, or None without one.

    Raises:
        ValueError: The value is not a valid date in that form; the message is Chinese.
    """
    if value is None:
        return None
    day = None
    # date.fromisoformat also reads forms such as 20260301 and 2026-W10-1, which people do not mean.
    if _DATE.fullmatch(value.strip()):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            day = None
    if day is None:
        msg = f"日期“{value}”无效，请写成 YYYY-MM-DD，例如 --since 2026-03-01"
        raise ValueError(msg)
    return datetime.combine(day, time(0), tzinfo=zone)


def output_problem(path: Path) -> str | None:
    """Describe why the export cannot be written to `path`, or return None if it can be tried."""
    if path.is_dir():
        return f"{path} 是一个目录，请给出要写入的 CSV 文件路径，例如 {path / 'corrections.csv'}"
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        return f"{parent} 不是目录，请换一个文件路径"
    if not parent.exists():
        return f"目录 {parent} 不存在，请先创建它，或换一个文件路径"
    return None


async def run(settings: Settings, args: argparse.Namespace) -> int:
    zone = ZoneInfo(settings.timezone)
    try:
        since = parse_since(args.since, zone)
    except ValueError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    # These checks run before any service starts, so a blocking stat holds up nothing.
    problem = output_problem(args.output)
    if problem:
        sys.stderr.write(problem + "\n")
        return 2

    services = await build_services(settings, classifier=_NoClassifier())
    try:
        async with services.sessionmaker() as session:
            examples = await export_corrections(session, since=since)
    finally:
        await services.close()
    try:
        written = write_corrections_csv(examples, args.output)
    except OSError as exc:
        # Left to main(), this would read as a database that cannot be opened.
        sys.stderr.write(f"无法写入 {args.output}：{os_error_reason(exc)}。请换一个可写的文件路径。\n")
        return 2

    kinds = Counter(example.kind for example in examples)
    log.info("corrections exported: path=%s examples=%s rows=%s", args.output, len(examples), written)
    repeats = len(examples) - written
    sys.stdout.write(
        f"已导出 {written} 条纠错样本到 {args.output}"
        f"（确认类别 {kinds[CLASSIFIED]}，更正类别 {kinds[RECATEGORIZED]}，误报 {kinds[NOT_A_CASE]}"
        f"{f'；同一消息的 {repeats} 条较早纠正已去重' if repeats else ''}）。\n"
    )
    return 0


class _NoClassifier:
    """Exporting corrections classifies nothing; loading the model would only cost time."""

    def classify(self, text: str) -> list:  # noqa: ARG002
        msg = "the corrections-export command does not classify"
        raise RuntimeError(msg)
