"""Command parsing and dispatch shared by every platform.

WeChat users type Chinese verbs (查询 0034); Telegram users type slash
commands (/case 0034, /case@OurBot 0034). Both map to one Command, so the two
sides never drift apart.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import BadCommand
from handlers.messages import InboundMessage, Reply, chat_target
from handlers.permissions import Level
from models import ChatGroup, ChatKind, Compound, Member, RawMessage
from nlp.findings import Finding
from nlp.normalize import fold_characters

SHANGHAI = ZoneInfo("Asia/Shanghai")

_MENTION = re.compile(r"^\s*@\S+\s+")
_RATING_FIRST = re.compile(r"^(基本满意|不满意|满意)\s*#?(\d{1,4})(?!\d)\s*(.*)$", re.DOTALL)
# Characters allowed right after a verb: a space, a colon, the word 工单, #,
# a digit, or a bracket or quote around a case number (查询【0034】).
_AFTER_VERB = re.compile(r"^(?:\s|:|工单|#|\d|[(\[【〔\"'“‘《〈<]\s*(?:工单|#|\d))")
# A case number in brackets or quotes, as people copy it from a notice:
# 【0034】, (0034), “0034”. The pairs are those of the folded text, where
# （） became () and 「」 became “”.
_BRACKETED_NUMBER = re.compile(
    r"\s*([(\[【〔\"'“‘《〈<])\s*(?:工单(?:编?号)?\s*:?\s*)?#?\d{1,10}\s*([)\]】〕\"'”’》〉>])"
)
# Characters that copying from WeChat or a web page leaves in a line
# unseen: zero-width space, word joiner and byte order mark. The zero-width
# joiner stays, because emoji sequences in a note need it.
_INVISIBLE = re.compile("[\u200b\u2060\ufeff]")
# A colon and the word 工单 (or 工单号, 工单编号) between the verb and the
# case number. The whole word goes, so no error quotes half of it (号0019).
_LEADING_SLIPS = re.compile(r"^\s*:?\s*(?:工单(?:编?号)?\s*:?\s*)?")
# A word and a case number, maybe with more text after a space: "关闭 0009",
# "foo 0003", "关闭 0002 已修好". It reads as a command the bot does not have.
# A Latin word needs a space or colon before the number, because XQ0001 is a
# compound code.
_UNKNOWN_VERB = re.compile(
    r"^(?P<word>[\u4e00-\u9fff]{1,6}|[A-Za-z]{2,12}(?=\s|:))\s*:?\s*"
    r"(?:(?P<prefixed>(?:工单(?:编?号)?\s*:?\s*|#)\d{1,4})|(?P<digits>\d{4}))"
    r"(?:\s+(?P<rest>.*))?$",
    re.DOTALL,
)
_CHINESE_WORD = re.compile(r"[\u4e00-\u9fff]+")
# A case number that opens the arguments with a punctuation mark after it,
# maybe after spaces, in folded text, where ， and 、 became "," and 。 became ".".
# A point before a digit belongs to a month or a decimal (统计 2026.03).
_GLUED_PUNCTUATION = re.compile(r"\s*(?:工单(?:编?号)?\s*)?#?\d{1,4}\s*([,;:!?]|\.(?!\d))")
# A slash command: its name, the bot it is addressed to, then the arguments
# after a space (group 3) or glued to the name (group 4, as in /stats本月).
# Telegram usernames contain only Latin letters, digits and _, which is where
# an addressee ends when arguments are glued to it.
_SLASH = re.compile(r"^/([A-Za-z_]+)(?:@([A-Za-z0-9_]+))?(?:\s+(.*)|(.+))?$", re.DOTALL)


@dataclass(slots=True)
class CommandContext:
    """Everything a command handler may use; handlers get it as their one parameter."""

    session: AsyncSession
    message: InboundMessage
    raw: RawMessage
    chat: ChatGroup
    member: Member
    now: datetime
    # The words after the verb, folded as ParsedCommand.args describes.
    args: list[str] = field(default_factory=list)
    # The text after the verb as typed; its words line up with `args`.
    rest: str = ""
    # The zone in which people read dates and periods such as 本月.
    zone: ZoneInfo = SHANGHAI
    # The CSV that triage corrections are appended to, or None to keep them
    # only as case events.
    corrections_path: Path | None = None
    # The intake step that 报事 calls to open or join cases from a text in a
    # compound. It is None where no intake pipeline runs.
    open_report: Callable[[Compound, str], Awaitable[list[Reply]]] | None = None
    # The compound a private-chat command named by its code, once that code
    # has been taken out of `args`.
    named_compound: Compound | None = None
    # The classifier's reading of a text, for commands that carry a
    # resident's words (补充). None where no classifier is loaded.
    classify: Callable[[str], list[Finding]] | None = None

    @property
    def written_args(self) -> list[str]:
        """Return the words after the verb as typed, for names matched against stored text."""
        return self.rest.split()

    def drop_arg(self, index: int) -> None:
        """Remove one argument from `args` and the same word from `rest`."""
        spans = [word.span() for word in re.finditer(r"\S+", self.rest)]
        del self.args[index]
        if index < len(spans):
            start, end = spans[index]
            self.rest = (self.rest[:start] + self.rest[end:]).strip()


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
        personal: Its arguments are personal data (phones, health tags), so
            the stored raw message keeps only the verb once it has run.
        glued: The arguments that may follow the verb with no space between
            (统计本月, 工单列表超时), matched against the whole folded rest.
            Other text glued to a verb is no command, because 统计一下 or
            列表里 is ordinary talk.
    """

    name: str
    verbs: tuple[str, ...]
    handler: Handler
    help: str
    example: str
    audience: Level = Level.RESIDENT
    personal: bool = False
    glued: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    """A command read from a message.

    Attributes:
        spec: The command.
        args: The words after the verb, folded like the verb (traditional to
            simplified characters, full-width to half-width forms).
        rest: The text after the verb as the person typed it, for notes
            that are stored and repeated to others.
        staff_only: The text only resembles a command: a word the bot does
            not know, then a number that may be a flat. It counts as a
            command only when staff send it.
    """

    spec: CommandSpec
    args: list[str]
    rest: str
    staff_only: bool = False


class CommandRegistry:
    """The registered commands, looked up by Chinese verb or slash name."""

    def __init__(self, bot_username: str | None = None) -> None:
        self._by_verb: dict[str, CommandSpec] = {}
        self._by_name: dict[str, CommandSpec] = {}
        self.bot_username = bot_username
        # The command a bare progress question (0007进度怎么样了) runs, if any.
        self.progress_question: CommandSpec | None = None

    @property
    def specs(self) -> list[CommandSpec]:
        return list(self._by_name.values())

    def add(self, spec: CommandSpec) -> None:
        self._by_name[spec.name] = spec
        for verb in spec.verbs:
            self._by_verb[verb] = spec

    def parse(self, text: str) -> ParsedCommand | None:
        """Return the command a text invokes, or None for an ordinary message.

        The verb and the arguments are read from the text folded by
        nlp.normalize.fold_characters, so 重開 0001 is 重开 0001 and ＃34 is
        #34. The rest keeps the characters as typed. A slash command
        addressed to another bot (/case@OtherBot) is not ours and returns
        None.
        """
        # Chinese input methods often type the full-width space U+3000.
        text = _INVISIBLE.sub("", text).replace("\u3000", " ")
        text = _MENTION.sub("", text.strip()).strip()
        if not text:
            return None
        folded = fold_characters(text)
        # Residents write the rating first: "不满意 0034 还是漏" means 评价 0034 不满意.
        rating_first = _RATING_FIRST.match(folded)
        if rating_first:
            word, number = rating_first.group(1, 2)
            text = f"评价 {number} {word} {text[rating_first.start(3) :]}".strip()
            folded = fold_characters(text)
        slash = _SLASH.match(folded)
        if slash and slash.group(4) is not None:
            return self._parse_glued_slash(slash, text, folded)
        if slash:
            name, addressee = slash.group(1).lower(), slash.group(2)
            if addressee and self.bot_username and addressee.lower() != self.bot_username.lower():
                return None
            spec = self._by_name.get(name)
            rest_at = slash.start(3) if slash.group(3) is not None else len(folded)
            if spec is None:
                return ParsedCommand(UNKNOWN, [name], text[rest_at:].strip())
            return _command(spec, text, folded, rest_at)
        spec, rest_at = self._match_verb(folded)
        if spec is None:
            return self._parse_unknown_verb(folded) or self._parse_progress_question(folded)
        return _command(spec, text, folded, rest_at)

    def _parse_glued_slash(self, slash: re.Match[str], text: str, folded: str) -> ParsedCommand | None:
        """Read a slash command with its arguments glued on (/stats本月, /case0034).

        The glued text must pass the check a Chinese verb's does, so /stats本月
        runs but /home/user, a path pasted into the chat, stays a message. An
        unknown name with Chinese glued on (/list超时) gets the unknown-command
        hint, because a slash, a Latin name and Chinese text are rarely typed by accident.
        """
        name, addressee = slash.group(1).lower(), slash.group(2)
        if addressee and self.bot_username and addressee.lower() != self.bot_username.lower():
            return None
        spec = self._by_name.get(name)
        rest = slash.group(4)
        if spec is None and _CHINESE_WORD.match(rest):
            return ParsedCommand(UNKNOWN, [name], text[slash.start(4) :].strip())
        if spec is None or not _takes_glued(spec, rest):
            return None
        slips = _LEADING_SLIPS.match(rest)
        return _command(spec, text, folded, slash.start(4) + (slips.end() if slips else 0))

    def _parse_progress_question(self, folded: str) -> ParsedCommand | None:
        """Read "0007进度怎么样了" as a question about case 0007; a number alone is no question."""
        question = _PROGRESS_QUESTION.match(folded)
        if question is None or not _ASKING.search(question.group("ask")) or self.progress_question is None:
            return None
        number = question.group("number")
        return ParsedCommand(self.progress_question, [number], number)

    def for_another_bot(self, text: str) -> bool:
        """Tell whether the text is a slash command addressed to another bot, such as /case@OtherBot."""
        slash = _SLASH.match(fold_characters(text.strip()))
        if slash is None or not slash.group(2) or not self.bot_username:
            return False
        return slash.group(2).lower() != self.bot_username.lower()

    def _parse_unknown_verb(self, folded: str) -> ParsedCommand | None:
        """Read "关闭 0009" or "foo 0003" as a command the bot lacks.

        The suggested commands travel in `rest`, because the handler has no
        registry to look them up in. A Chinese word that is no verb, synonym
        or near spelling of one, then four bare digits and more text, is a
        report ("车位 0123 被占了", "楼道 1102 漏水了"), not a command. Any
        other match is a command from any sender when the number can only be
        a case number (0009, #9, 工单9), or when the word is close to a real
        verb and nothing follows the number. Otherwise "开门 1002" may name a
        flat, so it is a command only from staff (staff_only).
        """
        unknown = _UNKNOWN_VERB.match(folded)
        if unknown is None:
            return None
        word, prefixed, digits, after = unknown.group("word", "prefixed", "digits", "rest")
        number = digits or prefixed.replace(" ", "")
        close = suggestions(word, self._by_verb)
        if not close and prefixed is None and after and _CHINESE_WORD.fullmatch(word):
            return None
        options = "、".join(f"“{spec.verbs[0]} {number}”（{spec.help}）" for spec in close)
        case_number_only = prefixed is not None or digits.startswith("0")
        close_and_bare = bool(close) and not after
        staff_only = not (case_number_only or close_and_bare)
        return ParsedCommand(UNKNOWN_VERB, [word, number], options, staff_only=staff_only)

    def _match_verb(self, text: str) -> tuple[CommandSpec | None, int]:
        """Find the verb a text starts with; return its spec and where the text after it starts.

        People slip in a few ways that still mean the command: a colon after
        the verb (受理：0034), no space before the number (受理0034), and the
        word 工单 before it (受理工单0034, 受理 工单 0034).
        """
        # Longer verbs first, so a verb that begins with another verb is not cut short.
        for verb in sorted(self._by_verb, key=len, reverse=True):
            if not text.startswith(verb):
                continue
            rest = text[len(verb) :]
            if rest and not _takes_glued(self._by_verb[verb], rest):
                continue
            slips = _LEADING_SLIPS.match(rest)
            return self._by_verb[verb], len(verb) + (slips.end() if slips else 0)
        return None, 0


def _takes_glued(spec: CommandSpec, rest: str) -> bool:
    """Tell whether text right after a verb or slash name, with no space, starts the command's arguments."""
    return bool(_AFTER_VERB.match(rest)) or bool(spec.glued and spec.glued.fullmatch(rest))


def _command(spec: CommandSpec, text: str, folded: str, rest_at: int) -> ParsedCommand:
    # fold_characters maps one character to one, so an index into the folded
    # text is the same index into the text as typed.
    text, folded = _unwrap_case_numbers(text, folded, rest_at)
    text, folded = _detach_case_number(text, folded, rest_at)
    return ParsedCommand(spec, folded[rest_at:].split(), text[rest_at:].strip())


def _detach_case_number(text: str, folded: str, start: int) -> tuple[str, str]:
    """Replace the punctuation mark right after the leading case number with a space.

    Chinese input methods type a comma where a space belongs, as in
    "升级 0002，物业三天没人来", which would otherwise read
    "0002,物业三天没人来" as the case number. Both texts change at one index.
    """
    glued = _GLUED_PUNCTUATION.match(folded, start)
    if glued is None:
        return text, folded
    index = glued.start(1)
    return text[:index] + " " + text[index + 1 :], folded[:index] + " " + folded[index + 1 :]


def _unwrap_case_numbers(text: str, folded: str, start: int) -> tuple[str, str]:
    """Replace the brackets around the case numbers that open the arguments with spaces.

    Only the leading numbers lose their brackets (合并【0035】【0034】), so
    "(3)" in a note keeps them. Both texts change at the same indexes, which
    keeps them aligned.
    """
    at = start
    while bracketed := _BRACKETED_NUMBER.match(folded, at):
        for index in (bracketed.start(1), bracketed.start(2)):
            text = text[:index] + " " + text[index + 1 :]
            folded = folded[:index] + " " + folded[index + 1 :]
        at = bracketed.end()
    return text, folded


# A case number as people type it: 0034, #34, ＃34, 工单0034 or 工单号0034.
_CASE_NUMBER = r"(?:工单(?:编?号)?|[#＃])?\d{4}|(?:工单(?:编?号)?|[#＃])\d{1,3}"
_ONE_CASE_NUMBER = re.compile(rf"^(?:{_CASE_NUMBER})$")
_TWO_CASE_NUMBERS = re.compile(rf"^({_CASE_NUMBER})[,，、和]({_CASE_NUMBER})$")
# Words residents write after a case number when they ask how it is going:
# 0007进度, 0007的进展, 0007情况怎么样了, 0007有人管吗, 0007修好了没.
# `ask` contains at least one of them.
_PROGRESS_WORDS = (
    r"(?P<ask>(?:的)?(?:处理)?(?:进度|进展|情况|状态)?"
    r"(?:怎么样了?|怎样了?|如何了?|咋样了?|到哪了|呢|"
    r"有人(?:管|处理|跟进|理)(?:了?吗|了没有?|没有?)|(?:修|弄|解决|办)?好?了(?:吗|没有?))?)[?？。.．!！~～…]*"
)
_ASKING = re.compile(r"进度|进展|情况|状态|样|如何|到哪|吗|没")
PROGRESS_SUFFIX = re.compile(rf"号?{_PROGRESS_WORDS}$")
# A line that is only a case number and such words: 0007进度怎么样了.
_PROGRESS_QUESTION = re.compile(rf"^(?P<number>{_CASE_NUMBER})号?{_PROGRESS_WORDS}$")


def reject_second_case(ctx: CommandContext, verb: str) -> None:
    """Reject a second case number in a command that takes one case and a note.

    "受理 0001 0012" would otherwise accept 0001 and send "0012" to its
    reporters as the note.

    Raises:
        BadCommand: The command names two case numbers.
    """
    if not ctx.args:
        return
    pair = _TWO_CASE_NUMBERS.match(ctx.args[0])
    if pair is not None:
        first, second = pair.groups()
    elif len(ctx.args) > 1 and _ONE_CASE_NUMBER.match(ctx.args[1]):
        first, second = ctx.args[0], ctx.args[1]
    else:
        return
    msg = f"一条指令只能{verb}一个工单，请分开发送：“{verb} {first}”和“{verb} {second}”。"
    raise BadCommand(msg)


def reply_here(ctx: CommandContext, text: str, *, case_id: int | None = None) -> Reply:
    """Build a reply in the chat the command came from."""
    return Reply(
        target=chat_target(ctx.message),
        text=text,
        case_id=case_id,
        audience="group",
        reply_to=ctx.message.message_id,
    )


async def _unknown(ctx: CommandContext) -> list[Reply]:
    name = ctx.args[0] if ctx.args else ""
    return [reply_here(ctx, f"没有“/{name}”这个指令。发送“帮助”或 /help 查看可用指令。")]


UNKNOWN = CommandSpec(name="unknown", verbs=(), handler=_unknown, help="", example="")

# Words people use for a command, mapped to the verbs the bot has for it.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "关闭": ("办结", "撤回"),
    "结案": ("办结",),
    "完结": ("办结",),
    "完成": ("办结",),
    "解决": ("办结",),
    "取消": ("撤回",),
    "删除": ("撤回",),
    "作废": ("撤回",),
    "接单": ("受理",),
    "接收": ("受理",),
    "确认": ("受理",),
    "进度": ("查询",),
    "打开": ("重开",),
    "催办": ("升级",),
    "加急": ("升级",),
    "指派": ("转派",),
    "分派": ("转派",),
    "暂停": ("挂起",),
    "恢复": ("恢复计时",),
}
MAX_SUGGESTIONS = 3


def suggestions(word: str, verbs: dict[str, CommandSpec]) -> list[CommandSpec]:
    """Return up to three commands whose verb is a synonym of `word` or spelled like it."""
    found: list[CommandSpec] = [verbs[v] for v in _SYNONYMS.get(word, ()) if v in verbs]
    for verb in difflib.get_close_matches(word, list(verbs), n=MAX_SUGGESTIONS, cutoff=0.6):
        if verbs[verb] not in found:
            found.append(verbs[verb])
    return found[:MAX_SUGGESTIONS]


async def _unknown_verb(ctx: CommandContext) -> list[Reply]:
    # Someone chatting in a residents' group without addressing the bot gets
    # no lecture. A work group takes only commands, so a slip there gets a reply.
    addressed = ctx.message.is_private or ctx.message.mentions_bot or ctx.chat.kind == ChatKind.STAFF_GROUP
    if not addressed:
        return []
    word, options = ctx.args[0], ctx.rest
    if options:
        text = f"没有“{word}”这个指令。您可能想发送：{options}。发送“帮助”查看全部指令。"
    else:
        text = f"没有“{word}”这个指令。发送“帮助”查看全部指令。"
    return [reply_here(ctx, text)]


UNKNOWN_VERB = CommandSpec(name="unknown_verb", verbs=(), handler=_unknown_verb, help="", example="")
