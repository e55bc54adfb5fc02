"""`cases` shows report texts as staff notices do: phones and ID numbers masked, rooms kept."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

from tests.cli.test_replay import REPO, run_cli
from tests.helpers import make_compound, make_services, message, send

REPORT = "15栋3单元601家里水管爆了，电话13912345678，身份证110101199003078888，快来"


def open_case(db_url: str) -> None:
    async def report() -> None:
        services, _console = await make_services(db_url)
        try:
            await make_compound(services)
            result = await send(services, message(REPORT, sender="r1"))
            assert result.case_ids
        finally:
            await services.close()

    asyncio.run(report())


def test_json_masks_phone_and_id(db_url, capsys):
    open_case(db_url)

    code, out, err = run_cli(["cases", "--json"], db_url, capsys)

    assert code == 0, err
    (case,) = [json.loads(line) for line in out.splitlines()]
    assert "139****5678" in case["text"]
    assert "13912345678" not in case["text"]
    assert "110101199003078888" not in case["text"]
    assert "******************" in case["text"]
    assert "15栋3单元601" in case["text"]


def test_table_masks_phone(db_url, capsys):
    open_case(db_url)

    code, out, err = run_cli(["cases"], db_url, capsys)

    assert code == 0, err
    assert "13912345678" not in out
    assert "139****5678" in out


def test_closed_output_pipe_is_no_database_error(db_url):
    # `cases | head` closes the pipe before the listing is written.
    open_case(db_url)
    env = {**os.environ, "DATABASE_URL": db_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "cases"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()
    with process.stderr:
        err = process.stderr.read().decode("utf-8")
    process.wait(timeout=300)

    assert "启动失败" not in err
    assert "BrokenPipeError" not in err
