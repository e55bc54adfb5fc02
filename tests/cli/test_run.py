"""`python -m bot run` starts with nothing configured, serves HTTP and processes what a crash left."""

from __future__ import annotations

import asyncio
import gc
import socket
from datetime import timedelta

import aiohttp
from sqlalchemy import select, update

from bot.server import serve
from bot.settings import Settings
from models import MessageOutcome, RawMessage, utcnow
from models.db import create_engine
from tests.helpers import make_compound, make_services, message


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_service_starts_and_stops(db_url, tmp_path):
    port = free_port()
    settings = Settings(database_url=db_url, data_dir=tmp_path, http_port=port, _env_file=None)  # type: ignore[call-arg]
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop), name="serve-under-test")

    body = None
    async with aiohttp.ClientSession() as client:
        for _ in range(200):
            try:
                async with client.get(f"http://127.0.0.1:{port}/healthz") as response:
                    body = await response.json()
                    break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 30)

    assert body == {"status": "ok"}


async def test_service_processes_pending_message_at_start(db_url, tmp_path):
    # What a process killed between storing and processing a report leaves.
    before, _console = await make_services(db_url)
    await make_compound(before)
    raw_id = await before.pipeline.store(message("3栋电梯坏了，有人被困", message_id="wx-crash"))
    async with before.sessionmaker() as session, session.begin():
        await session.execute(
            update(RawMessage).where(RawMessage.id == raw_id).values(received_at=utcnow() - timedelta(minutes=5))
        )
    await before.close()

    settings = Settings(database_url=db_url, data_dir=tmp_path, http_port=free_port(), _env_file=None)  # type: ignore[call-arg]
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop), name="serve-under-test")
    engine = create_engine(db_url)
    outcome = MessageOutcome.PENDING
    try:
        for _ in range(600):
            async with engine.connect() as connection:
                outcome = await connection.scalar(select(RawMessage.outcome).where(RawMessage.id == raw_id))
            if outcome != MessageOutcome.PENDING or task.done():
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        await engine.dispose()

    assert outcome == MessageOutcome.OPENED


async def test_service_freezes_startup_objects(db_url, tmp_path):
    # The test session froze its own imports, so start from nothing frozen.
    gc.unfreeze()
    settings = Settings(database_url=db_url, data_dir=tmp_path, http_port=free_port(), _env_file=None)  # type: ignore[call-arg]
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop), name="serve-under-test")
    frozen = 0
    try:
        for _ in range(600):
            frozen = gc.get_freeze_count()
            if frozen or task.done():
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)

    assert frozen > 100_000
