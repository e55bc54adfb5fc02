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

# Full-width ASCII (U+FF01..U+FF5E) sits exactly 0xFEE0 above its half-width
# twin; the ideographic space maps to a plain space.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20
# Chinese punctuation that has no full-width ASCII twin but the same role.
_FULL_WIDTH.update({ord("。"): ord("."), ord("、"): ord(","), ord("～"): ord("~")})
_FULL_WIDTH.update({ord("“"): ord('"'), ord("”"): ord('"'), ord("‘"): ord("'"), ord("’"): ord("'")})

# WeChat renders its built-in stickers as a bracketed name: [捂脸], [Facepalm].
# Notices use 【】 instead, which is left alone because it carries words.
_STICKER = re.compile(r"\[(?:[\u4e00-\u9fff]{1,4}|[A-Za-z]{2,12})\]")

# Pictographs, dingbats, flags, variation selectors and joiners.
_EMOJI = re.compile(
    "["
    "\U0001f000-\U0001faff"
    "\u2600-\u27bf"
    "\u2b00-\u2bff"
    "\u2300-\u23ff"
    "\ufe0e\ufe0f\u200d\u20e3"
    "]+"
)

# An @mention runs to the next space; WeChat ends it with U+2005.
_MENTION = re.compile(r"@[^\s@,.!?:;\u2005]{1,20}[\u2005 ]?")

_REPEATED_PUNCT = re.compile(r"([!?.,~;:…\-=*#])\1+")
_MIXED_MARKS = re.compile(r"[!?]{2,}")
_SPACES = re.compile(r"[ \t\u2005\u00a0]+")
_NEWLINES = re.compile(r"\s*[\r\n]+\s*")


def normalize(text: str) -> str:
    """Fold a raw message into the form the segmenter and model expect.

    The steps run in this order:

    1. @mentions are dropped. This runs before width folding, because the
       U+2005 that ends a WeChat mention is needed to find its end.
    2. Full-width forms become half-width.
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
    text = _MENTION.sub(" ", text)
    text = text.translate(_FULL_WIDTH)
    if not _TRADITIONAL.isdisjoint(text):
        text = zhconv.convert(text, "zh-cn")
    text = _STICKER.sub(" ", text)
    text = _EMOJI.sub(" ", text)
    text = _REPEATED_PUNCT.sub(r"\1", text)
    text = _MIXED_MARKS.sub(lambda match: match.group(0)[0], text)
    text = _NEWLINES.sub(" ", text)
    text = _SPACES.sub(" ", text)
    return text.strip()
