"""Requests aiohttp cannot parse get the service's Chinese error, written to a real socket."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.http_errors import SERVER_FAILED, UNREADABLE_REQUEST
from bot.server import serve
from bot.settings import Settings
from tests.helpers import ServiceTestServer, send_raw_request, use_pure_python_http_parser

AIBOT_CALLBACK = b"/wechat/work/aibot"


def raw(request_line: bytes, *headers: bytes) -> bytes:
    lines = [request_line, b"Host: 127.0.0.1", *headers, b"Connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def read_raw_response(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        return await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()


async def wait_until_serving(port: int) -> None:
    for _ in range(400):
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return
    msg = f"the service never listened on port {port}"
    raise AssertionError(msg)


@pytest.fixture
async def plain_app() -> TestClient:
    async def fail(_request: web.Request) -> web.Response:
        msg = "handler bug"
        raise RuntimeError(msg)

    app = web.Application()
    app.router.add_get("/fail", fail)
    client = TestClient(ServiceTestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def test_service_rejects_unparsable_in_chinese(db_url, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    port = free_port()
    settings = Settings(database_url=db_url, data_dir=tmp_path, http_port=port, _env_file=None)  # type: ignore[call-arg]
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop), name="serve-under-test")
    try:
        await wait_until_serving(port)
        callback = await read_raw_response(port, raw(b"POST " + AIBOT_CALLBACK + b"?nonce=\xe4\xb8\xad HTTP/1.1"))
        dashboard = await read_raw_response(port, raw(b"GET /dashboard?period=\xff HTTP/1.1"))
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)

    for response in (callback, dashboard):
        head, _, body = response.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400 ") or head.startswith(b"HTTP/1.0 400 "), head
        assert b"Content-Type: text/plain; charset=utf-8" in head
        assert body.decode() == UNREADABLE_REQUEST
    rejected = [r for r in caplog.records if r.name == "bot.http"]
    assert len(rejected) == 2
    assert all(r.levelno == logging.INFO for r in rejected)
    assert not [r for r in caplog.records if r.name == "aiohttp.server"]


@pytest.mark.parametrize(
    "request_bytes",
    [
        raw(b"GET /dashboard?street=\xe8\xa1\x97 HTTP/1.1"),
        raw(b"GET /dashboard HTTP/1.1", b"X-Note: \x01"),
        raw(b"GET /dashboard HTTP/1.1", b"Bad Name: x"),
        raw(b"GET /dashboard?a=" + b"x" * 9000 + b" HTTP/1.1"),
        raw(b"POST " + AIBOT_CALLBACK + b" HTTP/1.1", b"Content-Length: ten"),
    ],
    ids=["raw-query-bytes", "control-char-header", "space-in-header-name", "line-too-long", "bad-content-length"],
)
@pytest.mark.parametrize("parser", ["c", "python"])
async def test_unparsable_request_gets_chinese_400(plain_app, monkeypatch, caplog, request_bytes, parser):
    if parser == "python":
        use_pure_python_http_parser(monkeypatch)
    if parser == "python" and b"\xe8" in request_bytes:
        pytest.skip("the pure-Python parser accepts raw UTF-8 in the query string")
    caplog.set_level(logging.DEBUG)

    status, body = await send_raw_request(plain_app.port, request_bytes)

    assert status == 400
    assert body == UNREADABLE_REQUEST
    rejected = [r for r in caplog.records if r.name == "bot.http"]
    assert len(rejected) == 1
    assert not [r for r in caplog.records if r.name == "aiohttp.server"]


async def test_non_http_first_line_logged_at_debug(plain_app, caplog):
    caplog.set_level(logging.DEBUG)

    status, body = await send_raw_request(plain_app.port, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n")

    assert status == 400
    assert body == UNREADABLE_REQUEST
    rejected = [r for r in caplog.records if r.name == "bot.http"]
    assert [r.levelno for r in rejected] == [logging.DEBUG]


async def test_handler_exception_gets_chinese_500(plain_app, caplog):
    response = await plain_app.get("/fail")

    assert response.status == 500
    assert await response.text() == SERVER_FAILED
    errors = [r for r in caplog.records if r.name == "aiohttp.server" and r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert errors[0].exc_info is not None
