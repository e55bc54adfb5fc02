"""Requests with bytes a browser never sends, written to the socket as they are."""

from __future__ import annotations

import json

import pytest
from aiohttp import http_parser, web_protocol

from bot.http_errors import UNREADABLE_REQUEST
from tests.dashboard.conftest import TOKEN
from tests.helpers import send_raw_request, use_pure_python_http_parser

UNREADABLE = "查询参数中有无法识别的字符"


def get(target: bytes, *, authorization: bytes = b"Bearer " + TOKEN.encode()) -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + authorization + (
        b"\r\nConnection: close\r\n\r\n"
    )


async def test_non_utf8_bearer_token_rejected(dashboard):
    status, body = await send_raw_request(dashboard.client.port, get(b"/dashboard", authorization=b"Bearer \xff\xfe"))

    assert status == 401
    assert "访问口令不正确" in body


@pytest.mark.parametrize(
    ("target", "status", "phrase"),
    [
        # The pure-Python parser decodes raw UTF-8, so this reaches the usual street check.
        (b"/dashboard?street=\xe8\xa1\x97\xe9\x81\x93", 400, "街道编号“街道”无效"),
        (b"/dashboard?period=\xff", 400, UNREADABLE),
        (b"/dashboard?\xff=1", 400, UNREADABLE),
        (b"/dashboard.json?period=\xff", 400, UNREADABLE),
        (b"/dashboard/property.json?street=\xc0", 400, UNREADABLE),
        (b"/dashboard?token=\xff", 401, "访问口令不正确"),
    ],
)
async def test_raw_query_bytes_under_python_parser(dashboard, monkeypatch, target, status, phrase):
    use_pure_python_http_parser(monkeypatch)
    # A token in the query string is checked before any other parameter.
    request = get(target, authorization=b"none") if b"token=" in target else get(target)

    got_status, body = await send_raw_request(dashboard.client.port, request)
    message = json.loads(body)["message"] if b".json" in target else body

    assert got_status == status
    assert phrase in message


@pytest.mark.parametrize("params", [{"street": "\x00"}, {"period": "本月\x1b"}, {"sort\x7f": "index"}])
async def test_control_characters_rejected(dashboard, params):
    html_status, text = await dashboard.get_html(**params)
    json_status, body = await dashboard.get_json(**params)

    assert html_status == 400
    assert UNREADABLE in text
    assert "\x00" not in text
    assert json_status == 400
    assert UNREADABLE in body["message"]


@pytest.mark.skipif(
    web_protocol.HttpRequestParser is http_parser.HttpRequestParserPy, reason="aiohttp runs without its C parser"
)
async def test_raw_query_bytes_under_c_parser(dashboard):
    # aiohttp's C parser rejects the request line before the dashboard runs,
    # so the page is the service's own, from bot.http_errors.
    status, body = await send_raw_request(dashboard.client.port, get(b"/dashboard?\xe8\xa1\x97\xe9\x81\x93=x"))

    assert status == 400
    assert body == UNREADABLE_REQUEST
