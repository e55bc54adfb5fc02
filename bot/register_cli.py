"""The register-import and register-export commands of `python -m bot`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.register_csv import decode_register, export_register, read_register, write_register
from bot.services import build_services
from bot.settings import Settings
from handlers.directory import compound_by_code
from models import Compound, utcnow
from nlp.os_errors import os_error_reason

COMMANDS = ("register-import", "register-export")

log = logging.getLogger("bot.register")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the two register commands to the CLI's subcommands."""
    importer = sub.add_parser("register-import", help="把住户档案 CSV 导入一个小区；任何一行有误都不导入")
    importer.add_argument("--compound", required=True, metavar="小区编码", help="小区编码，如 XQ0001")
    importer.add_argument(
        "file",
        type=Path,
        metavar="档案文件",
        help="CSV 文件，表头为 楼栋,单元,房号,姓名,关系,手机号,入住日期,标签,备注",
    )

    exporter = sub.add_parser("register-export", help="把一个小区的住户档案导出为 CSV")
    exporter.add_argument("--compound", required=True, metavar="小区编码", help="小区编码，如 XQ0001")
    exporter.add_argument("--output", type=Path, metavar="文件", help="要写入的文件；默认输出到标准输出")
    exporter.add_argument("--full", action="store_true", help="写出完整手机号，而不是 138****1234 的形式")
    exporter.add_argument("--with-tags", action="store_true", help="加上“标签”和“备注”两列")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    # These checks run before any service starts, so a blocking read holds up nothing.
    text = None
    if args.command == "register-import":
        problem = _unreadable_file(args.file)
        if problem is not None:
            sys.stderr.write(problem + "\n")
            return 2
        try:
            data = args.file.read_bytes()  # noqa: ASYNC240
        except OSError as exc:
            sys.stderr.write(f"无法读取住户档案文件 {args.file}（{os_error_reason(exc)}），请检查文件权限后重试\n")
            return 2
        text = decode_register(data)
        if text is None:
            sys.stderr.write(
                f"{args.file} 既不是 UTF-8 编码，也不是表头正确的 GBK 编码文件，请在表格软件中另存为“CSV UTF-8”后重试\n"
            )
            return 2

    services = await build_services(settings, classifier=_NoClassifier())
    try:
        async with services.sessionmaker() as session, session.begin():
            compound = await compound_by_code(session, args.compound)
            if compound is None:
                sys.stderr.write(f"没有编码为 {args.compound} 的小区。运行 python -m bot compounds 查看已有小区。\n")
                return 2
            if text is None:
                csv_text = await export_register(session, compound, full=args.full, with_tags=args.with_tags)
            else:
                today = utcnow().astimezone(ZoneInfo(settings.timezone)).date()
                return await _import(session, compound, args.file, text, today)
    finally:
        await services.close()
    return _write_export(csv_text, args.output)


def _unreadable_file(path: Path) -> str | None:
    """Describe why `path` is no file to import, or return None when it is one."""
    if path.is_dir():
        return f"{path} 是一个目录，不是文件。请写上住户档案 CSV 文件本身的路径"
    if not path.exists():
        return f"找不到住户档案文件：{path}"
    if not path.is_file():
        return f"{path} 不是普通文件，请写上住户档案 CSV 文件的路径"
    return None


async def _import(session: AsyncSession, compound: Compound, path: Path, text: str, today: date) -> int:
    rows, errors = read_register(text, today=today)
    if errors:
        for error in errors:
            sys.stderr.write(f"第 {error.line} 行：{error.reason}\n")
        lines = len({error.line for error in errors})
        problems = f"（共 {len(errors)} 处）" if len(errors) > lines else ""
        sys.stderr.write(f"{path} 有 {lines} 行有误{problems}，未导入任何数据。请改正后重新导入。\n")
        return 2
    if not rows:
        # A file with a header alone is most likely the wrong file, not a wish to change nothing.
        sys.stderr.write(f"{path} 中只有表头，没有住户数据，未导入任何数据。请在表头下方逐行填写住户后重新导入。\n")
        return 2
    added = await write_register(session, compound, rows, utcnow())
    log.info("register import: compound=%s rows=%s added=%s", compound.id, len(rows), added)
    updated = len(rows) - added
    sys.stdout.write(f"已导入 {compound.name} 住户档案 {len(rows)} 行：新增 {added} 人，更新 {updated} 人。\n")
    return 0


def _write_export(text: str, output: Path | None) -> int:
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        # The file contains personal data, so only its owner may read it.
        descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        # Left to main(), this would read as a database that cannot be opened.
        sys.stderr.write(f"无法写入导出文件 {output}：{os_error_reason(exc)}。请换一个可写的文件路径。\n")
        return 2
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8-sig", newline="") as file:
            file.write(text)
        os.chmod(output, 0o600)
    except OSError as exc:
        # A cut-off register would pass for a complete one. Only a regular
        # file is deleted, so a device path such as /dev/full stays.
        removed = output.is_file()
        if removed:
            output.unlink()
        note = "，已删除写了一半的文件" if removed else ""
        sys.stderr.write(f"写入导出文件 {output} 失败（{os_error_reason(exc)}）{note}\n")
        return 2
    sys.stderr.write(f"已导出到 {output}\n")
    return 0


class _NoClassifier:
    """The register commands classify nothing; loading the model would only cost time."""

    def classify(self, text: str) -> list:  # noqa: ARG002
        msg = "the register commands do not classify"
        raise RuntimeError(msg)
