"""The WebSocket client of the AI bot long connection: subscribe, heartbeat, reconnect, send."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.adapters.wecom_longconn.protocol import (
    CMD_EVENT,
    CMD_MESSAGE,
    EVENT_DISCONNECTED,
    ping_frame,
    req_id_of,
    subscribe_frame,
)
from handlers.errors import ConfigError, PlatformError

log = logging.getLogger("bot.wecom_aibot")

# Heartbeats in a row without an acknowledgement before the connection counts as dead.
MAX_MISSED_HEARTBEATS = 2
# WeCom's global errcode for "系统繁忙" (system busy), the one rejection a later attempt may pass.
SYSTEM_BUSY = -1

FrameHandler = Callable[[dict[str, Any]], Awaitable[None]]


class SubscribeRejected(ConfigError):
    """WeCom rejected the bot id or secret; reconnecting cannot help."""


class ConnectionReplaced(PlatformError):
    """Another connection of the same bot took over, so this one must not reconnect."""


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """Where to connect and how patiently.

    Attributes:
        url: The WebSocket URL of WeCom's gateway (a local server in tests).
        bot_id: The AI bot's BotID.
        secret: The AI bot's long-connection Secret.
        heartbeat_seconds: Seconds between `ping` frames.
        reconnect_base_seconds: The first wait before reconnecting; it doubles per failure.
        reconnect_max_seconds: The longest wait before reconnecting.
        request_timeout_seconds: How long to wait for WeCom to acknowledge a frame.
    """

    url: str
    bot_id: str
    secret: str
    heartbeat_seconds: float = 30
    reconnect_base_seconds: float = 1
    reconnect_max_seconds: float = 30
    request_timeout_seconds: float = 10


class LongConnection:
    """Keeps one authenticated connection open and hands received frames to a handler."""

    def __init__(self, settings: ConnectionSettings, on_message: FrameHandler) -> None:
        self.settings = settings
        self._on_message = on_message
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._send_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self.connected = asyncio.Event()
        self.connections = 0
        # Failed attempts since the last successful subscribe; sets the backoff.
        self._failures = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Connect, and reconnect with backoff, until `stop` is set.

        Raises:
            SubscribeRejected: The bot id or secret is wrong.
        """
        async with aiohttp.ClientSession() as session:
            while not stop.is_set():
                try:
                    await self._serve_one(session, stop)
                except (SubscribeRejected, ConnectionReplaced):
                    raise
                except (aiohttp.ClientError, OSError, TimeoutError, PlatformError, ValueError) as exc:
                    self._failures += 1
                    log.warning("long connection failed (failure %s in a row): %s", self._failures, exc)
                finally:
                    self.connected.clear()
                    self._fail_pending("the long connection closed")
                if stop.is_set():
                    break
                delay = self._backoff(self._failures)
                log.info("long connection: reconnecting in %.2fs", delay)
                try:
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                except TimeoutError:
                    pass
        await self._drain_tasks()

    def _backoff(self, failures: int) -> float:
        base = self.settings.reconnect_base_seconds * 2 ** max(failures - 1, 0)
        capped = min(base, self.settings.reconnect_max_seconds)
        # Jitter keeps many bots from reconnecting in the same second after an outage.
        return capped * random.uniform(0.8, 1.2)  # noqa: S311 - not for security

    async def _serve_one(self, session: aiohttp.ClientSession, stop: asyncio.Event) -> None:
        async with session.ws_connect(self.settings.url, heartbeat=None, autoping=True) as ws:
            self._ws = ws
            try:
                await self._subscribe(ws)
                self.connections += 1
                if self.connections > 1:
                    log.info(
                        "long connection restored: bot=%s connection=%s after %s failures",
                        self.settings.bot_id,
                        self.connections,
                        self._failures,
                    )
                else:
                    log.info("long connection open: bot=%s", self.settings.bot_id)
                self._failures = 0
                self.connected.set()
                heartbeat = asyncio.create_task(self._heartbeat(ws), name="wecom-aibot-heartbeat")
                stopper = asyncio.create_task(self._close_on(stop, ws), name="wecom-aibot-stop")
                try:
                    await self._read(ws)
                finally:
                    heartbeat.cancel()
                    stopper.cancel()
                    await asyncio.gather(heartbeat, stopper, return_exceptions=True)
            finally:
                self._ws = None
        if not stop.is_set():
            msg = f"the server closed the long connection (code {ws.close_code})"
            raise PlatformError(msg)

    async def _subscribe(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        frame = subscribe_frame(self.settings.bot_id, self.settings.secret)
        await ws.send_json(frame)
        try:
            reply = await asyncio.wait_for(self._next_frame(ws), timeout=self.settings.request_timeout_seconds)
        except TimeoutError:
            msg = "no answer to the subscribe request"
            raise PlatformError(msg) from None
        errcode = reply.get("errcode", 0)
        if errcode != 0:
            msg = (
                f"WECOM_AIBOT_BOT_ID 或 WECOM_AIBOT_SECRET 无效：企业微信拒绝了长连接订阅"
                f"（errcode {errcode}: {reply.get('errmsg', '')}）；请从管理后台重新复制"
            )
            raise SubscribeRejected(msg)

    async def _next_frame(self, ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
        message = await ws.receive()
        if message.type != aiohttp.WSMsgType.TEXT:
            msg = f"expected a text frame, got {message.type.name}"
            raise PlatformError(msg)
        frame = json.loads(message.data)
        if not isinstance(frame, dict):
            msg = "frame is not a JSON object"
            raise PlatformError(msg)
        return frame

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            try:
                frame = json.loads(message.data)
            except json.JSONDecodeError:
                log.warning("long connection: frame is not JSON, ignored (%s bytes)", len(message.data))
                continue
            if isinstance(frame, dict):
                await self._dispatch(frame)

    async def _dispatch(self, frame: dict[str, Any]) -> None:
        cmd = frame.get("cmd")
        if cmd == CMD_MESSAGE:
            # Handled in a task of its own, so a slow pipeline never delays heartbeats.
            task = asyncio.create_task(self._handle(frame), name=f"wecom-aibot-{req_id_of(frame)}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        if cmd == CMD_EVENT:
            event = (frame.get("body") or {}).get("event") or {}
            if isinstance(event, dict) and event.get("eventtype") == EVENT_DISCONNECTED:
                msg = "another connection of this bot took over; this process stops its long connection"
                raise ConnectionReplaced(msg)
            return
        waiter = self._pending.pop(req_id_of(frame), None)
        if waiter is not None and not waiter.done():
            waiter.set_result(frame)

    async def _handle(self, frame: dict[str, Any]) -> None:
        try:
            await self._on_message(frame)
        except Exception:
            log.exception("long connection: message frame failed: req_id=%s", req_id_of(frame))

    async def _heartbeat(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        missed = 0
        while True:
            await asyncio.sleep(self.settings.heartbeat_seconds)
            try:
                await self.request(ping_frame(), timeout=self.settings.heartbeat_seconds)
                missed = 0
            except PlatformError as exc:
                missed += 1
                log.warning("long connection: heartbeat %s missed: %s", missed, exc)
                if missed >= MAX_MISSED_HEARTBEATS:
                    log.warning("long connection: %s heartbeats missed, reconnecting", missed)
                    await ws.close()
                    return

    async def _close_on(self, stop: asyncio.Event, ws: aiohttp.ClientWebSocketResponse) -> None:
        await stop.wait()
        await ws.close()

    # The timeout bounds only the wait for WeCom's acknowledgement, not the
    # send, and its expiry is raised as the PlatformError that callers handle.
    async def request(self, frame: dict[str, Any], *, timeout: float | None = None) -> dict[str, Any]:  # noqa: ASYNC109
        """Send a frame and wait for WeCom's acknowledgement of it.

        Raises:
            PlatformError: Not connected, no acknowledgement in time, or an errcode
                other than 0. Only -1 (system busy) of the errcodes is transient.
        """
        ws = self._ws
        if ws is None or ws.closed or not self.connected.is_set():
            msg = "the long connection is not open"
            raise PlatformError(msg, transient=True)
        req_id = req_id_of(frame)
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[req_id] = waiter
        try:
            async with self._send_lock:
                await ws.send_json(frame)
            reply = await asyncio.wait_for(waiter, timeout or self.settings.request_timeout_seconds)
        except TimeoutError:
            msg = f"no acknowledgement of {frame.get('cmd')} req_id={req_id}"
            raise PlatformError(msg, transient=True) from None
        except (aiohttp.ClientError, ConnectionError) as exc:
            msg = f"sending {frame.get('cmd')} failed: {exc}"
            raise PlatformError(msg, transient=True) from exc
        finally:
            self._pending.pop(req_id, None)
        errcode = reply.get("errcode", 0)
        if errcode != 0:
            msg = f"WeCom rejected {frame.get('cmd')} req_id={req_id}: errcode {errcode} {reply.get('errmsg', '')}"
            raise PlatformError(msg, transient=errcode == SYSTEM_BUSY)
        return reply

    def _fail_pending(self, reason: str) -> None:
        for waiter in self._pending.values():
            if not waiter.done():
                waiter.set_exception(PlatformError(reason, transient=True))
        self._pending.clear()

    async def _drain_tasks(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
