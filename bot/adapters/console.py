"""An outbound adapter that writes replies to a text stream, for the replay and the console."""

from __future__ import annotations

from typing import TextIO

from handlers.messages import ChatTarget, UserTarget


class ConsoleOutbound:
    """Writes each reply as an indented block: who it goes to, then the text."""

    def __init__(self, stream: TextIO, *, platform: str = "replay", quiet: bool = False) -> None:
        self.platform = platform
        self._stream = stream
        self._quiet = quiet
        self.sent: list[tuple[ChatTarget | UserTarget, str]] = []

    async def send(self, target: ChatTarget | UserTarget, text: str, *, reply_to: str | None = None) -> None:
        self.sent.append((target, text))
        if self._quiet:
            return
        where = f"群「{target.chat_id}」" if isinstance(target, ChatTarget) else f"私信「{target.user_id}」"
        body = "\n".join(f"    {line}" for line in text.splitlines())
        self._stream.write(f"  → {where}\n{body}\n")
