"""Outgoing API clients for WeCom, its group robots and the Official Account.

wechatpy's clients are blocking (requests) and refresh tokens without a lock,
so concurrent senders each fetch a new token, and an Official Account fetch
invalidates the previous token. Sending therefore uses aiohttp directly, with
one token refresh in flight per app; wechatpy stays in charge of crypto and
parsing. Tests point the base URLs at a fake server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import aiohttp

from bot.adapters.wecom.limits import SlidingWindowLimiter
from handlers.errors import PlatformError

log = logging.getLogger("bot.wecom")

# 40001 invalid or superseded token, 40014 invalid token, 42001 expired token.
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
# 45009 API frequency limit; 130101 a group robot over 20 messages a minute.
RATE_LIMIT_ERRORS = frozenset({45009, 130101})
# -1 system busy; with the rate limits and token errors, a later attempt may succeed.
TRANSIENT_ERRORS = RATE_LIMIT_ERRORS | TOKEN_ERRORS | {-1}
DEFAULT_BACKOFF_SECONDS = (2.0, 10.0, 30.0, 60.0)
# Refresh a token this many seconds before its expires_in runs out.
TOKEN_MARGIN_SECONDS = 300
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=15)

Sleep = Callable[[float], Awaitable[None]]


class WeChatApiError(PlatformError):
    """The platform returned a non-zero errcode."""

    def __init__(self, endpoint: str, errcode: int, errmsg: str) -> None:
        super().__init__(
            f"{endpoint} failed: errcode {errcode} {errmsg}", transient=errcode in TRANSIENT_ERRORS
        )
        self.errcode = errcode
        self.errmsg = errmsg


class AccessToken:
    """An access token shared by all senders of one app, refreshed one request at a time.

    NOTE: The token is cached per process. Each Official Account token fetch
    invalidates the previous token, so several processes sending for one
    account would keep invalidating each other's; run one sending process.
    """

    def __init__(
        self,
        fetch: Callable[[], Awaitable[tuple[str, float]]],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self.refreshes = 0

    async def get(self) -> str:
        """Return a valid token, fetching one if none is cached or it is about to expire."""
        if self._token is not None and self._clock() < self._expires_at:
            return self._token
        return await self.refresh(self._token)

    async def refresh(self, stale: str | None) -> str:
        """Replace the token a sender found invalid; others waiting reuse the new one.

        A sender that saw `stale` fail refreshes only if no other sender replaced
        it in the meantime, so fifty senders hitting 42001 together cause one fetch.
        """
        async with self._lock:
            fresh = self._token is not None and self._clock() < self._expires_at
            if self._token != stale and fresh:
                return self._token  # type: ignore[return-value]
            token, expires_in = await self._fetch()
            self.refreshes += 1
            self._token = token
            self._expires_at = self._clock() + max(expires_in - TOKEN_MARGIN_SECONDS, 60)
            log.info(
                "access token refreshed (refresh %s, valid %ss)", self.refreshes, int(expires_in)
            )
            return token


class ApiTransport:
    """JSON over HTTP with retries for network failures and rate limits."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        backoff: Sequence[float] = DEFAULT_BACKOFF_SECONDS,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.session = session
        self.backoff = tuple(backoff)
        self.sleep = sleep

    async def get_json(self, url: str, params: dict[str, str], endpoint: str) -> dict[str, Any]:
        return await self._request("GET", url, params, None, endpoint)

    async def post_json(
        self, url: str, params: dict[str, str], payload: dict[str, Any], endpoint: str
    ) -> dict[str, Any]:
        """POST a payload and return the response; retry network errors and rate limits.

        Raises:
            WeChatApiError: The platform returned an errcode that no retry fixed.
            PlatformError: The platform could not be reached after the retries.
        """
        for attempt in range(len(self.backoff) + 1):
            try:
                data = await self._request("POST", url, params, payload, endpoint)
            except PlatformError as exc:
                if isinstance(exc, WeChatApiError) and exc.errcode not in RATE_LIMIT_ERRORS:
                    raise
                if attempt == len(self.backoff):
                    raise
                delay = self.backoff[attempt] * random.uniform(1.0, 1.25)  # noqa: S311 - jitter, not secrets
                log.warning("%s; retry %s in %.1fs", exc, attempt + 1, delay)
                await self.sleep(delay)
                continue
            return data
        msg = f"{endpoint}: retries exhausted"  # unreachable: the loop returns or raises
        raise PlatformError(msg)

    async def upload(self, url: str, params: dict[str, str], path: Path, endpoint: str) -> dict[str, Any]:
        """POST a file as multipart form data under the field name `media`.

        Raises:
            WeChatApiError: The platform returned an errcode.
            PlatformError: The platform could not be reached, or the file is unreadable.
        """
        try:
            # A chart is a few hundred KB; read it off the event loop all the same.
            content = await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            msg = f"{endpoint}: cannot read {path.name}: {exc.strerror}"
            raise PlatformError(msg) from exc
        form = aiohttp.FormData()
        form.add_field("media", content, filename=path.name, content_type="application/octet-stream")
        return await self._request("POST", url, params, None, endpoint, form=form)

    async def _request(
        self,
        method: str,
        url: str,
        params: dict[str, str],
        payload: dict[str, Any] | None,
        endpoint: str,
        *,
        form: aiohttp.FormData | None = None,
    ) -> dict[str, Any]:
        try:
            async with self.session.request(
                method,
                url,
                params=params,
                json=payload if form is None else None,
                data=form,
                timeout=REQUEST_TIMEOUT,
            ) as response:
                if response.status >= 400:
                    msg = f"{endpoint}: HTTP {response.status}"
                    raise PlatformError(msg, transient=response.status >= 500 or response.status == 429)
                data = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            # A body that is not JSON comes from a proxy or a gateway in front
            # of the platform, so it is retried like a network error.
            msg = f"{endpoint}: {type(exc).__name__}: {exc}"
            raise PlatformError(msg, transient=True) from exc
        if not isinstance(data, dict):
            msg = f"{endpoint}: answer is not a JSON object"
            raise PlatformError(msg, transient=True)
        errcode = int(data.get("errcode") or 0)
        if errcode:
            raise WeChatApiError(endpoint, errcode, str(data.get("errmsg") or ""))
        return data


class TokenApi:
    """Calls of one app that carry an access token, refreshed once and retried on 40001/42001."""

    def __init__(self, transport: ApiTransport, base_url: str, token: AccessToken) -> None:
        self.transport = transport
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.token = token

    async def upload_image(self, path: Path) -> str:
        """Upload a picture as temporary media (media/upload) and return its media_id."""
        token = await self.token.get()
        params = {"access_token": token, "type": "image"}
        try:
            data = await self.transport.upload(self.base_url + "media/upload", params, path, "media/upload")
        except WeChatApiError as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
            params["access_token"] = await self.token.refresh(token)
            data = await self.transport.upload(self.base_url + "media/upload", params, path, "media/upload")
        media_id = data.get("media_id")
        if not media_id:
            msg = "media/upload: answer has no media_id"
            raise PlatformError(msg)
        return str(media_id)

    async def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST to an endpoint under the base URL with the current token."""
        token = await self.token.get()
        try:
            return await self.transport.post_json(
                self.base_url + path, {"access_token": token}, payload, path
            )
        except WeChatApiError as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
            log.info("%s: token rejected with %s; refreshing once", path, exc.errcode)
        token = await self.token.refresh(token)
        return await self.transport.post_json(
            self.base_url + path, {"access_token": token}, payload, path
        )


def wecom_token(transport: ApiTransport, base_url: str, corp_id: str, secret: str) -> AccessToken:
    """Return the token source of a WeCom self-built app (cgi-bin/gettoken)."""
    url = (base_url if base_url.endswith("/") else base_url + "/") + "gettoken"

    async def fetch() -> tuple[str, float]:
        data = await transport.get_json(url, {"corpid": corp_id, "corpsecret": secret}, "gettoken")
        return _token_from(data, "gettoken")

    return AccessToken(fetch)


def mp_token(transport: ApiTransport, base_url: str, app_id: str, secret: str) -> AccessToken:
    """Return the token source of an Official Account (cgi-bin/token)."""
    url = (base_url if base_url.endswith("/") else base_url + "/") + "token"

    async def fetch() -> tuple[str, float]:
        params = {"grant_type": "client_credential", "appid": app_id, "secret": secret}
        data = await transport.get_json(url, params, "token")
        return _token_from(data, "token")

    return AccessToken(fetch)


def _token_from(data: dict[str, Any], endpoint: str) -> tuple[str, float]:
    token = data.get("access_token")
    if not isinstance(token, str) or not token:
        msg = f"{endpoint}: answer without access_token"
        raise PlatformError(msg)
    return token, float(data.get("expires_in") or 7200)


class WebhookApi:
    """Group robots (消息推送) of staff groups, each limited to 20 messages a minute."""

    def __init__(
        self,
        transport: ApiTransport,
        base_url: str,
        keys: dict[str, str],
        limiter: SlidingWindowLimiter,
    ) -> None:
        self.transport = transport
        self.url = (base_url if base_url.endswith("/") else base_url + "/") + "webhook/send"
        self.keys = keys
        self.limiter = limiter

    async def send_markdown(self, robot: str, content: str) -> None:
        """Send one markdown message through a named robot.

        Raises:
            PlatformError: No robot has that name, or the send failed after retries.
        """
        key = self.keys.get(robot)
        if key is None:
            msg = f"no group robot named {robot!r} in WECOM_WEBHOOK_KEYS"
            raise PlatformError(msg)
        await self.limiter.acquire(robot)
        payload = {"msgtype": "markdown", "markdown": {"content": content}}
        await self.transport.post_json(self.url, {"key": key}, payload, "webhook/send")


async def post_response_url(transport: ApiTransport, url: str, content: str) -> None:
    """Reply to an AI-bot message once through its response_url, as markdown."""
    payload = {"msgtype": "markdown", "markdown": {"content": content}}
    await transport.post_json(url, {}, payload, "aibot response_url")
