"""Unknown paths and wrong methods get the service's Chinese text, not aiohttp's English page."""

from __future__ import annotations

import asyncio

import aiohttp

from bot.http_errors import METHOD_NOT_ALLOWED, NOT_FOUND
from bot.server import serve
from bot.settings import Settings
from tests.http.test_unparsable import free_port, wait_until_serving


async def test_routing_errors_in_chinese(db_url, tmp_path):
    port = free_port()
    settings = Settings(database_url=db_url, data_dir=tmp_path, http_port=port, _env_file=None)  # type: ignore[call-arg]
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop), name="serve-under-test")
    try:
        await wait_until_serving(port)
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as client:
            async with client.get("/") as root:
                root_status, root_type, root_text = root.status, root.content_type, await root.text()
            async with client.get("/dashboard/nothing") as unknown:
                unknown_status, unknown_text = unknown.status, await unknown.text()
            async with client.post("/healthz") as wrong_method:
                method_status, method_text = wrong_method.status, await wrong_method.text()
                allow = wrong_method.headers.get("Allow", "")
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)

    assert root_status == 404
    assert root_type == "text/plain"
    assert root_text == NOT_FOUND
    assert unknown_status == 404
    assert unknown_text == NOT_FOUND
    assert method_status == 405
    assert method_text == METHOD_NOT_ALLOWED.format(method="POST")
    assert "GET" in allow
