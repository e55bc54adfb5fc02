"""A fake WeChat platform on 127.0.0.1, and callbacks built the way the platform builds them.

FakeWeChat serves the WeCom and Official Account APIs the adapter calls
(gettoken, token, message/send, appchat/send, message/custom/send,
webhook/send and AI-bot response URLs), issues tokens, rejects expired ones
with 42001, plays queued errcodes and HTTP errors, and records every request. Callbacks are
encrypted with wechatpy's own crypto, never with the adapter's code.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import xmltodict
from aiohttp import web
from aiohttp.test_utils import TestServer
from wechatpy.crypto import PrpCrypto
from wechatpy.crypto import WeChatCrypto as MpCrypto
from wechatpy.utils import WeChatSigner
from wechatpy.work.crypto import WeChatCrypto as WorkCrypto


@dataclass
class Recorded:
    path: str
    query: dict[str, str]
    payload: dict[str, Any]
    errcode: int = 0


@dataclass
class _Rule:
    path: str
    match: dict[str, Any]
    answer: dict[str, Any]
    times: int
    # A status other than 200 is returned without a JSON body.
    status: int = 200


@dataclass
class FakeWeChat:
    """The remote platform: one local server for qyapi.weixin.qq.com and api.weixin.qq.com."""

    requests: list[Recorded] = field(default_factory=list)
    uploads: list[bytes] = field(default_factory=list)
    tokens_issued: int = 0
    _valid_tokens: set[str] = field(default_factory=set)
    # While True every call is answered 503 and not recorded, as during an outage.
    down: bool = False
    _rules: list[_Rule] = field(default_factory=list)
    _server: TestServer | None = None

    async def start(self) -> None:
        app = web.Application(middlewares=[self._outage])
        app.router.add_get("/cgi-bin/gettoken", self._token)
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/media/upload", self._upload)
        app.router.add_post("/cgi-bin/{path:.+}", self._api)
        app.router.add_post("/aibot/response/{id}", self._api)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return str(self._server.make_url("/cgi-bin/"))

    def response_url(self) -> str:
        assert self._server is not None
        return str(self._server.make_url(f"/aibot/response/{secrets.token_hex(4)}"))

    @web.middleware
    async def _outage(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if self.down:
            return web.Response(status=503, text="Service Unavailable")
        return await handler(request)

    def fail(
        self,
        path: str,
        errcode: int,
        *,
        times: int = 1,
        errmsg: str = "",
        status: int = 200,
        **match: Any,
    ) -> None:
        """Return errcode, or HTTP `status`, to the next `times` calls of path whose payload contains `match`."""
        answer = {"errcode": errcode, "errmsg": errmsg or f"error {errcode}"}
        self._rules.append(_Rule(path, match, answer, times, status))

    def expire_tokens(self) -> None:
        """Make every issued token expired, as after two hours."""
        self._valid_tokens.clear()

    def sent(self, path: str) -> list[dict[str, Any]]:
        """Return the payloads of the calls of path that the platform accepted."""
        return [r.payload for r in self.requests if r.path == path and r.errcode == 0]

    def calls(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    async def _token(self, request: web.Request) -> web.Response:
        # A real token request takes a round trip; yielding here lets
        # concurrent senders pile up behind the first refresh.
        await asyncio.sleep(0.01)
        self.tokens_issued += 1
        token = f"token-{self.tokens_issued}"
        self._valid_tokens.add(token)
        self.requests.append(
            Recorded(request.path.removeprefix("/cgi-bin/"), dict(request.query), {})
        )
        return web.json_response({"errcode": 0, "access_token": token, "expires_in": 7200})

    async def _upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        media = form.get("media")
        content = media.file.read() if hasattr(media, "file") else b""
        record = Recorded("media/upload", dict(request.query), {"size": len(content)})
        self.requests.append(record)
        if request.query.get("access_token") not in self._valid_tokens:
            answer: dict[str, Any] = {"errcode": 42001, "errmsg": "access_token expired"}
        elif request.query.get("type") != "image" or not content.startswith(b"\x89PNG"):
            answer = {"errcode": 40005, "errmsg": "invalid file type"}
        else:
            self.uploads.append(content)
            answer = {"errcode": 0, "type": "image", "media_id": f"media-{len(self.uploads)}"}
        record.errcode = answer["errcode"]
        return web.json_response(answer)

    async def _api(self, request: web.Request) -> web.Response:
        path = request.match_info.get("path") or "aibot/response"
        payload = json.loads(await request.read())
        record = Recorded(path, dict(request.query), payload)
        self.requests.append(record)
        status, answer = self._answer(path, request.query, payload)
        record.errcode = answer["errcode"]
        if status != 200:
            # Recorded as not accepted, so `sent` leaves the call out.
            record.errcode = -status
            return web.Response(status=status, text="Internal Server Error")
        return web.Response(
            text=json.dumps(answer, ensure_ascii=False), content_type="application/json"
        )

    def _answer(self, path: str, query: Any, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if (
            path != "webhook/send"
            and path != "aibot/response"
            and query.get("access_token") not in self._valid_tokens
        ):
            return 200, {"errcode": 42001, "errmsg": "access_token expired"}
        for rule in self._rules:
            if (
                rule.path == path
                and rule.times > 0
                and all(payload.get(k) == v for k, v in rule.match.items())
            ):
                rule.times -= 1
                return rule.status, rule.answer
        return 200, {"errcode": 0, "errmsg": "ok"}


_nonces = itertools.count(100000)


def nonce() -> str:
    return str(next(_nonces))


def now_ts() -> str:
    return str(int(time.time()))


def sign(token: str, *parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(token, *parts)
    return signer.signature


def app_text_xml(
    sender: str,
    content: str,
    msg_id: str,
    *,
    corp_id: str,
    agent_id: str,
    create_time: str | None = None,
) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName>"
        f"<FromUserName><![CDATA[{sender}]]></FromUserName>"
        f"<CreateTime>{create_time or now_ts()}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content>"
        f"<MsgId>{msg_id}</MsgId><AgentID>{agent_id}</AgentID></xml>"
    )


def xml_of(fields: dict[str, str]) -> str:
    body = "".join(
        f"<{k}><![CDATA[{v}]]></{k}>" if not v.isdigit() else f"<{k}>{v}</{k}>"
        for k, v in fields.items()
    )
    return f"<xml>{body}</xml>"


@dataclass
class SignedRequest:
    """A callback as the platform sends it: query string and body."""

    query: dict[str, str]
    body: bytes


class PlatformSigner:
    """Encrypts and signs callbacks with wechatpy, as WeCom or the Official Account does."""

    def __init__(
        self, token: str, aes_key: str, receive_id: str, *, official_account: bool = False
    ) -> None:
        self.token = token
        self.aes_key = aes_key
        self.receive_id = receive_id
        crypto_class = MpCrypto if official_account else WorkCrypto
        self.crypto = crypto_class(token, aes_key, receive_id)
        self.official_account = official_account

    def encrypted_xml(
        self, plaintext: str, *, timestamp: str | None = None, nonce_value: str | None = None
    ) -> SignedRequest:
        timestamp = timestamp or now_ts()
        nonce_value = nonce_value or nonce()
        envelope = self.crypto.encrypt_message(plaintext, nonce_value, timestamp)
        fields = xmltodict.parse(envelope)["xml"]
        query = {
            "msg_signature": fields["MsgSignature"],
            "timestamp": timestamp,
            "nonce": nonce_value,
        }
        if self.official_account:
            # Safe mode adds these to the query; the plain-mode signature stays.
            query |= {"encrypt_type": "aes", "signature": sign(self.token, timestamp, nonce_value)}
        body = (
            f"<xml><ToUserName><![CDATA[{self.receive_id}]]></ToUserName>"
            f"<Encrypt><![CDATA[{fields['Encrypt']}]]></Encrypt></xml>"
        )
        return SignedRequest(query, body.encode())

    def encrypted_json(
        self,
        payload: dict[str, Any],
        *,
        timestamp: str | None = None,
        nonce_value: str | None = None,
    ) -> SignedRequest:
        signed = self.encrypted_xml(
            json.dumps(payload, ensure_ascii=False), timestamp=timestamp, nonce_value=nonce_value
        )
        encrypted = xmltodict.parse(signed.body)["xml"]["Encrypt"]
        return SignedRequest(signed.query, json.dumps({"encrypt": encrypted}).encode())

    def echo(self, plaintext: str, *, timestamp: str | None = None) -> dict[str, str]:
        timestamp = timestamp or now_ts()
        nonce_value = nonce()
        echostr = PrpCrypto(self.crypto.key).encrypt(plaintext, self.receive_id).decode()
        return {
            "msg_signature": sign(self.token, timestamp, nonce_value, echostr),
            "timestamp": timestamp,
            "nonce": nonce_value,
            "echostr": echostr,
        }
