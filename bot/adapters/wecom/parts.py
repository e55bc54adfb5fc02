"""Sending the parts of a split text in order, from the first part that has not arrived."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from handlers.messages import PartsSent

log = logging.getLogger("bot.wecom")


async def send_from(
    parts: Sequence[str],
    first_part: int,
    parts_sent: PartsSent | None,
    send: Callable[[int, str], Awaitable[None]],
    *,
    target: str,
) -> None:
    """Send `parts[first_part:]` one after another with `send(index, part)`, as SendsInParts describes.

    `parts_sent` is awaited with the number of parts delivered after each
    part that more parts follow. An exception from `send` or `parts_sent`
    stops the loop and propagates.
    """
    if first_part >= len(parts):
        log.warning("all %s parts of the text to %s were sent before; nothing left", len(parts), target)
        return
    for index in range(first_part, len(parts)):
        await send(index, parts[index])
        if parts_sent is not None and index + 1 < len(parts):
            await parts_sent(index + 1)
