"""Checks `python -m bot run` makes before it opens the database or a port.

Without them an unreadable LIMITS_FILE ends in a traceback, an unwritable
DATA_DIR reads as a database error, and an adapter with half its settings
stays off with one INFO line.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path

from bot.settings import Settings
from handlers.calendar import load_overrides
from handlers.errors import ConfigError
from handlers.limits import load_rules
from nlp.os_errors import os_error_reason


def check_run_settings(settings: Settings) -> None:
    """Raise ConfigError with one line per setting the service cannot start with."""
    # Imported here because the adapters pull in aiogram, whose models take
    # seconds to build, and the replay and admin commands use this module too.
    from bot.adapters.registry import incomplete_adapters

    problems = [
        *_data_dir_problems(settings.data_dir),
        *_deadline_file_problems(settings),
        *incomplete_adapters(settings),
    ]
    if problems:
        raise ConfigError("\n".join(problems))


def check_deadline_files(settings: Settings) -> None:
    """Raise ConfigError with one line per file of time limits or holidays that does not load."""
    problems = _deadline_file_problems(settings)
    if problems:
        raise ConfigError("\n".join(problems))


def _deadline_file_problems(settings: Settings) -> list[str]:
    return [
        *_file_problems("LIMITS_FILE", settings.limits_file, load_rules, kind="时限表"),
        *_file_problems("HOLIDAYS_FILE", settings.holidays_file, load_overrides, kind="节假日调整表"),
    ]


def _data_dir_problems(data_dir: Path) -> list[str]:
    # The SQLite file, corrections, charts and media are all written here.
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=data_dir):
            pass
    except OSError as exc:
        return [f"DATA_DIR={data_dir} 无效：无法创建或写入（{os_error_reason(exc)}）；应为本服务可以写入的目录"]
    return []


def _file_problems(setting: str, path: Path | None, load: Callable[[Path], object], *, kind: str) -> list[str]:
    if path is None:
        return []
    try:
        load(path)
    except ValueError as exc:
        hint = f"应为{kind} JSON 文件，格式见 docs/scheduler.md"
        return [f"{setting}={path} 无效：{_file_reason(exc)}；{hint}"]
    return []


def _file_reason(exc: ValueError) -> str:
    """Name why a JSON settings file failed to load, keeping the loader's detail for content errors."""
    cause = exc.__cause__
    if isinstance(cause, FileNotFoundError):
        return "文件不存在"
    if isinstance(cause, IsADirectoryError):
        return "这是一个目录，不是文件"
    if isinstance(cause, PermissionError):
        return "没有读取权限"
    if isinstance(cause, OSError):
        return f"无法读取（{os_error_reason(cause)}）"
    if isinstance(cause, json.JSONDecodeError):
        return f"不是有效的 JSON（第 {cause.lineno} 行第 {cause.colno} 列）"
    if isinstance(exc, UnicodeDecodeError):
        return "不是 UTF-8 文本"
    return f"内容不符合格式（{exc}）"
