"""Checks of setting values that pydantic's types cannot express.

Each check returns None for a valid value, or a Chinese description of what
is wrong followed by what the setting accepts, for the operator's start error.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The levels .env.example offers; logging also defines CRITICAL, which the bot never uses.
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

_HOST_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_DOTTED_NUMBERS = re.compile(r"[0-9.]+")
# DNS limits a host name to 253 characters in text form, without the final dot.
MAX_HOST_NAME_CHARS = 253
_HOST_HINT = "应为 IP 地址或主机名，如 127.0.0.1，或用 0.0.0.0 监听所有地址"


def timezone_problem(name: str) -> str | None:
    """Check a time zone name against the IANA database that zoneinfo reads."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "不是已知的时区；应为 IANA 时区名，如 Asia/Shanghai"
    return None


def host_problem(host: str) -> str | None:
    """Check the address the HTTP server listens on: an IP address or a host name."""
    if not host:
        return f"为空；{_HOST_HINT}"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return None
    if _DOTTED_NUMBERS.fullmatch(host):
        return f"不是有效的 IPv4 地址（每段应为 0 到 255）；{_HOST_HINT}"
    labels = host.removesuffix(".").split(".")
    if len(host) > MAX_HOST_NAME_CHARS or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        return f"不是有效的 IP 地址或主机名；{_HOST_HINT}"
    return None


def url_problem(url: str, schemes: tuple[str, ...], example: str) -> str | None:
    """Check that a URL uses one of `schemes` and names a host, and a valid port if it has one."""
    starts = " 或 ".join(f"{scheme}://" for scheme in schemes)
    hint = f"应为以 {starts} 开头的完整地址，如 {example}"
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return f"无法解析；{hint}"
    if parts.scheme not in schemes:
        return f"开头不是 {starts}；{hint}"
    if not parts.hostname:
        return f"缺少主机名；{hint}"
    if not port_ok:
        return f"端口无效；{hint}"
    return None
