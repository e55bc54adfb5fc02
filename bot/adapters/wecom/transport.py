"""aiohttp routes of the three WeChat callbacks.

Each POST is checked in this order: query fields, timestamp window, body
size, DOCTYPE, signature, replayed nonce, decryption, parsing; then the
message is stored and the platform gets its success response at once. A
rejection answers 4xx with a log line naming the reason and the request's
timestamp and nonce. When the database cannot store the message within the
store timeout (locked or unreachable), the route answers 503 before the
platform's five seconds are over. Any other unexpected error answers a bare
500 with its traceback in the log only. WeCom's callback documentation
(接收消息与事件, 概述) treats every status other than 200, and no response within
five seconds, as a failure and sends the callback again, three retries in all.
NOTE: the Official Account's documentation describes retries only after five
seconds without a response, not what it does after a 503.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict
from aiohttp import web

from bot.adapters.wecom.crypto import CallbackCrypto
from bot.adapters.wecom.guard import (
    CallbackRejected,
    NonceRegistry,
    check_timestamp,
    reject_doctype,
)
from bot.adapters.wecom.ingest import Ingestor
from bot.adapters.wecom.outbound import ResponseUrls
from bot.adapters.wecom.parsing import (
    Ignored,
    Parsed,
    parse_aibot_callback,
    parse_xml_callback,
)
from models import utcnow
from models.db import storage_unavailable

log = logging.getLogger("bot.wecom")

PATH_APP = "/wechat/work/callback"
PATH_AIBOT = "/wechat/work/aibot"
PATH_MP = "/wechat/mp/callback"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_SURROGATE = re.compile(r"[\ud800-\udfff]")


@dataclass(slots=True)
class CallbackSecurity:
    """The checks every callback route applies before it trusts a request."""

    crypto: CallbackCrypto
    nonces: NonceRegistry
    max_body_bytes: int
    clock: Callable[[], float] = time.time


def guarded(name: str, handler: Handler) -> Handler:
    """Wrap a route so rejections become 4xx, an unavailable database 503 and other errors 500, all logged."""

    async def route(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except CallbackRejected as exc:
            log.warning(
                "callback rejected: endpoint=%s status=%s reason=%s "
                "timestamp=%s nonce=%s remote=%s",
                name,
                exc.status,
                exc.reason,
                request.query.get("timestamp", "")[:20],
                request.query.get("nonce", "")[:40],
                request.remote,
            )
            return web.Response(status=exc.status, text="rejected")
        except Exception as exc:
            if storage_unavailable(exc):
                log.warning(
                    "callback not stored, the database is unavailable; the platform will retry: "
                    "endpoint=%s error=%s timestamp=%s nonce=%s",
                    name,
                    type(exc).__name__,
                    request.query.get("timestamp", "")[:20],
                    request.query.get("nonce", "")[:40],
                )
                return web.Response(status=503, text="database unavailable")
            log.exception(
                "callback failed: endpoint=%s timestamp=%s nonce=%s",
                name,
                request.query.get("timestamp", "")[:20],
                request.query.get("nonce", "")[:40],
            )
            return web.Response(status=500, text="internal error")

    return route


def _query(request: web.Request, *names: str) -> list[str]:
    values = [request.query.get(name, "") for name in names]
    missing = [name for name, value in zip(names, values, strict=True) if not value]
    if missing:
        raise CallbackRejected(400, f"missing query field {','.join(missing)}")
    # aiohttp's pure-Python HTTP parser turns raw bytes that are not UTF-8
    # into lone surrogates, which the signature check could not encode.
    unreadable = [name for name, value in zip(names, values, strict=True) if _SURROGATE.search(value)]
    if unreadable:
        raise CallbackRejected(400, f"query field {','.join(unreadable)} is not UTF-8")
    return values


async def _read_body(request: web.Request, max_bytes: int) -> bytes:
    if request.content_length is not None and request.content_length > max_bytes:
        raise CallbackRejected(413, f"body of {request.content_length} bytes exceeds {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(16 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise CallbackRejected(413, f"body exceeds {max_bytes} bytes")
        chunks.append(chunk)
    if not size:
        raise CallbackRejected(400, "empty body")
    return b"".join(chunks)


def _xml_fields(body: bytes) -> dict[str, Any]:
    reject_doctype(body)
    try:
        root = xmltodict.parse(body)
    except (ExpatError, ValueError):
        raise CallbackRejected(400, "malformed envelope XML") from None
    fields = root.get("xml") if isinstance(root, dict) else None
    if not isinstance(fields, dict):
        raise CallbackRejected(400, "envelope is not an <xml> document")
    return fields


def _digest(value: str | bytes) -> str:
    data = value.encode() if isinstance(value, str) else value
    return hashlib.sha256(data).hexdigest()


class EncryptedEcho:
    """URL verification of the WeCom app and the AI bot: decrypt echostr and return it bare."""

    def __init__(self, security: CallbackSecurity) -> None:
        self.security = security

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        signature, timestamp, nonce, echostr = _query(
            request, "msg_signature", "timestamp", "nonce", "echostr"
        )
        check_timestamp(timestamp, self.security.clock())
        # aiohttp has URL-decoded the query once; decoding again breaks "+" in echostr.
        self.security.crypto.verify(signature, timestamp, nonce, echostr)
        plain = self.security.crypto.decrypt(echostr)
        return web.Response(text=plain, content_type="text/plain")


class EncryptedCallback:
    """POSTs of the WeCom app (XML envelope) and the AI bot (JSON envelope)."""

    def __init__(
        self,
        security: CallbackSecurity,
        ingestor: Ingestor,
        parse: Callable[[str], tuple[Parsed, Callable[[], None]]],
        *,
        json_envelope: bool,
    ) -> None:
        self.security = security
        self.ingestor = ingestor
        self.parse = parse
        self.json_envelope = json_envelope

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        signature, timestamp, nonce = _query(request, "msg_signature", "timestamp", "nonce")
        check_timestamp(timestamp, self.security.clock())
        body = await _read_body(request, self.security.max_body_bytes)
        encrypted = _json_encrypt(body) if self.json_envelope else _xml_encrypt(body)
        self.security.crypto.verify(signature, timestamp, nonce, encrypted)

        digest = _digest(encrypted)
        if self.security.nonces.is_retry(timestamp, nonce, digest):
            log.debug("callback retried by the platform: timestamp=%s nonce=%s", timestamp, nonce)
            return web.Response(text="")
        plain = self.security.crypto.decrypt(encrypted)
        if not self.json_envelope:
            reject_doctype(plain.encode())
        parsed, before_store = self.parse(plain)
        await _accept(self.ingestor, parsed, before_store)
        self.security.nonces.remember(timestamp, nonce, digest)
        return web.Response(text="")


def _xml_encrypt(body: bytes) -> str:
    encrypted = _xml_fields(body).get("Encrypt")
    if not isinstance(encrypted, str) or not encrypted:
        raise CallbackRejected(400, "envelope without Encrypt")
    return encrypted


def _json_encrypt(body: bytes) -> str:
    try:
        envelope = json.loads(body)
    except ValueError:
        raise CallbackRejected(400, "malformed envelope JSON") from None
    encrypted = envelope.get("encrypt") if isinstance(envelope, dict) else None
    if not isinstance(encrypted, str) or not encrypted:
        raise CallbackRejected(400, "envelope without encrypt")
    return encrypted


async def _accept(ingestor: Ingestor, parsed: Parsed, before_store: Callable[[], None]) -> None:
    if isinstance(parsed, Ignored):
        log.debug("callback acknowledged without action: %s (%s)", parsed.reason, parsed.event_id)
        return
    before_store()
    await ingestor.accept(parsed)


class OfficialAccountEcho:
    """URL verification of an Official Account: echostr comes back unchanged, even in safe mode."""

    def __init__(self, security: CallbackSecurity) -> None:
        self.security = security

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        signature, timestamp, nonce, echostr = _query(
            request, "signature", "timestamp", "nonce", "echostr"
        )
        check_timestamp(timestamp, self.security.clock())
        self.security.crypto.verify(signature, timestamp, nonce)
        return web.Response(text=echostr, content_type="text/plain")


class OfficialAccountCallback:
    """POSTs of an Official Account in plain or safe (AES) mode, acknowledged with "success"."""

    def __init__(self, security: CallbackSecurity, ingestor: Ingestor, account: str) -> None:
        self.security = security
        self.ingestor = ingestor
        self.account = account

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        crypto = self.security.crypto
        safe_mode = request.query.get("encrypt_type", "raw").lower() == "aes"
        if crypto.encrypted and not safe_mode:
            raise CallbackRejected(400, "plain-mode callback while safe mode is configured")
        timestamp, nonce = _query(request, "timestamp", "nonce")
        check_timestamp(timestamp, self.security.clock())
        body = await _read_body(request, self.security.max_body_bytes)

        if safe_mode:
            (signature,) = _query(request, "msg_signature")
            encrypted = _xml_encrypt(body)
            crypto.verify(signature, timestamp, nonce, encrypted)
            digest = _digest(encrypted)
        else:
            (signature,) = _query(request, "signature")
            crypto.verify(signature, timestamp, nonce)
            reject_doctype(body)
            digest = _digest(body)

        if self.security.nonces.is_retry(timestamp, nonce, digest):
            log.debug("callback retried by the platform: timestamp=%s nonce=%s", timestamp, nonce)
            return web.Response(text="success")
        if safe_mode:
            xml = crypto.decrypt(encrypted)
            reject_doctype(xml.encode())
        else:
            try:
                xml = body.decode("utf-8")
            except UnicodeDecodeError:
                raise CallbackRejected(400, "body is not UTF-8") from None
        parsed = parse_xml_callback(xml, platform="wechat_mp", account=self.account)
        await _accept(self.ingestor, parsed, lambda: None)
        self.security.nonces.remember(timestamp, nonce, digest)
        return web.Response(text="success")


def app_parser(account: str) -> Callable[[str], tuple[Parsed, Callable[[], None]]]:
    """Return the parser of decrypted WeCom app callbacks."""

    def parse(plain: str) -> tuple[Parsed, Callable[[], None]]:
        return parse_xml_callback(plain, platform="wecom", account=account), lambda: None

    return parse


def aibot_parser(urls: ResponseUrls) -> Callable[[str], tuple[Parsed, Callable[[], None]]]:
    """Return the parser of decrypted AI-bot callbacks, which keeps each response_url."""

    def parse(plain: str) -> tuple[Parsed, Callable[[], None]]:
        callback = parse_aibot_callback(plain, received_at=utcnow())
        parsed = callback.parsed

        def keep_url() -> None:
            if callback.response_url and not isinstance(parsed, Ignored):
                urls.remember(callback.chat_id, parsed.message_id, callback.response_url)

        return parsed, keep_url

    return parse
