"""Input checks of the administration commands that need no database.

Each check returns the cleaned value or raises ValueError with a Chinese
message that names the option and the expected input.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

from models import ROLE_LABELS, RoleKind
from models.codes import is_code, normalize_code

# The lengths of the columns these values are stored in (models/org.py).
MAX_NAME_CHARS = 100
MAX_CODE_CHARS = 32
MAX_USER_ID_CHARS = 128

# The platform names the adapters store with each sender, so that a role
# matches their messages. Importing them from the adapter modules would load
# aiogram and wechatpy and noticeably slow the start of every command, so
# they are spelled out here. tests/cli/test_admin_input.py checks they agree.
PLATFORMS: dict[str, str] = {
    "wecom": "企业微信自建应用",
    "wecom_aibot": "企业微信智能机器人",
    "wechat_mp": "微信公众号",
    "telegram": "Telegram",
    "wecom_webhook": "企业微信群机器人，用户 ID 填它在 WECOM_WEBHOOK_KEYS 中的名称",
    "replay": "聊天记录回放，用户 ID 填 sender 列",
}
TELEGRAM_PLATFORM = "telegram"
GROUP_ROBOT_PLATFORM = "wecom_webhook"

# Telegram sends user ids as numbers; an anonymous group admin writes as the
# group itself, whose id is negative.
_TELEGRAM_ID = re.compile(r"-?\d+")
# 绑定 and /bind split their arguments at whitespace, so a code must have none.
_WHITESPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")

_AREA_OPTIONS = ("--compound", "--community", "--street")


def required_text(value: str, field_name: str, option: str = "") -> str:
    """Return a name stripped of surrounding blanks, rejecting an empty or too long one."""
    text = value.strip()
    where = f"（{option}）" if option else ""
    if not text:
        msg = f"{field_name}{where}不能为空"
        raise ValueError(msg)
    if len(text) > MAX_NAME_CHARS:
        msg = f"{field_name}{where}最长 {MAX_NAME_CHARS} 个字，现在是 {len(text)} 个字"
        raise ValueError(msg)
    return text


def place_name(value: str, field_name: str, option: str = "") -> str:
    """Return a compound, community or street name folded to half-width, as codes are, and checked like required_text.

    ＡＢＣ小区 is stored as ABC小区, so a lookup by the name as most people
    type it, half-width, finds it, and the two spellings count as one name.
    """
    return required_text(unicodedata.normalize("NFKC", value), field_name, option)


def optional_place_name(value: str | None, field_name: str, option: str) -> str | None:
    """Like place_name, but an option left out stays None."""
    return None if value is None else place_name(value, field_name, option)


def optional_text(value: str | None, field_name: str, option: str) -> str | None:
    """Like required_text, but an option left out stays None; one given as "" is still rejected."""
    return None if value is None else required_text(value, field_name, option)


def checked_code(code: str) -> str:
    """Return a compound code that 绑定 can take as one word, in its stored form.

    Full-width letters and digits become half-width and letters upper case,
    as 绑定 reads them, so xq0010 and ＸＱ００１０ are stored as XQ0010.
    """
    code = normalize_code(code)
    if not code:
        msg = "小区编码（--code）不能为空；不写 --code 时会自动编为 XQ0001、XQ0002 等"
        raise ValueError(msg)
    if _WHITESPACE_OR_CONTROL.search(code):
        msg = f"小区编码“{code}”中不能有空格或控制字符，因为在群里发送“绑定 编码”时编码只能是一个词"
        raise ValueError(msg)
    if len(code) > MAX_CODE_CHARS:
        msg = f"小区编码最长 {MAX_CODE_CHARS} 个字符，现在是 {len(code)} 个"
        raise ValueError(msg)
    if not is_code(code):
        msg = f"小区编码“{code}”无效：应由英文字母和数字组成，并以字母开头，例如 XQ0001"
        raise ValueError(msg)
    return code


def checked_platform(platform: str) -> str:
    """Return a known platform name, accepting any letter case."""
    key = platform.strip().lower()
    if key not in PLATFORMS:
        choices = "、".join(f"{name}（{label}）" for name, label in PLATFORMS.items())
        problem = f"不认识的平台“{platform}”" if key else "平台（--platform）不能为空"
        msg = f"{problem}，--platform 可用：{choices}"
        raise ValueError(msg)
    return key


def checked_user_id(platform: str, user_id: str) -> str:
    """Return the platform's user id stripped, rejecting forms the platform never sends."""
    value = user_id.strip()
    if not value:
        msg = "用户 ID（--user）不能为空"
        raise ValueError(msg)
    if len(value) > MAX_USER_ID_CHARS:
        msg = f"用户 ID 最长 {MAX_USER_ID_CHARS} 个字符，现在是 {len(value)} 个"
        raise ValueError(msg)
    if platform == TELEGRAM_PLATFORM and not _TELEGRAM_ID.fullmatch(value):
        msg = f"Telegram 的用户 ID 应是一串数字（例如 123456789），“{value}”不是；@开头的用户名不能代替用户 ID"
        raise ValueError(msg)
    return value


def check_robot_name(name: str, robots: Collection[str]) -> None:
    """Reject a group robot name that WECOM_WEBHOOK_KEYS does not configure.

    A robot missing there would fail every notice of the role it is given.
    """
    if name in robots:
        return
    if not robots:
        msg = (
            f"无法授权群机器人“{name}”：WECOM_WEBHOOK_KEYS 为空。"
            "请先在配置中按“名称=key”填写群机器人，--user 填其中的名称"
        )
    else:
        msg = (
            f"WECOM_WEBHOOK_KEYS 中没有名为“{name}”的群机器人；"
            f"已配置的群机器人：{'、'.join(sorted(robots))}。--user 填其中的名称"
        )
    raise ValueError(msg)


def check_scope(role: RoleKind, *, compound: str | None, community: str | None, street: str | None) -> None:
    """Reject a grant unless it names exactly the area the role acts in.

    Community staff act in a community, street staff in a street, and every
    other role in one compound. An extra area would be stored but never used.
    """
    if role is RoleKind.COMMUNITY_STAFF:
        needed, field_name = "--community", "社区名称"
    elif role is RoleKind.STREET_STAFF:
        needed, field_name = "--street", "街道名称"
    else:
        needed, field_name = "--compound", "小区编码"
    areas = dict(zip(_AREA_OPTIONS, (compound, community, street), strict=True))
    label = ROLE_LABELS[role]
    if areas[needed] is None:
        msg = f"授予“{label}”角色需要用 {needed} 指定{field_name}"
        raise ValueError(msg)
    extra = [option for option, value in areas.items() if option != needed and value is not None]
    if extra:
        msg = f"“{label}”角色只按 {needed}（{field_name}）授予，请去掉 {'、'.join(extra)}"
        raise ValueError(msg)
