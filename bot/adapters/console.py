"""An outbound adapter that writes replies to a text stream, for the replay and the console."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from handlers.messages import ChatTarget, UserTarget


class ConsoleOutbound:
    """Writes each reply as an indented block: who it goes to, then the text."""

    def __init__(self, stream: TextIO, *, platform: str = "replay", quiet: bool = False) -> None:
        self.platform = platform
        self._stream = stream
        self._quiet = quiet
        self.sent: list[tuple[ChatTarget | UserTarget, str]] = []
        self.images: list[tuple[ChatTarget | UserTarget, Path]] = []

    async def send_image(self, target: ChatTarget | UserTarget, path: Path) -> None:
        self.images.append((target, path))
        if not self._quiet:
            self._stream.write(f"  → {self._where(target)}\n    [图片] {path}\n")

    def _where(self, target: ChatTarget | UserTarget) -> str:
        return f"群「{target.chat_id}」" if isinstance(target, ChatTarget) else f"私信「{target.user_id}」"

    async def send(self, target: ChatTarget | UserTarget, text: str, *, reply_to: str | None = None) -> None:
        self.sent.append((target, text))
        if self._quiet:
            return
        where = self._where(target)
        body = "\n".join(f"    {line}" for line in text.splitlines())
        self._stream.write(f"  → {where}\n{body}\n")
