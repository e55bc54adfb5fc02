"""One Chinese line per invalid setting, for the operator who starts the bot.

Each line names the setting as it is written in `.env`, states what is wrong
with its value and what the setting accepts. Values of secrets and of
DATABASE_URL (which may carry a password) are never repeated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import time
from typing import Any, Literal, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt
from pydantic import SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

# Maximum length of a value repeated in a message; a longer one is cut with "…".
MAX_SHOWN_CHARS = 60
# Settings whose value is a secret besides the SecretStr ones.
_HIDDEN = frozenset({"database_url"})

# Chinese reasons by pydantic error type.
_REASONS = {
    "int_parsing": "不是整数",
    "int_type": "不是整数",
    "int_from_float": "不是整数",
    "float_parsing": "不是数字",
    "float_type": "不是数字",
    "bool_parsing": "不是布尔值",
    "bool_type": "不是布尔值",
    "greater_than": "超出范围",
    "greater_than_equal": "超出范围",
    "less_than": "超出范围",
    "less_than_equal": "超出范围",
    "literal_error": "不在可选值之中",
    "time_parsing": "不是有效的时间",
    "time_type": "不是有效的时间",
    "list_type": "不是 JSON 数组",
    "dict_type": "不是 JSON 对象",
    "json_invalid": "不是有效的 JSON",
    "path_type": "不是有效的路径",
}

# Chinese descriptions of accepted values, for settings whose type and bounds do not describe them well.
_ALLOWED = {
    "reminder_fractions": "应为由 0 和 1 之间的小数组成的 JSON 数组，如 [0.5, 0.9]",
    "wecom_archive_private_keys": (
        '应为 JSON 对象，键为公钥版本号，值为私钥 PEM 文件路径，如 {"1": "/etc/compound-bot/archive_v1.pem"}'
    ),
}

# pydantic-settings reports JSON it cannot decode without a ValidationError.
_UNPARSED_FIELD = re.compile(r'error parsing value for field "(\w+)"')


def describe_errors(errors: Iterable[ErrorDetails], fields: dict[str, FieldInfo]) -> list[str]:
    """Return one line per setting that failed validation, in the order pydantic found them."""
    lines: dict[str, str] = {}
    for error in errors:
        name = str(error["loc"][0]) if error["loc"] else ""
        if name in lines or name not in fields:
            continue
        lines[name] = _line(name, error, fields[name])
    return list(lines.values())


def describe_unparsed(message: str, fields: dict[str, FieldInfo]) -> str | None:
    """Return the line for a setting whose JSON pydantic-settings could not decode, if named."""
    match = _UNPARSED_FIELD.search(message)
    if match is None or match[1] not in fields:
        return None
    name = match[1]
    return f"{name.upper()} 无效：不是有效的 JSON；{allowed_values(name, fields[name])}"


def _line(name: str, error: ErrorDetails, field: FieldInfo) -> str:
    value_text = "" if _is_secret(name, field) else _shown_value(error)
    if error["type"] == "value_error":
        # The settings' own validators state the reason and the allowed values.
        subject = f"{name.upper()}={value_text}" if value_text else name.upper()
        return f"{subject} 无效：{error.get('ctx', {}).get('error', error['msg'])}"
    reason = _REASONS.get(error["type"], f"无法识别（{error['msg']}）")
    if len(error["loc"]) > 1:
        # An item of a list or a key of an object failed, not the whole value.
        item = f"其中的“{value_text}”" if value_text else "其中一项"
        return f"{name.upper()} 无效：{item}{reason}；{allowed_values(name, field)}"
    subject = f"{name.upper()}={value_text}" if value_text else name.upper()
    return f"{subject} 无效：{reason}；{allowed_values(name, field)}"


def allowed_values(name: str, field: FieldInfo) -> str:
    """Describe in Chinese what a setting accepts, from its type and bounds."""
    if name in _ALLOWED:
        return _ALLOWED[name]
    annotation = field.annotation
    if get_origin(annotation) is Literal:
        return "可选值：" + "、".join(str(choice) for choice in get_args(annotation))
    if annotation is bool:
        return "应为 true 或 false"
    if annotation is time:
        return "应为 24 小时制的 HH:MM，如 08:30"
    if annotation in (int, float):
        return "应为" + _bounds(field.metadata, "整数" if annotation is int else "数")
    return "请对照 .env.example 中的说明填写"


def _bounds(metadata: list[Any], noun: str) -> str:
    low = next((m for m in metadata if isinstance(m, Ge | Gt)), None)
    high = next((m for m in metadata if isinstance(m, Le | Lt)), None)
    if isinstance(low, Ge) and isinstance(high, Le):
        return f" {low.ge} 到 {high.le} 之间的{noun}"
    limits = []
    if isinstance(low, Ge):
        limits.append(f"不小于 {low.ge}")
    elif isinstance(low, Gt):
        limits.append(f"大于 {low.gt}")
    if isinstance(high, Le):
        limits.append(f"不大于 {high.le}")
    elif isinstance(high, Lt):
        limits.append(f"小于 {high.lt}")
    return f"{'、'.join(limits)} 的{noun}" if limits else noun


def _is_secret(name: str, field: FieldInfo) -> bool:
    return name in _HIDDEN or field.annotation is SecretStr


def _shown_value(error: ErrorDetails) -> str:
    value = error.get("input")
    if value is None or isinstance(value, SecretStr):
        return ""
    text = " ".join(str(value).split())
    return text if len(text) <= MAX_SHOWN_CHARS else text[: MAX_SHOWN_CHARS - 1] + "…"
