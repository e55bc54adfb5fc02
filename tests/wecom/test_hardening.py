"""Each hardening rule rejects its bad input with a 4xx, a log line and no trace of it stored."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import select

from bot.adapters.wecom.guard import clean_text
from models import Case, RawMessage
from tests.wecom.conftest import AGENT_ID, CORP_ID, MAX_BODY_BYTES, WeChatBot
from tests.wecom.platform import PlatformSigner, SignedRequest, app_text_xml, sign
from tests.wecom.test_callbacks import add_compound, app_says

APP = "/wechat/work/callback"
AIBOT = "/wechat/work/aibot"


def report_xml(msg_id: str = "h-1", text: str = "3栋电梯坏了") -> str:
    return app_text_xml("zhangwei", text, msg_id, corp_id=CORP_ID, agent_id=AGENT_ID)


async def assert_rejected(
    bot: WeChatBot, request: SignedRequest, status: int, reason: str, caplog, path: str = APP
) -> None:
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.wecom"):
        response = await bot.post(path, request)
    await bot.settle()
    body = await response.text()
    assert response.status == status
    assert "Traceback" not in body
    assert body == "rejected"
    lines = [r.getMessage() for r in caplog.records if "callback rejected" in r.getMessage()]
    assert len(lines) == 1
    assert reason in lines[0]
    assert f"nonce={request.query.get('nonce', '')}" in lines[0]
    assert await bot.count(RawMessage) == 0


async def test_wrong_signature_rejected(wechat: WeChatBot, caplog):
    request = wechat.app_signer.encrypted_xml(report_xml())
    request.query["msg_signature"] = "0" * 40

    await assert_rejected(wechat, request, 403, "signature mismatch", caplog)


async def test_stale_timestamp_rejected(wechat: WeChatBot, caplog):
    stale = str(int(time.time()) - 301)
    request = wechat.app_signer.encrypted_xml(report_xml(), timestamp=stale)

    await assert_rejected(wechat, request, 403, "5-minute window", caplog)


async def test_future_timestamp_rejected(wechat: WeChatBot, caplog):
    ahead = str(int(time.time()) + 400)
    request = wechat.app_signer.encrypted_xml(report_xml(), timestamp=ahead)

    await assert_rejected(wechat, request, 403, "5-minute window", caplog)


async def test_replayed_nonce_with_other_payload_rejected(wechat: WeChatBot, caplog):
    first = wechat.app_signer.encrypted_xml(report_xml("h-1"), nonce_value="777001")
    assert (await wechat.post(APP, first)).status == 200
    await wechat.settle()
    stored = await wechat.count(RawMessage)
    replay = wechat.app_signer.encrypted_xml(
        report_xml("h-2", "另一条消息"), timestamp=first.query["timestamp"], nonce_value="777001"
    )

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.wecom"):
        response = await wechat.post(APP, replay)

    assert response.status == 409
    assert "nonce replayed" in caplog.text
    assert await wechat.count(RawMessage) == stored


async def test_oversized_body_rejected(wechat: WeChatBot, caplog):
    request = wechat.app_signer.encrypted_xml(report_xml(text="漏" * (MAX_BODY_BYTES // 2)))

    await assert_rejected(wechat, request, 413, "exceeds", caplog)


async def test_doctype_envelope_rejected(wechat: WeChatBot, caplog):
    request = wechat.app_signer.encrypted_xml(report_xml())
    request.body = b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x "y">]>' + request.body

    await assert_rejected(wechat, request, 400, "DOCTYPE", caplog)


async def test_doctype_inside_ciphertext_rejected(wechat: WeChatBot, caplog):
    inner = '<!DOCTYPE xml [<!ENTITY boom "boom">]>' + report_xml()
    request = wechat.app_signer.encrypted_xml(inner)

    await assert_rejected(wechat, request, 400, "DOCTYPE", caplog)


async def test_other_corp_id_rejected(wechat: WeChatBot, caplog):
    stranger = PlatformSigner(
        "AppCallbackToken", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "ww-another-corp"
    )
    request = stranger.encrypted_xml(report_xml())

    await assert_rejected(wechat, request, 403, "receive id mismatch", caplog)


async def test_aibot_rejects_corp_id_as_receive_id(wechat: WeChatBot, caplog):
    # The AI bot encrypts with an empty receive id; a payload carrying one is not its own.
    signer = PlatformSigner(
        "AibotCallbackToken", "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR", CORP_ID
    )
    payload = {
        "msgid": "x-1",
        "chattype": "single",
        "from": {"userid": "u1"},
        "msgtype": "text",
        "text": {"content": "你好"},
    }

    await assert_rejected(
        wechat, signer.encrypted_json(payload), 403, "receive id mismatch", caplog, AIBOT
    )


async def test_garbage_ciphertext_rejected(wechat: WeChatBot, caplog):
    request = wechat.app_signer.encrypted_xml(report_xml())
    token = wechat.app_signer.token
    garbage = "QUJDREVGR0hJSktMTU5PUA=="  # 16 bytes that decrypt to invalid padding
    request.body = f"<xml><Encrypt><![CDATA[{garbage}]]></Encrypt></xml>".encode()
    request.query["msg_signature"] = sign(
        token, request.query["timestamp"], request.query["nonce"], garbage
    )

    await assert_rejected(wechat, request, 400, "padding", caplog)


@pytest.mark.parametrize("missing", ["msg_signature", "timestamp", "nonce"])
async def test_missing_query_field_rejected(wechat: WeChatBot, caplog, missing: str):
    request = wechat.app_signer.encrypted_xml(report_xml())
    del request.query[missing]

    await assert_rejected(wechat, request, 400, f"missing query field {missing}", caplog)


async def test_control_characters_and_emoji_kept_apart(wechat: WeChatBot):
    text = "3栋\x01电梯\x08坏了\x1f 😀🙏 急"
    request = wechat.app_signer.encrypted_xml(report_xml("h-9", text))

    response = await wechat.post(APP, request)
    await wechat.settle()

    assert response.status == 200
    raw = (await wechat.rows(select(RawMessage)))[0]
    assert raw.text == "3栋电梯坏了 😀🙏 急"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (
            {"msgid": "b-1", "chattype": "single", "from": "zhangwei", "msgtype": "text"},
            "wrong type",
        ),
        (
            {
                "msgid": "b-2",
                "chattype": "group",
                "from": {"userid": "u1"},
                "msgtype": "text",
                "text": {"content": "hi"},
            },
            "without chatid",
        ),
        (
            {"msgid": "b-3", "chattype": "single", "from": {"userid": "u" * 65}, "msgtype": "text"},
            "longer than 64",
        ),
        (["not", "an", "object"], "not an object"),
    ],
)
async def test_malformed_aibot_payload_rejected(wechat: WeChatBot, caplog, payload, reason: str):
    await assert_rejected(
        wechat, wechat.aibot_signer.encrypted_json(payload), 400, reason, caplog, AIBOT
    )


async def test_stale_url_verification_rejected(wechat: WeChatBot, caplog):
    query = wechat.app_signer.echo("5927782489442352469", timestamp=str(int(time.time()) - 600))

    with caplog.at_level(logging.WARNING, logger="bot.wecom"):
        response = await wechat.client.get(APP, params=query)

    assert response.status == 403
    assert "5-minute window" in caplog.text


async def test_aibot_control_characters_removed(wechat: WeChatBot):
    payload = {
        "msgid": "c-1",
        "chattype": "single",
        "from": {"userid": "wangfang"},
        "response_url": wechat.fake.response_url(),
        "msgtype": "text",
        "text": {"content": "你好\x00\x07，请问😀"},
    }

    response = await wechat.post(AIBOT, wechat.aibot_signer.encrypted_json(payload))
    await wechat.settle()

    assert response.status == 200
    raw = (await wechat.rows(select(RawMessage)))[0]
    assert raw.text == "你好，请问😀"


def test_clean_text_drops_format_characters():
    assert clean_text("3号楼\u202e漏水\u200b\ufeff") == "3号楼漏水"
    assert clean_text("\u2066电梯\u2069坏了") == "电梯坏了"
    assert clean_text("a\u200db") == "ab"


def test_clean_text_keeps_emoji_joiners():
    family = "👨\u200d👩\u200d👧"
    heart_on_fire = "❤\ufe0f\u200d🔥"

    assert clean_text(f"{family} 楼道灯不亮") == f"{family} 楼道灯不亮"
    assert clean_text(heart_on_fire) == heart_on_fire


async def test_bidi_override_left_out_of_case(wechat: WeChatBot):
    await add_compound(wechat)
    await app_says(wechat, "zhangwei", "XQ0001 3栋", "m-1")

    await app_says(wechat, "zhangwei", "3号楼电梯坏了\u202e，有人被困在里面", "m-2")

    [case] = await wechat.rows(select(Case))
    assert "\u202e" not in case.summary
    assert "电梯坏了，有人被困" in case.summary


async def test_zero_width_message_ignored(wechat: WeChatBot):
    await add_compound(wechat)

    response = await app_says(wechat, "zhangwei", "\u200b\u200b", "m-1")

    assert response.status == 200
    assert await wechat.count(RawMessage) == 0
    assert await wechat.count(Case) == 0
    assert wechat.fake.sent("message/send") == []
