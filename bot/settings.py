"""Typed settings read from the environment and `.env`.

Every key is listed with a comment in `.env.example`. The environment wins over
`.env`; nested models group the keys of one subsystem.
"""

from __future__ import annotations

import re
import string
from datetime import time
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.config_messages import describe_errors, describe_unparsed
from bot.setting_checks import LOG_LEVELS, host_problem, timezone_problem, url_problem
from handlers.errors import ConfigError

DEFAULT_DATA_DIR = Path("var")

# An EncodingAESKey is 43 characters from A-Z, a-z and 0-9, as the WeChat and
# WeCom message encryption docs (消息加解密技术方案) define it. With "=" appended
# it is the base64 form of the 32-byte AES-256 key, so "+" and "/" are base64
# but never appear in a key.
ENCODING_AES_KEY_LENGTH = 43
ENCODING_AES_KEY_ALPHABET = frozenset(string.ascii_letters + string.digits)
VALID_AES_KEY = "EncodingAESKey 应为 43 个字符，只含 A-Z、a-z 和 0-9"
# The Bot API allows 1-256 characters A-Z, a-z, 0-9, _ and - in a webhook
# secret token (core.telegram.org/bots/api#setwebhook).
TELEGRAM_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
# Shortest DASHBOARD_TOKEN accepted; token_urlsafe(32) gives 43 characters.
MIN_DASHBOARD_TOKEN_CHARS = 16


class Settings(BaseSettings):
    """All settings of one bot process."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    data_dir: Path = Field(DEFAULT_DATA_DIR, description="Folder for the SQLite file and media")
    database_url: str = Field("", description="SQLAlchemy async URL; empty means SQLite in data_dir")
    database_echo: bool = False

    http_host: str = "127.0.0.1"
    http_port: int = Field(8080, ge=0, le=65535)
    http_max_body_bytes: int = Field(256 * 1024, gt=0)
    # Seconds a WeChat callback waits for the database to store its message
    # before it responds with 503. WeCom waits 5 seconds for a response.
    callback_store_timeout_seconds: float = Field(3.0, gt=0, le=4)
    # Seconds a stored message may stay unprocessed before the pending-message
    # pass processes it; the pass runs this often, too.
    pending_retry_seconds: float = Field(30, gt=0, le=3600)

    # District-wide bearer token of the dashboard (/dashboard). When it is empty, the
    # dashboard is on only while a personal token (dashboard-viewer-add) is valid.
    dashboard_token: SecretStr = SecretStr("")
    # Fee complaints per managed compound in a quarter above which a property firm gets a warning.
    property_fee_warning_per_compound: int = Field(3, ge=0)

    timezone: str = "Asia/Shanghai"
    log_level: str = "INFO"

    # Classification and case opening.
    triage_threshold: float = Field(0.45, ge=0, le=1)
    duplicate_window_hours: float = Field(72, gt=0)

    # WeCom self-built app.
    wecom_corp_id: str = ""
    wecom_agent_id: str = ""
    wecom_secret: SecretStr = SecretStr("")
    wecom_token: SecretStr = SecretStr("")
    wecom_aes_key: SecretStr = SecretStr("")
    wecom_aibot_token: SecretStr = SecretStr("")
    wecom_aibot_aes_key: SecretStr = SecretStr("")
    wecom_api_base_url: str = "https://qyapi.weixin.qq.com/cgi-bin/"
    # Group robots of staff groups as name=key pairs separated by commas.
    wecom_webhook_keys: SecretStr = SecretStr("")
    # The group robot of each AI-bot group, as chatid=robot-name pairs separated
    # by commas; the name is one of WECOM_WEBHOOK_KEYS.
    wecom_aibot_group_robots: str = ""

    # WeCom session archive (会话内容存档); the corp id is wecom_corp_id.
    wecom_archive_secret: SecretStr = SecretStr("")
    # Private key PEM files by the public-key version shown in the admin console.
    wecom_archive_private_keys: dict[int, Path] = Field(default_factory=dict)
    wecom_archive_poll_seconds: float = Field(30, gt=0)
    wecom_archive_batch_size: int = Field(200, ge=1, le=1000)
    wecom_archive_timeout_seconds: int = Field(10, ge=1)
    # Empty means data_dir/media/wecom_archive.
    wecom_archive_media_dir: str = ""
    wecom_archive_media_max_bytes: int = Field(50 * 1024 * 1024, gt=0)
    wecom_archive_include_private: bool = False
    # Empty means the libWeWorkFinanceSdk_C.so inside the pywecomarchive wheel.
    wecom_archive_sdk_library: str = ""

    # WeCom AI bot: "callback" (HTTP callbacks) or "longconn" (WebSocket).
    wecom_aibot_mode: Literal["callback", "longconn"] = "callback"
    wecom_aibot_bot_id: str = ""
    wecom_aibot_secret: SecretStr = SecretStr("")
    wecom_aibot_ws_url: str = "wss://openws.work.weixin.qq.com"
    wecom_aibot_heartbeat_seconds: float = Field(30, gt=0)
    wecom_aibot_reconnect_base_seconds: float = Field(1, gt=0)
    wecom_aibot_reconnect_max_seconds: float = Field(30, gt=0)
    wecom_aibot_request_timeout_seconds: float = Field(10, gt=0)

    # WeChat Official Account.
    wechat_mp_app_id: str = ""
    wechat_mp_secret: SecretStr = SecretStr("")
    wechat_mp_token: SecretStr = SecretStr("")
    wechat_mp_aes_key: SecretStr = SecretStr("")
    wechat_mp_api_base_url: str = "https://api.weixin.qq.com/cgi-bin/"

    # Telegram.
    telegram_bot_token: SecretStr = SecretStr("")
    telegram_mode: Literal["polling", "webhook"] = "polling"
    telegram_webhook_secret: SecretStr = SecretStr("")
    telegram_api_base_url: str = "https://api.telegram.org"
    # Public HTTPS URL of /telegram/webhook; when set, the bot calls setWebhook with it.
    telegram_webhook_url: str = ""

    # Timers, reminders, escalation and digests.
    scheduler_enabled: bool = True
    scheduler_interval_seconds: float = Field(30, gt=0, le=3600)
    scheduler_dry_run: bool = False
    limits_file: Path | None = None
    holidays_file: Path | None = None
    reminder_fractions: list[float] = Field(default_factory=lambda: [0.5, 0.9])
    quiet_hours_start: time = time(22, 0)
    quiet_hours_end: time = time(7, 0)
    quiet_on_rest_days: bool = True
    rating_reminder_hours: float = Field(24, gt=0)
    rating_close_days: float = Field(3, gt=0)
    digest_time: time = time(8, 30)
    weekly_digest: bool = True

    @field_validator("limits_file", "holidays_file", mode="before")
    @classmethod
    def _empty_path_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("reminder_fractions")
    @classmethod
    def _check_reminder_fractions(cls, value: list[float]) -> list[float]:
        if not value or any(not 0 < f < 1 for f in value):
            msg = "每个提醒点都应是 0 和 1 之间的小数；应为 JSON 数组，如 [0.5, 0.9]"
            raise ValueError(msg)
        return sorted(value)

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        # The value may carry a password, so messages name only its scheme.
        accepted = "应以 sqlite+aiosqlite:// 或 postgresql+asyncpg:// 开头，留空则使用 DATA_DIR 下的 SQLite 文件"
        if value and "://" not in value:
            msg = f"不是数据库地址（缺少“://”）；{accepted}"
            raise ValueError(msg)
        if value and not (
            value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")
        ):
            msg = f"不支持以 {value.split('://')[0]}:// 开头的地址；{accepted}"
            raise ValueError(msg)
        if value.startswith("sqlite") and _in_memory(value):
            # Each connection of the pool would open an empty database of its
            # own, so cases written by one would be missing from the next.
            msg = (
                "不能使用内存数据库，它在每次连接时都是空的，工单无法保存；"
                "应写数据库文件的路径，如 sqlite+aiosqlite:///var/compound-bot.sqlite3，"
                "留空则使用 DATA_DIR 下的 SQLite 文件"
            )
            raise ValueError(msg)
        return value

    @field_validator("wecom_aes_key", "wecom_aibot_aes_key", "wechat_mp_aes_key")
    @classmethod
    def _check_aes_key(cls, value: SecretStr) -> SecretStr:
        # Empty means the route is off.
        key = value.get_secret_value()
        problem = encoding_aes_key_problem(key) if key else None
        if problem is not None:
            msg = f"{problem}；{VALID_AES_KEY}，请从管理后台重新复制"
            raise ValueError(msg)
        return value

    @field_validator("dashboard_token")
    @classmethod
    def _check_dashboard_token(cls, value: SecretStr) -> SecretStr:
        # One token opens every compound's figures, so a guessable one is refused at start.
        token = value.get_secret_value()
        if token and (len(token) < MIN_DASHBOARD_TOKEN_CHARS or any(char.isspace() for char in token)):
            msg = (
                f"太短或含空白；应至少 {MIN_DASHBOARD_TOKEN_CHARS} 个字符且不含空白，"
                "可用 python3 -c 'import secrets; print(secrets.token_urlsafe(32))' 生成"
            )
            raise ValueError(msg)
        return value

    @field_validator("wecom_agent_id")
    @classmethod
    def _check_agent_id(cls, value: str) -> str:
        if value and not value.isdigit():
            msg = "不是数字；应为自建应用的 AgentId，即“应用管理”中显示的一串数字"
            raise ValueError(msg)
        return value

    @field_validator("wecom_webhook_keys")
    @classmethod
    def _check_webhook_keys(cls, value: SecretStr) -> SecretStr:
        for pair in filter(None, (p.strip() for p in value.get_secret_value().split(","))):
            name, _, key = pair.partition("=")
            if not name.strip() or not key.strip():
                msg = "格式不对；应为用英文逗号分隔的“名称=key”，如 物业工作群=KEY1,党支部群=KEY2"
                raise ValueError(msg)
        return value

    @field_validator("wecom_aibot_group_robots")
    @classmethod
    def _check_aibot_group_robots(cls, value: str) -> str:
        for pair in filter(None, (p.strip() for p in value.split(","))):
            chat_id, _, robot = pair.partition("=")
            if not chat_id.strip() or not robot.strip():
                msg = "格式不对；应为用英文逗号分隔的“群chatid=群机器人名称”，如 wrkSFfCgAA-1=阳光花园业主群"
                raise ValueError(msg)
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        problem = timezone_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            msg = f"不是日志级别；应为 {'、'.join(LOG_LEVELS)} 之一"
            raise ValueError(msg)
        return level

    @field_validator("http_host")
    @classmethod
    def _check_http_host(cls, value: str) -> str:
        problem = host_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator(
        "wecom_api_base_url", "wechat_mp_api_base_url", "telegram_api_base_url", "wecom_aibot_ws_url"
    )
    @classmethod
    def _check_url(cls, value: str, info: ValidationInfo) -> str:
        name = info.field_name or ""
        schemes = ("wss", "ws") if name == "wecom_aibot_ws_url" else ("https", "http")
        problem = url_problem(value, schemes, example=cls.model_fields[name].default)
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _check_telegram_webhook_secret(cls, value: SecretStr) -> SecretStr:
        # Checked here rather than when the adapter starts, so a wrong secret
        # stops the service before the database is opened.
        secret = value.get_secret_value()
        if secret and not TELEGRAM_SECRET_TOKEN.fullmatch(secret):
            msg = "含有不允许的字符或超过 256 个字符；应为 1 到 256 个 A-Z、a-z、0-9、_、- 字符"
            raise ValueError(msg)
        return value

    @field_validator("telegram_webhook_url")
    @classmethod
    def _check_telegram_webhook_url(cls, value: str) -> str:
        # setWebhook takes HTTPS URLs only (core.telegram.org/bots/api#setwebhook).
        problem = url_problem(value, ("https",), example="https://bot.example.org/telegram/webhook") if value else None
        if problem is not None:
            raise ValueError(problem)
        return value

    @property
    def webhook_keys(self) -> dict[str, str]:
        """Return the group-robot keys of WECOM_WEBHOOK_KEYS by robot name."""
        pairs = (p.partition("=") for p in self.wecom_webhook_keys.get_secret_value().split(","))
        return {name.strip(): key.strip() for name, _, key in pairs if name.strip() and key.strip()}

    @property
    def aibot_group_robots(self) -> dict[str, str]:
        """Return the group-robot name of WECOM_AIBOT_GROUP_ROBOTS by AI-bot chat id."""
        pairs = (p.partition("=") for p in self.wecom_aibot_group_robots.split(","))
        return {chat.strip(): robot.strip() for chat, _, robot in pairs if chat.strip() and robot.strip()}

    @property
    def resolved_database_url(self) -> str:
        """Return DATABASE_URL, or the embedded SQLite file under data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'compound-bot.sqlite3').as_posix()}"


def _in_memory(url: str) -> bool:
    """Tell whether a SQLite URL names an in-memory database: no path, :memory: or mode=memory."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return False
    database = parsed.database or ""
    return database in ("", ":memory:") or "mode=memory" in database or parsed.query.get("mode") == "memory"


def encoding_aes_key_problem(key: str) -> str | None:
    """Describe in Chinese what makes `key` an invalid EncodingAESKey, or return None for a valid key.

    The description gives the length and whether characters outside A-Z, a-z
    and 0-9 occur, but never a character or its position, because even a
    mistyped key is mostly the real secret. Whitespace and a trailing "=" get
    a hint, since copying from the admin console adds them.
    """
    problems = []
    if len(key) != ENCODING_AES_KEY_LENGTH:
        problems.append(f"有 {len(key)} 个字符")
    if any(char not in ENCODING_AES_KEY_ALPHABET for char in key):
        hints = []
        if any(char.isspace() for char in key):
            hints.append("含有空格或换行")
        if key.endswith("="):
            hints.append("后台显示的密钥末尾不带“=”")
        hint = f"（{'，'.join(hints)}）" if hints else ""
        problems.append(f"含有 A-Z、a-z、0-9 以外的字符{hint}")
    return "，且".join(problems) or None


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation errors into a ConfigError with one line per setting.

    Raises:
        ConfigError: A setting is invalid. Each line of the message names one
            setting, what is wrong and what it accepts, in Chinese.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        # Input values may be secrets, so the original error, which repeats
        # them, is not chained; describe_errors leaves secret values out.
        lines = describe_errors(exc.errors(include_url=False), Settings.model_fields)
        raise ConfigError("\n".join(lines)) from None
    except SettingsError as exc:
        line = describe_unparsed(str(exc), Settings.model_fields)
        raise ConfigError(line or f"无法读取配置（{exc}）") from None
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"无法读取配置文件 .env（{type(exc).__name__}: {exc}）"
        raise ConfigError(msg) from None
