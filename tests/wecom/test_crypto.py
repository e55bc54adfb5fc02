"""The callback crypto against wechatpy's published test vectors, and the key settings."""

from __future__ import annotations

import base64

import pytest
import xmltodict
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from wechatpy.work import crypto as work_crypto

from bot.adapters.wecom.crypto import CallbackCrypto, decode_aes_key
from bot.adapters.wecom.guard import CallbackRejected, NonceRegistry
from bot.adapters.wecom.limits import split_utf8
from bot.adapters.wecom.transport import CallbackSecurity, EncryptedEcho, guarded
from bot.settings import load_settings
from handlers.errors import ConfigError

# wechatpy tests/test_crypto.py (2.0.0a26): token, key and corp id of every vector.
VECTOR_TOKEN = "123456"
VECTOR_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
VECTOR_CORP_ID = "wx49f0ab532d5d035a"
VECTOR_ECHOSTR = (
    "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q=="
)
VECTOR_REPLY = """<xml>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[test]]></Content>
<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>
<ToUserName><![CDATA[messense]]></ToUserName>
<AgentID>1</AgentID>
<CreateTime>1411525903</CreateTime>
</xml>"""


def vector_crypto() -> CallbackCrypto:
    return CallbackCrypto(VECTOR_TOKEN, VECTOR_KEY, VECTOR_CORP_ID)


def test_published_url_verification_vector():
    crypto = vector_crypto()

    crypto.verify(
        "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96", "1411443780", "437374425", VECTOR_ECHOSTR
    )

    assert crypto.decrypt(VECTOR_ECHOSTR) == "5927782489442352469"


def test_published_vector_with_wrong_nonce_fails():
    with pytest.raises(CallbackRejected, match="signature mismatch"):
        vector_crypto().verify(
            "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96", "1411443780", "437374424", VECTOR_ECHOSTR
        )


class _FixedPrefixCrypto(work_crypto.PrpCrypto):
    def get_random_string(self) -> str:
        return "1234567890123456"


def test_published_encryption_vector_decrypts(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(work_crypto, "PrpCrypto", _FixedPrefixCrypto)
    envelope = work_crypto.WeChatCrypto(VECTOR_TOKEN, VECTOR_KEY, VECTOR_CORP_ID).encrypt_message(
        VECTOR_REPLY, "461056294", "1411525903"
    )
    fields = xmltodict.parse(envelope)["xml"]
    crypto = vector_crypto()

    assert fields["MsgSignature"] == "407518b7649e86ef23978113f92d27afa9296533"
    crypto.verify(fields["MsgSignature"], "1411525903", "461056294", fields["Encrypt"])
    assert crypto.decrypt(fields["Encrypt"]) == VECTOR_REPLY


async def test_published_vector_through_the_route():
    security = CallbackSecurity(vector_crypto(), NonceRegistry(), 4096, clock=lambda: 1411443790.0)
    app = web.Application()
    app.router.add_get("/wechat/work/callback", guarded("wecom", EncryptedEcho(security)))
    query = {
        "msg_signature": "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96",
        "timestamp": "1411443780",
        "nonce": "437374425",
        "echostr": VECTOR_ECHOSTR,
    }

    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        ok = await client.get("/wechat/work/callback", params=query)
        wrong = await client.get("/wechat/work/callback", params=query | {"nonce": "437374424"})
        ok_text, wrong_status = await ok.text(), wrong.status

    assert ok_text == "5927782489442352469"
    assert wrong_status == 403


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("wecom_aes_key", "tooShort"),
        ("wecom_aibot_aes_key", VECTOR_KEY[:-1] + "!"),
        ("wechat_mp_aes_key", VECTOR_KEY + "A"),
    ],
)
def test_malformed_aes_key_names_setting(setting: str, value: str):
    with pytest.raises(ConfigError) as error:
        load_settings(_env_file=None, **{setting: value})

    assert setting.upper() in str(error.value)
    assert value not in str(error.value)


def with_char(position: int, char: str) -> str:
    """Return the vector key with the character at 1-based `position` replaced by `char`."""
    return VECTOR_KEY[: position - 1] + char + VECTOR_KEY[position:]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # "+" and "/" are base64, but the platform never puts them in a key.
        (with_char(12, "+"), "含有 A-Z、a-z、0-9 以外的字符；"),
        (with_char(1, "/"), "含有 A-Z、a-z、0-9 以外的字符；"),
        (with_char(43, "中"), "含有 A-Z、a-z、0-9 以外的字符；"),
        (with_char(6, " "), "含有 A-Z、a-z、0-9 以外的字符（含有空格或换行）；"),
        (VECTOR_KEY + "=", "有 44 个字符，且含有 A-Z、a-z、0-9 以外的字符（后台显示的密钥末尾不带“=”）；"),
        (VECTOR_KEY[:-1], "有 42 个字符；"),
    ],
)
def test_aes_key_error_names_problem(value: str, expected: str):
    with pytest.raises(ConfigError) as error:
        load_settings(_env_file=None, wecom_aes_key=value)
    message = str(error.value)

    assert message.startswith(f"WECOM_AES_KEY 无效：{expected}")
    assert "EncodingAESKey 应为 43 个字符，只含 A-Z、a-z 和 0-9" in message
    assert value not in message
    # Neither a position nor a quoted character of the key may appear.
    assert "第" not in message
    assert "'" not in message


def test_aes_key_error_repeats_no_character():
    key = with_char(19, "+")

    with pytest.raises(ConfigError) as error:
        load_settings(_env_file=None, wecom_aes_key=key)
    message = str(error.value)

    assert "+" not in message
    assert "19" not in message
    for start in range(len(key) - 3):
        assert key[start : start + 4] not in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (with_char(12, "+"), "EncodingAESKey 无效：含有 A-Z、a-z、0-9 以外的字符；"),
        (VECTOR_KEY + "A", "EncodingAESKey 无效：有 44 个字符；"),
    ],
)
def test_decode_aes_key_names_problem(value: str, expected: str):
    with pytest.raises(ValueError, match="应为 43 个字符，只含 A-Z、a-z 和 0-9") as error:
        decode_aes_key(value)

    assert expected in str(error.value)


def test_decode_aes_key_gives_32_bytes():
    key = decode_aes_key(VECTOR_KEY)

    assert len(key) == 32
    assert key == base64.b64decode(VECTOR_KEY + "=")


def test_valid_aes_key_accepted():
    settings = load_settings(_env_file=None, wecom_aes_key=VECTOR_KEY, wecom_agent_id="1000002")

    assert settings.wecom_aes_key.get_secret_value() == VECTOR_KEY


@pytest.mark.parametrize("max_bytes", [4, 5, 2048])
def test_split_never_cuts_a_character(max_bytes: int):
    text = "3栋😀漏水，\n请物业处理🙏" * 50

    parts = split_utf8(text, max_bytes)

    assert "".join(parts) == text
    assert all(0 < len(p.encode()) <= max_bytes for p in parts)


def test_split_keeps_short_text_whole():
    assert split_utf8("您好", 2048) == ["您好"]
    assert split_utf8("", 2048) == [""]
