"""Word segmentation: jieba plus the compound domain dictionary.

jieba splits 3栋 into 3 and 栋, which loses the fact that a building is
named. Numbers with their unit words are therefore cut out first with a
regular expression and kept as single tokens. jieba segments only the text
between them.
"""

from __future__ import annotations

import logging
import re
from importlib import resources
from pathlib import Path

import jieba

logger = logging.getLogger("nlp")

DOMAIN_DICTIONARY = "domain_dict.txt"

_CN_DIGITS = "零一二两三四五六七八九十百"

# Longer unit words first, so 号楼 wins over 号 and 平方米 over 平.
_UNITS = (
    "号楼|单元|平方米|平米|平方|块钱|个月|分钟|小时|公斤|公里|"
    "栋|幢|座|室|楼|层|户|号|方|平|米|元|块|度|吨|天|年|月|日|点|岁|斤|辆|台|次|家|%"
)
NUMBER_WITH_UNIT = re.compile(
    rf"(?:\d+(?:\.\d+)?\s?(?:{_UNITS})"
    rf"|[{_CN_DIGITS}]{{1,3}}(?:号楼|单元|栋|幢)"
    r"|\d{1,3}-\d{1,2}-\d{3,4}"
    r"|\d{1,3}-\d{3,4})"
)


def domain_words(path: Path | None = None) -> list[str]:
    """Return the words of the domain dictionary, in file order.

    Args:
        path: A dictionary file in jieba's format (word, frequency, part of
            speech); None reads the one shipped in the package.
    """
    if path is None:
        content = resources.files("nlp").joinpath(DOMAIN_DICTIONARY).read_text("utf-8")
    else:
        content = path.read_text("utf-8")
    return [line.split()[0] for line in content.splitlines() if line.strip()]


class Segmenter:
    """A jieba tokenizer with the domain dictionary, loaded once.

    A private jieba.Tokenizer is used rather than the module-level one, so
    the domain words do not leak into other users of jieba in the process.
    """

    def __init__(self, dictionary: Path | None = None) -> None:
        """Load jieba's main dictionary and the domain dictionary.

        Args:
            dictionary: The domain dictionary file; None uses the shipped one.
        """
        # jieba logs its loading progress at DEBUG through its own logger and
        # prints nothing once that logger is raised above INFO.
        jieba.setLogLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        source = resources.files("nlp").joinpath(DOMAIN_DICTIONARY) if dictionary is None else dictionary
        # jieba opens a path itself and never closes it; an open file avoids the leak.
        with source.open("rb") as handle:
            self._tokenizer.load_userdict(handle)
        logger.debug("segmenter ready")

    def cut(self, text: str) -> list[str]:
        """Segment normalised text into tokens.

        Numbers with a unit (3栋, 2单元, 1002室, 13楼, 90方) and dwelling codes
        such as 5-2-301 come out as one token each; spaces are dropped.

        Args:
            text: Normalised text, see nlp.normalize.normalize.
        """
        return [token for _, token in self.cut_spans(text)]

    def cut_spans(self, text: str) -> list[tuple[int, str]]:
        """Segment like cut(), with each token's start offset in the text.

        The offsets let the classifier give each clause of a message its own
        tokens without segmenting the message twice.
        """
        spans: list[tuple[int, str]] = []
        start = 0
        for match in NUMBER_WITH_UNIT.finditer(text):
            if match.start() > start:
                self._cut_plain(text[start : match.start()], start, spans)
            spans.append((match.start(), match.group(0).replace(" ", "")))
            start = match.end()
        if start < len(text):
            self._cut_plain(text[start:], start, spans)
        return spans

    def _cut_plain(self, piece: str, offset: int, spans: list[tuple[int, str]]) -> None:
        # jieba's tokens concatenate back to its input, so offsets add up.
        for token in self._tokenizer.lcut(piece, HMM=False):
            if not token.isspace():
                spans.append((offset, token))
            offset += len(token)
