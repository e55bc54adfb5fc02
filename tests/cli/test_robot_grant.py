"""`grant ... --platform wecom_webhook` links a configured group robot to a role, or refuses."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import func, select

from models import Identity
from models.db import create_engine
from tests.cli.test_replay import REPO


def run_cli(args: list[str], db_url: str, robots: str) -> tuple[int, str, str]:
    env = {**os.environ, "DATABASE_URL": db_url, "WECOM_WEBHOOK_KEYS": robots}
    completed = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return completed.returncode, completed.stdout, completed.stderr


def grant_robot(name: str) -> list[str]:
    return ["grant", "property_staff", "--platform", "wecom_webhook", "--user", name, "--compound", "CHY"]


async def robot_accounts(db_url: str) -> int:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as connection:
            query = select(func.count()).select_from(Identity).where(Identity.platform == "wecom_webhook")
            return await connection.scalar(query) or 0
    finally:
        await engine.dispose()


async def test_configured_robot_granted(db_url):
    run_cli(["compound-add", "翠湖苑", "--code", "CHY"], db_url, "")

    code, out, err = run_cli(grant_robot("物业工作群"), db_url, "物业工作群=KEY1,党支部群=KEY2")

    assert code == 0, err
    assert "已授予 wecom_webhook:物业工作群“物业管家”角色（翠湖苑）" in out
    assert await robot_accounts(db_url) == 1


async def test_unknown_robot_refused(db_url):
    run_cli(["compound-add", "翠湖苑", "--code", "CHY"], db_url, "")

    code, _out, err = run_cli(grant_robot("保安群"), db_url, "物业工作群=KEY1,党支部群=KEY2")

    assert code == 2
    assert "WECOM_WEBHOOK_KEYS 中没有名为“保安群”的群机器人" in err
    assert "已配置的群机器人：党支部群、物业工作群" in err
    assert await robot_accounts(db_url) == 0


async def test_robot_refused_without_keys(db_url):
    run_cli(["compound-add", "翠湖苑", "--code", "CHY"], db_url, "")

    code, _out, err = run_cli(grant_robot("物业工作群"), db_url, "")

    assert code == 2
    assert "无法授权群机器人“物业工作群”：WECOM_WEBHOOK_KEYS 为空" in err
    assert await robot_accounts(db_url) == 0
