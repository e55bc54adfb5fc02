"""A local stand-in for WeCom's long-connection gateway, on 127.0.0.1.

It acknowledges subscribe, ping and reply frames the way WeCom doc 101463
describes, records every frame the client sends, and lets a test push
message frames, reject the next frames of a command with an errcode, stop
acknowledging heartbeats or drop the connection.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

GOOD_SECRET = "test-secret"


class FakeGateway:
    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []
        self.connections = 0
        self.ack_pings = True
        self.drop_after_subscribe = 0
        # The errcodes that reject the next frames of a command, oldest
        # first, and the frames they rejected.
        self._rejections: dict[str, list[int]] = {}
        self.rejected: list[dict[str, Any]] = []
        self._current: web.WebSocketResponse | None = None
        self._changed = asyncio.Condition()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections += 1
        self._current = ws
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            frame = json.loads(message.data)
            await self._record(frame)
            await self._answer(ws, frame)
        return ws

    async def _answer(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        cmd = frame.get("cmd")
        headers = frame.get("headers")
        if cmd == "aibot_subscribe":
            accepted = frame["body"].get("secret") == GOOD_SECRET
            await ws.send_json(
                {
                    "headers": headers,
                    "errcode": 0 if accepted else 853000,
                    "errmsg": "ok" if accepted else "invalid bot_id or secret",
                }
            )
            if accepted and self.drop_after_subscribe > 0:
                self.drop_after_subscribe -= 1
                await ws.close()
            return
        if cmd == "ping" and not self.ack_pings:
            return
        rejections = self._rejections.get(str(cmd))
        if rejections:
            errcode = rejections.pop(0)
            self.rejected.append(frame)
            await ws.send_json({"headers": headers, "errcode": errcode, "errmsg": f"error {errcode}"})
            return
        await ws.send_json({"headers": headers, "errcode": 0, "errmsg": "ok"})

    def reject(self, cmd: str, errcode: int, *, times: int = 1) -> None:
        """Reject the next `times` frames of `cmd` with errcode instead of acknowledging them with 0."""
        self._rejections.setdefault(cmd, []).extend([errcode] * times)

    async def _record(self, frame: dict[str, Any]) -> None:
        async with self._changed:
            self.frames.append(frame)
            self._changed.notify_all()

    async def push(self, frame: dict[str, Any]) -> None:
        assert self._current is not None, "no client is connected"
        await self._current.send_json(frame)

    async def wait_for(self, predicate: Callable[[dict[str, Any]], bool], count: int = 1) -> list[dict[str, Any]]:
        """Wait until `count` client frames match; the timeout only guards against a hang."""

        def matching() -> list[dict[str, Any]]:
            return [f for f in self.frames if predicate(f)]

        async with asyncio.timeout(10):
            async with self._changed:
                await self._changed.wait_for(lambda: len(matching()) >= count)
        return matching()


def is_cmd(cmd: str) -> Callable[[dict[str, Any]], bool]:
    return lambda frame: frame.get("cmd") == cmd


def message_frame(
    req_id: str,
    msgid: str,
    content: str,
    *,
    sender: str = "zhangsan",
    chat_id: str = "wrkSFfCgAAtNyCb3cZ",
    group: bool = True,
) -> dict[str, Any]:
    """A message as WeCom pushes it over the long connection."""
    body: dict[str, Any] = {
        "msgid": msgid,
        "aibotid": "aib-test",
        "chattype": "group" if group else "single",
        "from": {"userid": sender},
        "msgtype": "text",
        "text": {"content": content},
    }
    if group:
        body["chatid"] = chat_id
    return {"cmd": "aibot_msg_callback", "headers": {"req_id": req_id}, "body": body}
