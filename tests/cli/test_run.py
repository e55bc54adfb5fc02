"""`python -m bot run` starts on SQLite with nothing configured and answers HTTP."""

from __future__ import annotations

import asyncio
import socket

import aiohttp

from bot.server import serve
from bot.settings import Settings


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
