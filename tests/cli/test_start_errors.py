"""A wrong setting stops `python -m bot run` with one Chinese line naming it, and no traceback."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.server import ListenError, serve
from bot.settings import Settings
from handlers.errors import ConfigError

# English phrases that pydantic and the old messages used.
ENGLISH = re.compile(r"Input should|invalid configuration|must be|missing|Value error")
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def run_bot(tmp_path: Path, **settings: str) -> tuple[int, str]:
    """Start `python -m bot run` with only these settings; return its exit code and stderr."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATA_DIR": str(tmp_path / "var"),
        "HTTP_PORT": "0",
        "SCHEDULER_ENABLED": "false",
        **settings,
    }
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return completed.returncode, completed.stderr


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"HTTP_PORT": "abc"}, "HTTP_PORT=abc 无效：不是整数；应为 0 到 65535 之间的整数"),
        ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE=Mars/Olympus 无效：不是已知的时区；应为 IANA 时区名"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL=LOUD 无效：不是日志级别；应为 DEBUG、INFO、WARNING、ERROR 之一"),
        ({"HTTP_HOST": "999.1.1.1"}, "HTTP_HOST=999.1.1.1 无效：不是有效的 IPv4 地址"),
        (
            {"WECOM_API_BASE_URL": "notaurl"},
            "WECOM_API_BASE_URL=notaurl 无效：开头不是 https:// 或 http://",
        ),
        ({"LIMITS_FILE": "/nonexistent.json"}, "LIMITS_FILE=/nonexistent.json 无效：文件不存在"),
        ({"HOLIDAYS_FILE": "/etc/hostname"}, "HOLIDAYS_FILE=/etc/hostname 无效：不是有效的 JSON"),
        ({"DATA_DIR": "/proc/forbidden"}, "DATA_DIR=/proc/forbidden 无效：无法创建或写入"),
        ({"WECOM_ARCHIVE_PRIVATE_KEYS": "notjson"}, "WECOM_ARCHIVE_PRIVATE_KEYS 无效：不是有效的 JSON"),
        (
            {"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_MODE": "webhook"},
            "Telegram 的配置不完整：TELEGRAM_MODE=webhook 时还需要 TELEGRAM_WEBHOOK_SECRET",
        ),
        (
            {"WECOM_AIBOT_MODE": "longconn"},
            "企业微信智能机器人的配置不完整：WECOM_AIBOT_MODE=longconn 时还需要 WECOM_AIBOT_BOT_ID、WECOM_AIBOT_SECRET",
        ),
        (
            {"WECHAT_MP_APP_ID": "wx2c8d1f0e3b4a5968"},
            "微信公众号的配置不完整：已填写 WECHAT_MP_APP_ID，还缺少 WECHAT_MP_SECRET、WECHAT_MP_TOKEN",
        ),
        (
            {"WECOM_AES_KEY": AES_KEY, "WECOM_TOKEN": "t"},
            "企业微信自建应用的配置不完整：已填写 WECOM_TOKEN、WECOM_AES_KEY，"
            "还缺少 WECOM_CORP_ID、WECOM_AGENT_ID、WECOM_SECRET",
        ),
    ],
)
def test_wrong_setting_stops_start(tmp_path: Path, settings: dict[str, str], expected: str):
    code, err = run_bot(tmp_path, **settings)

    assert code == 2
    assert err.startswith(f"配置错误：{expected}"), err
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    assert ENGLISH.search(err) is None, err


def test_each_wrong_setting_gets_a_line(tmp_path: Path):
    code, err = run_bot(tmp_path, HTTP_PORT="abc", LOG_LEVEL="LOUD", DIGEST_TIME="8:30")

    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 3, err
    assert all(line.startswith("配置错误：") for line in lines)
    assert {line.split("=")[0].removeprefix("配置错误：") for line in lines} == {
        "HTTP_PORT",
        "LOG_LEVEL",
        "DIGEST_TIME",
    }


def test_secret_value_not_repeated(tmp_path: Path):
    code, err = run_bot(tmp_path, DATABASE_URL="mysql://root:hunter2@db/x")

    assert code == 2
    assert err.startswith("配置错误：DATABASE_URL 无效：不支持以 mysql:// 开头的地址")
    assert "hunter2" not in err


async def test_port_in_use_named(db_url: str, tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = Settings(database_url=db_url, data_dir=tmp_path, http_port=port, _env_file=None)  # type: ignore[call-arg]

        with pytest.raises(ListenError) as error:
            await serve(settings)

    assert str(error.value) == f"无法监听 127.0.0.1:{port}：端口已被占用；请换一个 HTTP_PORT，或停掉占用它的进程"


async def test_unknown_host_named(db_url: str, tmp_path: Path):
    settings = Settings(
        database_url=db_url, data_dir=tmp_path, http_host="no-such-host.invalid", http_port=0, _env_file=None
    )  # type: ignore[call-arg]

    with pytest.raises(ListenError, match=r"^HTTP_HOST=no-such-host\.invalid 无效：找不到这个主机名"):
        await serve(settings)


async def test_incomplete_adapter_stops_before_database(tmp_path: Path):
    # An unreachable database would fail the start too; the setting is named first.
    settings = Settings(
        database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none",
        data_dir=tmp_path,
        wecom_aibot_token="token-only",
        _env_file=None,
    )  # type: ignore[call-arg]

    with pytest.raises(ConfigError, match="WECOM_AIBOT_TOKEN，还缺少 WECOM_AIBOT_AES_KEY"):
        await serve(settings)


def test_limits_file_rule_named_in_chinese(tmp_path: Path):
    limits = tmp_path / "limits.json"
    limits.write_text(
        '[{"name": "all", "acknowledge": [30, "minutes"], "resolve": [1, "days"]}]', encoding="utf-8"
    )

    code, err = run_bot(tmp_path, LIMITS_FILE=str(limits))

    assert code == 2
    assert err.startswith(
        f'配置错误：LIMITS_FILE={limits} 无效：内容不符合格式（第 1 条规则 acknowledge 的单位 "minutes" 无效，'
    ), err
    assert "LimitUnit" not in err
    assert ENGLISH.search(err) is None, err
