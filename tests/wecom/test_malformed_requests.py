"""Malformed envelopes, bodies and request lines: a 4xx, a logged reason, and nothing stored."""

from __future__ import annotations

import json
import logging

import pytest
import xmltodict

from bot.http_errors import UNREADABLE_REQUEST
from models import ChatGroup, Member, RawMessage
from tests.helpers import send_raw_request, use_pure_python_http_parser
from tests.wecom.conftest import WeChatBot
from tests.wecom.platform import now_ts
from tests.wecom.test_hardening import AIBOT, APP, assert_rejected, report_xml

MP = "/wechat/mp/callback"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"hello", "malformed envelope XML"),
        (b"<xml><Encrypt>abc", "malformed envelope XML"),
        (b"\xff\xfe\x00<", "malformed envelope XML"),
        (b"<root><Encrypt>abc</Encrypt></root>", "not an <xml> document"),
        (b"<xml><ToUserName>ww</ToUserName></xml>", "envelope without Encrypt"),
    ],
)
async def test_malformed_xml_envelope_rejected(wechat: WeChatBot, caplog, body: bytes, reason: str):
    request = wechat.app_signer.encrypted_xml(report_xml())
    request.body = body

    await assert_rejected(wechat, request, 400, reason, caplog)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{", "malformed envelope JSON"),
        (b"\xff\xfe\x00{", "malformed envelope JSON"),
        (b'{"encrypt": 5}', "envelope without encrypt"),
        (b'{"other": "x"}', "envelope without encrypt"),
    ],
)
async def test_malformed_json_envelope_rejected(wechat: WeChatBot, caplog, body: bytes, reason: str):
    request = wechat.aibot_signer.encrypted_json({"msgid": "m-1"})
    request.body = body

    await assert_rejected(wechat, request, 400, reason, caplog, AIBOT)


async def test_encrypted_text_not_xml_rejected(wechat: WeChatBot, caplog):
    request = wechat.app_signer.encrypted_xml("这不是 XML")

    await assert_rejected(wechat, request, 400, "malformed message XML", caplog)


async def test_encrypted_text_not_json_rejected(wechat: WeChatBot, caplog):
    signed = wechat.aibot_signer.encrypted_xml("这不是 JSON")
    encrypted = xmltodict.parse(signed.body)["xml"]["Encrypt"]
    signed.body = json.dumps({"encrypt": encrypted}).encode()

    await assert_rejected(wechat, signed, 400, "JSON", caplog, AIBOT)


async def test_official_account_message_without_sender_rejected(wechat: WeChatBot, caplog):
    request = wechat.mp_signer.encrypted_xml("<xml><MsgType>text</MsgType><Content>你好</Content></xml>")

    await assert_rejected(wechat, request, 400, "without FromUserName", caplog, MP)


@pytest.mark.parametrize(
    ("field", "xml"),
    [
        ("FromUserName", "<FromUserName><a>b</a></FromUserName><Content>3号楼电梯坏了</Content>"),
        ("Content", "<FromUserName>zhangwei</FromUserName><Content><p>3号楼漏水</p></Content>"),
    ],
)
async def test_nested_field_rejected(wechat: WeChatBot, caplog, field: str, xml: str):
    plaintext = (
        f"<xml><ToUserName>ww5f3a9c0d1e2b4a67</ToUserName>{xml}"
        f"<CreateTime>{now_ts()}</CreateTime><MsgType>text</MsgType>"
        "<MsgId>70001</MsgId><AgentID>1000002</AgentID></xml>"
    )
    request = wechat.app_signer.encrypted_xml(plaintext)

    await assert_rejected(wechat, request, 400, f"field {field} holds elements", caplog)
    await assert_nothing_stored(wechat)
    assert wechat.fake.sent("message/send") == []


def post(target: bytes, body: bytes) -> bytes:
    return (
        b"POST " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body
    )


async def assert_nothing_stored(bot: WeChatBot) -> None:
    await bot.settle()
    assert await bot.count(RawMessage) == 0
    assert await bot.count(ChatGroup) == 0
    assert await bot.count(Member) == 0


@pytest.mark.parametrize("path", [APP.encode(), AIBOT.encode(), MP.encode()])
async def test_raw_non_ascii_query_rejected(wechat: WeChatBot, path: bytes):
    request = wechat.app_signer.encrypted_xml(report_xml())
    target = path + b"?msg_signature=abc&timestamp=" + now_ts().encode() + b"&nonce=\xe8\xa1\x97"

    status, body = await send_raw_request(wechat.client.port, post(target, request.body))

    assert status == 400
    assert body == UNREADABLE_REQUEST
    await assert_nothing_stored(wechat)


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", APP), ("POST", AIBOT), ("GET", APP), ("GET", AIBOT), ("GET", MP)],
)
async def test_non_utf8_query_under_python_parser(
    wechat: WeChatBot, monkeypatch, caplog, method: str, path: str
):
    use_pure_python_http_parser(monkeypatch)
    request = wechat.app_signer.encrypted_xml(report_xml())
    query = b"?msg_signature=abc&signature=abc&echostr=abc&timestamp=" + now_ts().encode() + b"&nonce=\xff"
    if method == "POST":
        raw = post(path.encode() + query, request.body)
    else:
        raw = b"GET " + path.encode() + query + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"

    with caplog.at_level(logging.WARNING, logger="bot.wecom"):
        status, body = await send_raw_request(wechat.client.port, raw)

    assert status == 400
    assert body == "rejected"
    assert "query field nonce is not UTF-8" in caplog.text
    await assert_nothing_stored(wechat)
