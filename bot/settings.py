"""Typed settings read from the environment and `.env`.

Every key is listed with a comment in `.env.example`. The environment wins over
`.env`; nested models group the keys of one subsystem.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from handlers.errors import ConfigError

DEFAULT_DATA_DIR = Path("var")


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

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if value and not (
            value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")
        ):
            msg = (
                f"DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://, "
                f"got {value.split('://')[0]}://"
            )
            raise ValueError(msg)
        return value

    @property
    def resolved_database_url(self) -> str:
        """Return DATABASE_URL, or the embedded SQLite file under data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'compound-bot.sqlite3').as_posix()}"


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation errors into a ConfigError naming the key."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValueError as exc:
        msg = f"invalid configuration: {exc}"
        raise ConfigError(msg) from exc
