"""Platform limits on outgoing messages: UTF-8 byte sizes and per-target rates."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable

# Limits are UTF-8 bytes: a Chinese character takes 3 and an emoji 4, so a
# 2048-byte text contains about 680 Chinese characters (WeCom message/send,
# appchat/send and the Official Account customer-service text).
TEXT_MAX_BYTES = 2048
# Group robot markdown (WeCom webhook/send).
MARKDOWN_MAX_BYTES = 4096
# The AI bot's reply through a message's response_url: markdown.content
# "最长不超过20480个字节" in WeCom doc 101138 (主动回复消息, updated
# 2025-12-12). A passive reply in the callback's own response has the same
# figure for stream.content in doc 101031 (被动回复消息, updated 2025-10-21),
# but the callback routes respond with an empty body and never send one.
RESPONSE_URL_MAX_BYTES = 20480
# The AI bot's long-connection markdown and stream content: "最长不超过20480个字节"
# for aibot_send_msg and aibot_respond_msg in WeCom doc 101463 (智能机器人长连接,
# as of 2026-03) and for stream.content in doc 101031 (被动回复消息).
LONGCONN_MAX_BYTES = 20480
# A group robot takes 20 messages a minute and rejects more with 130101.
WEBHOOK_PER_MINUTE = 20
# WeCom drops app messages above 30 a minute per member without an error.
MEMBER_PER_MINUTE = 30


def split_utf8(text: str, max_bytes: int) -> list[str]:
    """Split text into parts of at most max_bytes UTF-8 bytes, never inside a character.

    A part ends at the last line break that fits if that keeps the part at
    least half full. Otherwise it ends at the last whole character that fits.
    """
    if max_bytes < 4:
        msg = f"max_bytes must be at least 4 to hold any character, got {max_bytes}"
        raise ValueError(msg)
    parts: list[str] = []
    rest = text
    while len(rest.encode("utf-8")) > max_bytes:
        cut = _fit(rest, max_bytes)
        newline = rest.rfind("\n", 0, cut)
        if newline > 0 and len(rest[: newline + 1].encode("utf-8")) >= max_bytes // 2:
            cut = newline + 1
        parts.append(rest[:cut])
        rest = rest[cut:]
    if rest or not parts:
        parts.append(rest)
    return parts


def _fit(text: str, max_bytes: int) -> int:
    """Return how many characters of text fit into max_bytes."""
    used = 0
    for index, char in enumerate(text):
        used += len(char.encode("utf-8"))
        if used > max_bytes:
            return index
    return len(text)


class SlidingWindowLimiter:
    """Lets at most `limit` sends per key through in any window of `period` seconds."""

    def __init__(
        self,
        limit: int,
        period: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limit = limit
        self.period = period
        self._clock = clock
        self._sleep = sleep
        self._sent: defaultdict[str, deque[float]] = defaultdict(deque)
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def acquire(self, key: str) -> None:
        """Wait until one more send to key keeps it within the limit, then count it."""
        async with self._locks[key]:
            sent = self._sent[key]
            while True:
                now = self._clock()
                while sent and sent[0] <= now - self.period:
                    sent.popleft()
                if len(sent) < self.limit:
                    sent.append(now)
                    return
                await self._sleep(sent[0] + self.period - now)
