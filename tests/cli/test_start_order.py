"""A bad setting or a port in use stops a command before the database opens, and a failed start leaves nothing open."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import socket
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.server import serve
from bot.settings import Settings
from handlers.errors import ConfigError
from tests.cli.test_start_errors import ENGLISH, run_bot
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi
from tests.wecom.conftest import AGENT_ID, APP_AES_KEY, APP_TOKEN, CORP_ID


def test_bad_webhook_secret_stops_before_database(tmp_path: Path):
    code, err = run_bot(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_MODE="webhook",
        TELEGRAM_WEBHOOK_SECRET="bad secret!",
        TELEGRAM_API_BASE_URL="http://127.0.0.1:1",
    )

    assert code == 2
    assert err == (
        "配置错误：TELEGRAM_WEBHOOK_SECRET 无效：含有不允许的字符或超过 256 个字符；"
        "应为 1 到 256 个 A-Z、a-z、0-9、_、- 字符\n"
    )
    assert "bad secret" not in err
    assert not (tmp_path / "var" / "compound-bot.sqlite3").exists()


@pytest.mark.parametrize("url", ["sqlite+aiosqlite:///:memory:", "sqlite+aiosqlite://"])
def test_memory_database_rejected(capsys, url: str):
    code = main(["--database-url", url, "cases"])

    _out, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("配置错误：DATABASE_URL 无效：不能使用内存数据库，它在每次连接时都是空的，工单无法保存；")
    assert "Traceback" not in err
    assert ENGLISH.search(err) is None, err


def test_url_without_scheme_named(capsys):
    code = main(["--database-url", "foo", "cases"])

    _out, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("配置错误：DATABASE_URL 无效：不是数据库地址（缺少“://”）；应以 sqlite+aiosqlite://")
    assert "foo://" not in err


async def test_rejected_token_closes_started_adapters(db_url: str, tmp_path: Path, caplog):
    api = FakeBotApi()
    await api.start()
    api.unauthorized = True
    settings = Settings(
        database_url=db_url,
        data_dir=tmp_path,
        http_port=0,
        scheduler_enabled=False,
        wecom_corp_id=CORP_ID,
        wecom_agent_id=AGENT_ID,
        wecom_secret="app-secret",
        wecom_token=APP_TOKEN,
        wecom_aes_key=APP_AES_KEY,
        wecom_api_base_url="http://127.0.0.1:1/cgi-bin/",
        telegram_bot_token=TOKEN,
        telegram_api_base_url=api.base_url,
        _env_file=None,
    )  # type: ignore[call-arg]

    # Sessions that earlier tests left for the collector would be reported here otherwise.
    gc.collect()
    message = ""
    try:
        with caplog.at_level(logging.ERROR, logger="asyncio"):
            try:
                await serve(settings)
            except ConfigError as error:
                message = str(error)
            # The traceback of the error refers to the adapters, so they are
            # collected, and an open session reported, only once it is gone.
            gc.collect()
    finally:
        await api.close()

    assert message.startswith("TELEGRAM_BOT_TOKEN 无效")
    assert not [r for r in caplog.records if "Unclosed" in r.getMessage()]


def sqlite_tables(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT name FROM sqlite_master")]


async def test_port_in_use_stops_before_migrations(tmp_path: Path):
    database = tmp_path / "fresh.sqlite3"
    sqlite3.connect(database).close()
    api = FakeBotApi()
    await api.start()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATA_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "HTTP_HOST": "127.0.0.1",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_MODE": "polling",
        "TELEGRAM_API_BASE_URL": api.base_url,
    }
    try:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            # Run without blocking the loop, which serves the fake Bot API.
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run",
                cwd=tmp_path,
                env={**env, "HTTP_PORT": str(port)},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            _out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    finally:
        await api.close()

    assert process.returncode == 2
    assert err.decode() == (
        f"启动失败：无法监听 127.0.0.1:{port}：端口已被占用；请换一个 HTTP_PORT，或停掉占用它的进程\n"
    )
    assert sqlite_tables(database) == []
    # Telegram is never contacted: no getMe, deleteWebhook or getUpdates.
    assert api.calls == []
