"""Text clean-up applied before feature extraction and segmentation.

Group-chat messages mix full-width and half-width forms, traditional
characters, emoji, WeChat sticker codes such as [捂脸], runs of "!!!" and
@mentions. All of these change the character n-grams the model scores (and
the tokens jieba produces) without changing what the resident asked for, so
they are folded away here.
"""

from __future__ import annotations

import re
from importlib import resources

import zhconv
import zhconv.zhconv as _zhconv_tables


def _load_conversion_table() -> None:
    """Load zhconv's table once, by full path.

    Left to itself, zhconv loads the table on first use and leaves the file
    open, which raises a ResourceWarning. Given a path, it reads the file in a
    with block.
    """
    if _zhconv_tables.zhcdicts is None:
        with resources.as_file(resources.files("zhconv").joinpath("zhcdict.json")) as path:
            _zhconv_tables.loaddict(str(path))


_load_conversion_table()

# Characters that zhconv maps to another single character: the traditional
# forms. Text without any of them is left as it is, which skips zhconv's
# phrase matching for almost every message (it costs more than the rest of
# normalisation together). The skipped phrase rules are those written only in
# simplified characters, such as 么子 -> 幺子, which would misread dialect.
_TRADITIONAL = frozenset(
    key for key, value in zhconv.zhconv.getdict("zh-cn").items() if len(key) == 1 and key != value
)
# The same test as a regex class ran about nine times faster than a set
# lookup per character on short messages. CPython 3.11's re keeps the BMP
# part of a class as a bitmap but checks the characters above U+FFFF one by
# one (re._compiler._optimize_charset). So those few stay in a set, which
# is only consulted for text that has a character above U+FFFF.
_BMP_END = "\uffff"
_TRADITIONAL_BMP_CHARS = "".join(re.escape(char) for char in sorted(_TRADITIONAL) if char <= _BMP_END)
_TRADITIONAL_BMP = re.compile(f"[{_TRADITIONAL_BMP_CHARS}]")
_TRADITIONAL_ASTRAL = frozenset(char for char in _TRADITIONAL if char > _BMP_END)
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")

# Full-width ASCII (U+FF01..U+FF5E) sits exactly 0xFEE0 above its half-width
# twin; the ideographic space maps to a plain space.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20
# Chinese punctuation that has no full-width ASCII twin but the same role.
_FULL_WIDTH.update({ord("。"): ord("."), ord("、"): ord(","), ord("～"): ord("~")})
_FULL_WIDTH.update({ord("“"): ord('"'), ord("”"): ord('"'), ord("‘"): ord("'"), ord("’"): ord("'")})
# str.translate looks every character up in the table. Finding the few
# full-width characters with one regex and replacing only those costs less.
_FULL_WIDTH_CHARS = {chr(code): chr(half) for code, half in _FULL_WIDTH.items()}
_FULL_WIDTH_PATTERN = re.compile(f"[{''.join(map(re.escape, _FULL_WIDTH_CHARS))}]")
# The full-width marks that chat lines use most, in falling order of use.
_COMMON_FULL_WIDTH = ("，", "。", "！", "？", "：", "、")

# WeChat renders its built-in stickers as a bracketed name: [捂脸], [Facepalm].
# Notices use 【】 instead, which is left alone because it carries words.
_STICKER = re.compile(r"\[(?:[\u4e00-\u9fff]{1,4}|[A-Za-z]{2,12})\]")

# Every single-character fold of fold_characters, as a str.translate table.
_CHARACTER_FOLDS = {ord(char): ord(zhconv.zhconv.getdict("zh-cn")[char]) for char in _TRADITIONAL}
_CHARACTER_FOLDS.update(_FULL_WIDTH)

# Pictographs, dingbats, flags, variation selectors and joiners.
_EMOJI_CHARS = "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\ufe0e\ufe0f\u200d\u20e3"
# "[...][...]*" rather than "[...]+": re skips in C to a pattern's first
# character only when the pattern opens with a class, not with a repeat.
_EMOJI = re.compile(f"[{_EMOJI_CHARS}][{_EMOJI_CHARS}]*")
# Every traditional character and emoji is in this class, so text without a
# match needs neither zhconv nor the emoji step.
_UNUSUAL = re.compile(f"[{_TRADITIONAL_BMP_CHARS}{_EMOJI_CHARS}\U00010000-\U0010ffff]")

# An @mention runs to the next space or punctuation mark; WeChat ends it with
# U+2005. It runs before width folding, so the full-width marks are listed
# too: a typed "@物业，电梯困人了" must keep everything after the comma. One
# separator after the name goes with it.
# A link carries nothing a person reads as a problem, and its digits would
# read as rooms (t.cn/1202).
_LINK = re.compile(r"(?:https?://|www\.)[!-~]*", re.IGNORECASE)
_MENTION = re.compile(r"@[^\s@,.!?:;\u2005\u3000，。！？：；、]{1,20}[\u2005 ,，:：]?")

_REPEATED_PUNCT = re.compile(r"([!?.,~;:…\-=*#])\1+")
_MIXED_MARKS = re.compile(r"[!?]{2,}")
_SPACES = re.compile(r"[ \t\u2005\u00a0]+")
_NEWLINES = re.compile(r"\s*[\r\n]+\s*")


def normalize(text: str) -> str:
    """Fold a raw message into the form the segmenter and model expect.

    The steps run in this order:

    1. @mentions are dropped. This runs before width folding, because the
       U+2005 that ends a WeChat mention is needed to find its end.
    2. Full-width forms become half-width, then links are dropped.
    3. Traditional characters become simplified.
    4. Stickers and emoji are removed.
    5. Repeated punctuation collapses to one mark.
    6. Whitespace collapses to single spaces.

    Numbers and their unit words are left untouched, so 3栋, 2单元 and 1002室
    survive as written.

    Args:
        text: The message as received.

    Returns:
        The normalised message; an empty string for an empty input.
    """
    if not text:
        return ""

    # Each substitution below is skipped when the text lacks a character that
    # every match needs. A skipped call costs a substring test instead of a
    # regex scan, and the result is the same.
    if "@" in text:
        text = _MENTION.sub(" ", text)
    text = _fold_full_width(text)
    if "://" in text or "www." in text or "WWW." in text:
        text = _LINK.sub(" ", text)
    # A sticker becomes a space, so without unusual characters before the
    # sticker step there are none after it either.
    unusual = _UNUSUAL.search(text) is not None
    if unusual and _has_traditional(text):
        text = zhconv.convert(text, "zh-cn")
    if "[" in text:
        text = _STICKER.sub(" ", text)
    if unusual:
        text = _EMOJI.sub(" ", text)

    # A callable replacement keeps re from parsing a template on every call.
    text = _REPEATED_PUNCT.sub(_first_group, text)
    if "!" in text or "?" in text:
        text = _MIXED_MARKS.sub(_first_character, text)

    if "\n" in text or "\r" in text:
        text = _NEWLINES.sub(" ", text)
    # A lone plain space is already what _SPACES writes.
    if "  " in text or "\t" in text or "\u2005" in text or "\u00a0" in text:
        text = _SPACES.sub(" ", text)
    return text.strip()


def fold_characters(text: str) -> str:
    """Fold full-width forms and traditional characters, one character for one.

    Unlike normalize, nothing is removed or merged, so an index into the
    result is the same index into `text`. Command parsing relies on that: it
    reads the verb and arguments from the folded text and keeps a note's
    characters as the person typed them. The traditional characters are
    mapped one by one, without zhconv's phrase rules, which is enough for
    command verbs and their arguments.
    """
    if _FULL_WIDTH_PATTERN.search(text) is None and _UNUSUAL.search(text) is None:
        return text
    return text.translate(_CHARACTER_FOLDS)


def _has_traditional(text: str) -> bool:
    if _TRADITIONAL_BMP.search(text):
        return True
    return _ASTRAL.search(text) is not None and not _TRADITIONAL_ASTRAL.isdisjoint(text)


def _fold_full_width(text: str) -> str:
    if _FULL_WIDTH_PATTERN.search(text) is None:
        return text
    # str.replace costs less than a Python call per match of the regex below.
    for char in _COMMON_FULL_WIDTH:
        if char in text:
            text = text.replace(char, _FULL_WIDTH_CHARS[char])
    return _FULL_WIDTH_PATTERN.sub(_half_width, text)


def _half_width(match: re.Match[str]) -> str:
    return _FULL_WIDTH_CHARS[match.group()]


def _first_group(match: re.Match[str]) -> str:
    return match.group(1)


def _first_character(match: re.Match[str]) -> str:
    return match.group(0)[0]
