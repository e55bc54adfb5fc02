"""Command parsing and dispatch shared by every platform.

WeChat users type Chinese verbs (查询 0034); Telegram users type slash
commands (/case 0034, /case@OurBot 0034). Both map to one Command, so the two
sides never drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.messages import ChatTarget, InboundMessage, Reply
from handlers.permissions import Level
from models import ChatGroup, Member, RawMessage

SHANGHAI = ZoneInfo("Asia/Shanghai")

_MENTION = re.compile(r"^\s*@\S+\s+")
_RATING_FIRST = re.compile(r"^(基本满意|不满意|满意)\s*[#＃]?(\d{1,4})(?!\d)\s*(.*)$", re.DOTALL)
_SLASH = re.compile(r"^/([A-Za-z_]+)(?:@(\S+))?(?:\s+(.*))?$", re.DOTALL)


@dataclass(slots=True)
class CommandContext:
    """Everything a command handler may use; handlers get it as their one parameter."""

    session: AsyncSession
    message: InboundMessage
    raw: RawMessage
    chat: ChatGroup
    member: Member
    now: datetime
    args: list[str] = field(default_factory=list)
    rest: str = ""
    # The zone in which people read dates and periods such as 本月.
    zone: ZoneInfo = SHANGHAI
    # The CSV that triage corrections are appended to, or None to keep them
    # only as case events.
    corrections_path: Path | None = None


Handler = Callable[[CommandContext], Awaitable[list[Reply]]]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command: its Chinese verbs, its slash name, and a line of help.

    Attributes:
        name: The slash name (/case); Telegram allows a-z, 0-9 and _.
        verbs: The Chinese words that start it (查询, 查看).
        handler: The implementation both forms share.
        help: A short Chinese description, also sent to Telegram's setMyCommands.
        example: A Chinese example shown by 帮助.
        audience: The lowest level that may use it; 帮助 lists it from there up.
    """

    name: str
    verbs: tuple[str, ...]
    handler: Handler
    help: str
    example: str
    audience: Level = Level.RESIDENT


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    spec: CommandSpec
    args: list[str]
    rest: str


class CommandRegistry:
    """The registered commands, looked up by Chinese verb or slash name."""

    def __init__(self, bot_username: str | None = None) -> None:
        self._by_verb: dict[str, CommandSpec] = {}
        self._by_name: dict[str, CommandSpec] = {}
        self.bot_username = bot_username

    @property
    def specs(self) -> list[CommandSpec]:
        return list(self._by_name.values())

    def add(self, spec: CommandSpec) -> None:
        self._by_name[spec.name] = spec
        for verb in spec.verbs:
            self._by_verb[verb] = spec

    def parse(self, text: str) -> ParsedCommand | None:
        """Return the command a text invokes, or None for an ordinary message.

        A slash command addressed to another bot (/case@OtherBot) is not ours
        and returns None.
        """
        # Chinese input methods often type the full-width space U+3000.
        text = _MENTION.sub("", text.replace("\u3000", " ").strip()).strip()
        if not text:
            return None
        # Residents write the rating first: "不满意 0034 还是漏" means 评价 0034 不满意.
        rating_first = _RATING_FIRST.match(text)
        if rating_first:
            word, number, rest = rating_first.groups()
            text = f"评价 {number} {word} {rest}".strip()
        slash = _SLASH.match(text)
        if slash:
            name, addressee, rest = slash.group(1).lower(), slash.group(2), slash.group(3) or ""
            if addressee and self.bot_username and addressee.lower() != self.bot_username.lower():
                return None
            spec = self._by_name.get(name)
            if spec is None:
                return ParsedCommand(UNKNOWN, [name], rest.strip())
            return ParsedCommand(spec, rest.split(), rest.strip())
        head, _, rest = text.partition(" ")
        spec = self._by_verb.get(head)
        if spec is None:
            spec, rest = self._match_glued(text)
            if spec is None:
                return None
        return ParsedCommand(spec, rest.split(), rest.strip())

    def _match_glued(self, text: str) -> tuple[CommandSpec | None, str]:
        # People type 查询0034 without the space; accept a verb glued to a number.
        for verb, spec in self._by_verb.items():
            if text.startswith(verb) and len(text) > len(verb) and text[len(verb)].isdigit():
                return spec, text[len(verb) :]
        return None, ""


def reply_here(ctx: CommandContext, text: str, *, case_id: int | None = None) -> Reply:
    """Build a reply in the chat the command came from."""
    return Reply(
        target=ChatTarget(ctx.message.platform, ctx.message.chat_id),
        text=text,
        case_id=case_id,
        audience="group",
        reply_to=ctx.message.message_id,
    )


async def _unknown(ctx: CommandContext) -> list[Reply]:
    name = ctx.args[0] if ctx.args else ""
    return [reply_here(ctx, f"没有“/{name}”这个指令。发送“帮助”或 /help 查看可用指令。")]


UNKNOWN = CommandSpec(name="unknown", verbs=(), handler=_unknown, help="", example="")
