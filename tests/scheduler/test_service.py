"""`python -m bot run` starts the scheduler with nothing configured and stops it cleanly."""

from __future__ import annotations

import asyncio
import logging
import socket

from bot.server import serve
from bot.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_service_runs_first_sweep(db_url, tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="scheduler")
    settings = Settings(database_url=db_url, data_dir=tmp_path, http_port=free_port(), _env_file=None)  # type: ignore[call-arg]
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop), name="serve-with-scheduler")

    for _ in range(600):
        if any(r.getMessage().startswith("sweep done") for r in caplog.records):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 30)

    messages = [r.getMessage() for r in caplog.records if r.name == "scheduler"]
    assert any(m.startswith("scheduler started") for m in messages)
    assert any(m.startswith("sweep done") for m in messages)
    assert any(m.startswith("scheduler stopped") for m in messages)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_scheduler_can_be_disabled(db_url, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    settings = Settings(  # type: ignore[call-arg]
        database_url=db_url, data_dir=tmp_path, http_port=free_port(), scheduler_enabled=False, _env_file=None
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop), name="serve-without-scheduler")

    # The scheduler would start right after this line is logged, in the same step.
    for _ in range(600):
        if any(r.getMessage().startswith("listening on") for r in caplog.records):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 30)

    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("listening on") for m in messages)
    assert not [m for m in messages if m.startswith(("scheduler started", "sweep done"))]
