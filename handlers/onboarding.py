"""First contact in a private chat: ask once where the resident lives, and remember it.

A group is bound to its compound by the liaison officer. No officer is in a
private chat, so the resident replies with the compound's code or name (or
scans the compound's QR code, whose scene value is the code) and,
optionally, the building. The chat is then bound like a group, and later
reports go through the same pipeline. Reports sent before that are kept as
unbound raw messages, and the pipeline registers them once the chat is bound.
"""

from __future__ import annotations

import enum
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from difflib import SequenceMatcher

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import onboarding_texts as texts
from handlers.directory import bind_chat, compound_by_code
from handlers.messages import InboundMessage, Reply, chat_target
from handlers.register_address import MAX_BUILDING_NUMBER, building_number
from models import ChatGroup, Compound, Member, PrivateChatHome
from nlp.findings import Finding, Location
from nlp.locate import address_leftover, extract_location
from nlp.normalize import normalize as normalize_text
from nlp.subjects import subjects

log = logging.getLogger("handlers.onboarding")

# Compound codes are letters then digits (XQ0001); a QR scene value may add
# the building after a separator (XQ0001-3, XQ0001_3).
_CODE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,6}\d{2,8})(?:[-_#](\d{1,4}))?(?![A-Za-z0-9])")
# A line that is a code and nothing else, as a scanned QR code sends it.
_BARE_CODE = re.compile(r"[A-Za-z]{1,6}\d{2,8}(?:[-_#]\d{1,4})?")
# A building number as typed with its word (0栋, 99999号楼, 零栋, 〇栋), read
# before nlp.locate drops numbers it cannot take for a building.
_TYPED_BUILDING = re.compile(r"(?<![0-9A-Za-z])([0-9]+|[零〇一二两三四五六七八九十百]+)\s?(?:栋|幢|号楼)")
# Residents write "翠竹园小区" as often as "翠竹园".
_COMPOUND_WORD = "小区"
# Words before the name in "我住阳光花苑3栋"; 我, 在 and 是 are address fillers already.
_LIVE_WORD = "住"
# The share of a compound's name, in order, that a misspelt try must contain
# to be offered: 阳光花苑 has 3 of the 4 characters of 阳光花园, 金桂 2 of 3.
_MIN_LIKENESS = 0.6
# After the question, small talk gets no reply until this long after the
# bot last asked, so a resident who writes 你好 then 在吗 is asked once,
# while one who comes back the next day is reminded.
REMINDER_INTERVAL = timedelta(hours=24)


class LineKind(enum.Enum):
    """Kind of a line in a private chat that names no compound yet, which decides the onboarding's reply."""

    # A problem, kept until the resident names their home.
    REPORT = "report"
    # A question about the bot itself, answered with the usage help.
    QUESTION = "question"
    # A greeting, thanks, small talk or a try at the address.
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class HomeAnswer:
    """The compound and building a resident's reply to the question names.

    Attributes:
        compound: The compound, when the code or the name identifies exactly one.
        building: The building number, if the reply gives one.
        unknown_code: A code that names no compound.
        candidates: Compounds whose names all appear in the reply, when there
            are several and none contains the others.
        close: Compounds whose names are closest to a name that matches
            none, such as 阳光花园 for 阳光花苑.
        names_home: The reply gives a building and a few other characters,
            so it tries to name the home even when no compound matches.
    """

    compound: Compound | None = None
    building: str | None = None
    unknown_code: str | None = None
    candidates: tuple[Compound, ...] = ()
    close: tuple[Compound, ...] = ()
    names_home: bool = False


def invalid_building(text: str) -> str | None:
    """Return the first building number in a line that the register would reject (0, over 999), as typed.

    The compound code's scene suffix counts too (XQ0001-0), and so do
    numbers in Chinese numerals (零栋, 一〇〇〇栋).
    """
    folded = unicodedata.normalize("NFKC", text)
    coded = _CODE.search(folded)
    numbers = [coded.group(2)] if coded is not None and coded.group(2) else []
    numbers += _TYPED_BUILDING.findall(folded)
    for number in numbers:
        if not 1 <= building_number(number) <= MAX_BUILDING_NUMBER:
            return number
    return None


def parse_home(text: str) -> tuple[str, str | None] | None:
    """Return the compound code and building a resident wrote, or None if there is no code.

    Full-width letters and digits (ＸＱ0001 ３栋) read as their ASCII forms.
    """
    folded = unicodedata.normalize("NFKC", text).removeprefix("qrscene_")
    match = _CODE.search(folded)
    if match is None:
        return None
    building = match.group(2)
    if building is None:
        rest = folded[: match.start()] + " " + folded[match.end() :]
        building = extract_location(normalize_text(rest)).building
    return match.group(1).upper(), building


# The longest leftover, once the address words are gone, that still reads as
# a try at the compound's name ("金桂 3栋", "花园3栋") rather than a problem.
_MAX_NAME_TRY = 8
# A short name and an ending that compound names have: 月亮小区, 金桂花园, 翠湖苑.
_COMPOUND_NAME = re.compile(r"(.{1,4}?)(?:小区|花园|家园|花苑|苑|园|新村|公寓|山庄|社区|大院)")


def tries_to_name_home(text: str, findings: list[Finding], triage_threshold: float) -> bool:
    """Tell whether a line in an unbound private chat names the home rather than reports a problem.

    Such lines must not turn into cases once the chat is bound. A line with
    a compound code counts, known or not ("XQ9999 3栋"). So does a building
    with a few other characters when no finding is confident, because
    "3栋电梯坏了" is a report while "金桂 3栋" is a misspelt name.
    """
    if parse_home(text) is not None:
        return True
    folded = normalize_text(text)
    if not _gives_building_and_name(folded):
        return False
    if _gives_compound_name(folded):
        return True
    return not any(f.actionable and (f.urgent or f.confidence >= triage_threshold) for f in findings)


def _gives_building_and_name(folded: str) -> bool:
    if extract_location(folded).building is None:
        return False
    return len(_name_try(folded)) <= _MAX_NAME_TRY


def _gives_compound_name(folded: str) -> bool:
    """Tell whether a line's only words besides the address are a name with a compound's ending.

    The classifier reads a problem into some of these lines ("月亮小区 2栋"
    as a repair), but a name that ends like a compound's and names no thing
    is a try at the home.
    """
    leftover = address_leftover(folded).replace(_LIVE_WORD, "")
    match = _COMPOUND_NAME.fullmatch(leftover)
    return match is not None and not subjects(match.group(1))


async def read_home(session: AsyncSession, text: str) -> HomeAnswer:
    """Find the compound and building a resident's free-text reply names.

    A code wins over a name. A name counts when it appears whole in the reply,
    with or without 小区 after it. Both are compared after nlp.normalize,
    so traditional characters (陽光花園 3棟) and full-width forms match.
    When several names appear, the longest one is taken if it contains all
    the others (阳光花园二期 over 阳光花园), and otherwise the reply is
    ambiguous. When none appears, the closest names are offered.
    """
    coded = parse_home(text)
    if coded is not None:
        code, building = coded
        compound = await compound_by_code(session, code)
        if compound is not None:
            return HomeAnswer(compound=compound, building=building)

    folded = normalize_text(text)
    compounds = list(await session.scalars(select(Compound)))
    named = [c for c in compounds if _names(folded, c, compounds)]
    if not named:
        if coded:
            return HomeAnswer(unknown_code=coded[0])
        containing = _names_containing(folded, compounds)
        if len(containing) > 1:
            # "阳光" is part of 阳光花园 and 阳光小区 alike.
            return HomeAnswer(candidates=containing)
        return HomeAnswer(
            building=extract_location(folded).building,
            # Part of one compound's name (阳光 of 阳光花园) is offered like a
            # misspelt name, because it may still be a try at another name.
            close=containing or _closest(folded, compounds),
            # "3栋" alone names no compound at all, so it gets the reminder instead.
            names_home=_gives_building_and_name(folded) and bool(_name_try(folded)),
        )

    longest = max(named, key=lambda c: len(_plain_name(c)))
    if any(_plain_name(c) not in _plain_name(longest) for c in named):
        return HomeAnswer(candidates=tuple(sorted(named, key=lambda c: c.code)))

    rest = folded.replace(_plain_name(longest) + _COMPOUND_WORD, " ").replace(_plain_name(longest), " ")
    building = extract_location(rest).building
    return HomeAnswer(compound=longest, building=building)


def words_beside_home(text: str, compound: Compound) -> str | None:
    """Return a line that named the compound without its name and code, or None when only an address is left.

    "我住阳光花园3栋，电梯坏了" both names the home and reports a problem,
    and the problem is "我住3栋,电梯坏了" without the compound's name or code.
    """
    folded = normalize_text(_CODE.sub(" ", unicodedata.normalize("NFKC", text).removeprefix("qrscene_")))
    full = normalize_text(compound.name).strip()
    plain = _plain_name(compound)
    for name in (full + _COMPOUND_WORD, full, plain + _COMPOUND_WORD, plain):
        if name:
            folded = folded.replace(name, " ")
    rest = " ".join(folded.split())
    return rest if _name_try(rest) else None


def text_without_code(text: str, compound: Compound) -> str:
    """Return the line as the resident wrote it without the compound's code, which names no part of the problem.

    "XQ0002 8栋 电梯坏了" becomes "8栋 电梯坏了": the code is how the bot
    found the home, while the building still places the problem. The code
    is matched as typed, in either case and in full-width forms.
    """
    folded = unicodedata.normalize("NFKC", text)
    if len(folded) != len(text):
        # NOTE: a line whose characters NFKC merges or splits keeps its code,
        # because the code's place in it cannot be mapped back.
        return text.strip()
    spans = [m.span() for m in _CODE.finditer(folded) if m.group(0).upper() == compound.code.upper()]
    for start, end in reversed(spans):
        text = text[:start] + " " + text[end:]
    return " ".join(text.split()).strip(" ,，、:：")


def _name_try(folded: str) -> str:
    """Return a normalised line without its address, 小区 and 住, which leaves the try at a name."""
    return address_leftover(folded).replace(_COMPOUND_WORD, "").replace(_LIVE_WORD, "")


def _closest(folded: str, compounds: list[Compound]) -> tuple[Compound, ...]:
    """Return the compounds whose names the line comes closest to, if any comes close enough.

    Both sides lose the same address words first, so a name that contains
    one (金门花园) is compared on equal terms.
    """
    tried = _name_try(folded)
    if len(tried) < 2:  # noqa: PLR2004 - one character matches too many names
        return ()
    scored: list[tuple[float, Compound]] = []
    for compound in compounds:
        name = _name_try(_plain_name(compound))
        if not name:
            continue
        blocks = SequenceMatcher(None, tried, name, autojunk=False).get_matching_blocks()
        matched = sum(block.size for block in blocks)
        # Over the longer of the two, so the short 阳光 of 阳光小区 is not
        # a perfect match for 阳光花苑.
        likeness = matched / max(len(name), len(tried))
        if matched >= 2 and likeness >= _MIN_LIKENESS:  # noqa: PLR2004 - as above
            scored.append((likeness, compound))
    if not scored:
        return ()
    best = max(likeness for likeness, _compound in scored)
    return tuple(sorted((c for likeness, c in scored if likeness == best), key=lambda c: c.code))


async def onboard(
    session: AsyncSession,
    chat: ChatGroup,
    member: Member,
    message: InboundMessage,
    now: datetime,
    *,
    line: LineKind = LineKind.QUESTION,
) -> list[Reply]:
    """Handle a message in a private chat that is bound to no compound yet.

    A reply that identifies one compound binds the chat. A misspelt name
    gets the closest compounds, and a building with an unknown name gets
    "没有找到该小区". A report is noted and a question about the bot gets
    the usage help, each time. Anything else gets the question the first
    time, and afterwards a short reminder only once REMINDER_INTERVAL has
    passed since the bot last asked, so a resident is not asked on every line.

    Args:
        line: What the line is. Telegram's /start leaves the default, so it
            always gets the usage help with the question.
    """
    home = await _home_for(session, chat, member)
    wrong_building = invalid_building(message.text)
    if wrong_building is not None:
        # Binding the compound alone would hide the typo, so the resident sends the line again.
        home.asked_at = now
        return [_reply(message, texts.invalid_building(wrong_building, MAX_BUILDING_NUMBER))]
    answer = await read_home(session, message.text)
    if answer.compound is not None:
        await _remember(session, home, chat, answer.compound, answer.building, now)
        log.info(
            "private chat bound: platform=%s chat=%s compound=%s",
            chat.platform,
            chat.id,
            answer.compound.id,
        )
        return [_reply(message, texts.welcome(answer.compound, answer.building))]

    first = home.asked_at is None
    text = _answer_to(answer, chat.platform, line, first=first)
    if text is None:
        asked = home.asked_at
        if asked is not None and now - asked < REMINDER_INTERVAL:
            return []
        text = texts.question(chat.platform, reported=False) if first else texts.reminder(chat.platform)
    home.asked_at = now
    return [_reply(message, text)]


def _answer_to(answer: HomeAnswer, platform: str, line: LineKind, *, first: bool) -> str | None:
    """Return the reply to a line that binds no chat, or None for small talk."""
    reported = line is LineKind.REPORT
    greeting = texts.GREETING if first else ""
    if answer.unknown_code is not None:
        # A QR code printed for a compound that was since removed, or a typo.
        not_found = texts.code_not_found(answer.unknown_code)
        if first:
            return texts.question(platform, reported=False, before=not_found)
        return f"{not_found}请核对后重新发送，例如“XQ0001 3栋”。"
    if answer.candidates:
        return greeting + texts.ambiguous(answer.candidates)
    # A report that happens to resemble a compound's name is not a try at it.
    if not reported and answer.close:
        return greeting + texts.suggestion(answer.close, answer.building)
    if not reported and answer.names_home:
        return greeting + texts.name_not_found(platform)
    if reported or answer.building is not None:
        # "5栋" alone is a try at the address too, so the reply names what is missing.
        return texts.question(platform, reported=reported) if first else texts.reminder(platform, reported=reported)
    if line is LineKind.QUESTION:
        return texts.usage(platform, first=first)
    return None


async def rescan(
    session: AsyncSession, chat: ChatGroup, member: Member, message: InboundMessage, now: datetime
) -> list[Reply] | None:
    """Handle a bound private chat's line that is nothing but a compound code, as a scanned QR code sends.

    A resident who scans another compound's code has moved or named the
    wrong home before, so the chat follows the new code and the reply tells
    the resident. Returns None when the line is not a bare code.
    """
    folded = unicodedata.normalize("NFKC", message.text).strip()
    if not _BARE_CODE.fullmatch(folded.removeprefix("qrscene_")):
        return None
    answer = await read_home(session, folded)
    if answer.compound is None:
        code = answer.unknown_code or folded
        current = chat.compound.name if chat.compound is not None else "原来的小区"
        return [_reply(message, f"{texts.code_not_found(code)}您登记的住址没有改动，仍是{current}。")]
    home = await _home_for(session, chat, member)
    moved = answer.compound.id != chat.compound_id
    await _remember(session, home, chat, answer.compound, answer.building, now)
    if not moved:
        return [_reply(message, texts.welcome(answer.compound, answer.building))]
    log.info("private chat moved: platform=%s chat=%s compound=%s", chat.platform, chat.id, answer.compound.id)
    where = f"{answer.compound.name}{answer.building}栋" if answer.building else answer.compound.name
    text = f"您好，已把您的住址改为{where}。此后您在这里反映的问题将登记到该小区；已有的工单不变。"
    return [_reply(message, text)]


async def carry_home(session: AsyncSession, chat: ChatGroup, member: Member, now: datetime) -> bool:
    """Bind an unbound private chat to the home its member already named in another private chat.

    A WeCom member writes to both the self-built app and the AI bot, and
    should not be asked twice where they live. Returns whether the chat is
    now bound.
    """
    known = await session.scalar(
        select(PrivateChatHome)
        .where(
            PrivateChatHome.member_id == member.id,
            PrivateChatHome.compound_id.is_not(None),
            PrivateChatHome.answered_at.is_not(None),
        )
        .order_by(PrivateChatHome.answered_at.desc(), PrivateChatHome.id.desc())
        .limit(1)
    )
    if known is None:
        return False
    compound = await session.get_one(Compound, known.compound_id)
    home = await _home_for(session, chat, member)
    await _remember(session, home, chat, compound, known.building, now)
    log.info("private chat bound from another chat of the member: platform=%s chat=%s", chat.platform, chat.id)
    return True


async def add_home_building(
    session: AsyncSession, chat: ChatGroup, message: InboundMessage, location: Location, now: datetime
) -> list[Reply]:
    """Record the building a resident sends after naming only the compound, and confirm it.

    Returns no reply when the line gives no building or the home has one
    already, because a bare address in a private chat raises no problem.
    """
    home = await home_of(session, chat.platform, chat.chat_id)
    if home is None or home.building or not location.building or chat.compound is None:
        return []
    wrong_building = invalid_building(message.text)
    if wrong_building is not None:
        return [_reply(message, texts.invalid_building(wrong_building, MAX_BUILDING_NUMBER))]
    home.building = location.building
    home.answered_at = now
    log.info("private chat building recorded: platform=%s chat=%s", chat.platform, chat.id)
    return [_reply(message, texts.welcome(chat.compound, location.building))]


async def home_of(session: AsyncSession, platform: str, chat_id: str) -> PrivateChatHome | None:
    """Return the home the resident of a private chat named, if they named one."""
    return await session.scalar(
        select(PrivateChatHome).where(
            PrivateChatHome.platform == platform, PrivateChatHome.chat_id == chat_id
        )
    )


async def _home_for(session: AsyncSession, chat: ChatGroup, member: Member) -> PrivateChatHome:
    home = await home_of(session, chat.platform, chat.chat_id)
    if home is None:
        home = PrivateChatHome(platform=chat.platform, chat_id=chat.chat_id, member_id=member.id)
        session.add(home)
        await session.flush()
    return home


async def _remember(
    session: AsyncSession,
    home: PrivateChatHome,
    chat: ChatGroup,
    compound: Compound,
    building: str | None,
    now: datetime,
) -> None:
    home.compound_id = compound.id
    home.building = building
    home.answered_at = now
    await bind_chat(session, chat, compound, now)


def registered_before(case_lines: list[str]) -> str:
    """Tell a resident that what they reported before naming their compound is now registered."""
    return "您登记住址前反映的问题已转为工单：\n" + "\n".join(case_lines)


def _plain_name(compound: Compound) -> str:
    name = normalize_text(compound.name).strip()
    if name.endswith(_COMPOUND_WORD) and len(name) > len(_COMPOUND_WORD) + 1:
        name = name.removesuffix(_COMPOUND_WORD)
    return name


def _names(text: str, compound: Compound, compounds: list[Compound]) -> bool:
    """Tell whether the text names the compound by its full name, or by an alias only it has.

    The alias is the name without 小区 (阳光 for 阳光小区). It counts only
    when no other compound's name contains it, and when no Chinese character
    follows it, because 阳光花苑 is a try at another name, not 阳光 with more.
    """
    full = normalize_text(compound.name).strip()
    if full and full in text:
        return True
    alias = _plain_name(compound)
    if not alias or alias == full:
        return False
    if any(alias in _plain_name(other) for other in compounds if other.id != compound.id):
        return False
    start = text.find(alias)
    while start >= 0:
        following = text[start + len(alias) : start + len(alias) + 1]
        if not _is_han(following):
            return True
        start = text.find(alias, start + 1)
    return False


def _names_containing(folded: str, compounds: list[Compound]) -> tuple[Compound, ...]:
    """Return the compounds whose names contain the whole try at a name, such as 阳光 for 阳光花园."""
    tried = _name_try(folded)
    if len(tried) < 2:  # noqa: PLR2004 - one character matches too many names
        return ()
    return tuple(sorted((c for c in compounds if tried in _plain_name(c)), key=lambda c: c.code))


def _is_han(char: str) -> bool:
    return bool(char) and unicodedata.name(char, "").startswith("CJK UNIFIED IDEOGRAPH")


def _reply(message: InboundMessage, text: str) -> Reply:
    return Reply(
        target=chat_target(message),
        text=text,
        audience="reporter",
        reply_to=message.message_id,
    )
