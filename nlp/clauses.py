"""Split a message into clauses and into topics.

"电梯坏了, 另外楼道灯也不亮" raises two problems for two teams, while
"烧烤店还在吵, 排风扇轰轰响, 油烟往家里灌" describes one problem in three
clauses. Residents mark a second topic with a connective (另外, 还有, 顺便,
此外, 对了...) or by naming another building at the start of a clause
("3栋电梯坏了, 5栋楼道灯也不亮"), so topic_spans cuts only there. The
classifier still keeps a cut part in the topic before it unless the part
raises a problem of its own. clause_spans cuts at every
sentence mark, comma and space, for callers that want the finer cut.
"""

from __future__ import annotations

import re

_CONNECTIVE = "另外|还有就是|还有|再就是|顺便说|顺便问|顺便|此外|再有|对了|再说"
_BOUNDARY = re.compile(rf"[.!?;。！？；\n]+|,|，|\s+|(?={_CONNECTIVE})")
# A connective starts a new topic only at the start of a clause: "还有" in
# "到现在还有人在吵" continues the same complaint.
_TOPIC_START = re.compile(rf"(?:^|(?<=[.!?;,。！？；，\s]))(?:{_CONNECTIVE})")
_HAS_CONNECTIVE = re.compile(_CONNECTIVE)
# A character that a clause-opening connective may follow, as in _TOPIC_START.
_CLAUSE_END = re.compile(r"[.!?;,。！？；，\s]")
# A building named by number: 3栋, 5号楼, 七幢. Normalisation has already
# turned full-width digits into ASCII ones.
_BUILDING = re.compile(r"(\d+|[一二三四五六七八九十]+)(?:号楼|栋|幢|座)")

# Clauses shorter than this are fragments ("对了", "谢谢"), not problems.
MIN_CLAUSE_CHARS = 4


def clause_spans(text: str) -> list[tuple[int, int]]:
    """Cut normalised text into clauses, as (start, end) offsets.

    Clauses shorter than MIN_CLAUSE_CHARS are joined to their neighbour, so
    no word of the message is lost and no clause is a bare fragment.

    Args:
        text: Normalised text.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in [*_BOUNDARY.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = text[start:end].strip()
        if piece:
            piece_start = text.index(piece, start)
            piece_end = piece_start + len(piece)
            short = len(piece) < MIN_CLAUSE_CHARS
            if spans and (short or spans[-1][1] - spans[-1][0] < MIN_CLAUSE_CHARS):
                spans[-1] = (spans[-1][0], piece_end)
            else:
                spans.append((piece_start, piece_end))
        if match:
            start = match.end()
    return spans


def topic_spans(text: str) -> list[tuple[int, int]]:
    """Cut normalised text where a connective opens a clause, as (start, end) offsets.

    Each span after the first starts at its connective. A span shorter than
    MIN_CLAUSE_CHARS without its connective is joined to the one before.

    Args:
        text: Normalised text.
    """
    starts = sorted({*_topic_starts(text), *_building_starts(text)} - {0})
    spans: list[tuple[int, int]] = []
    previous = 0
    for start in [*starts, len(text)]:
        piece = text[previous:start]
        if spans and len(piece.strip(" ,.!?;")) < MIN_CLAUSE_CHARS + 2:
            spans[-1] = (spans[-1][0], start)
        elif piece.strip():
            spans.append((previous, start))
        previous = start
    return spans


def _topic_starts(text: str) -> list[int]:
    """Return the start of each match of _TOPIC_START, found faster.

    _TOPIC_START opens with a lookbehind, so re runs its matcher at every
    position. _HAS_CONNECTIVE opens with literal characters, which re skips
    to directly, and the clause-start check then runs on its few matches.
    Both give the same starts. A connective contains no punctuation or
    space, so a match rejected for its position never covers the boundary
    that a later accepted match needs.
    """
    # Most messages contain no connective, and one search finds that faster
    # than starting an iteration.
    if _HAS_CONNECTIVE.search(text) is None:
        return []
    return [
        match.start()
        for match in _HAS_CONNECTIVE.finditer(text)
        if match.start() == 0 or _CLAUSE_END.match(text, match.start() - 1)
    ]


def _building_starts(text: str) -> list[int]:
    """Return where a clause opens by naming a building other than the one named before it.

    "3栋电梯坏了, 5栋楼道灯也不亮" starts a topic at 5栋, while "3栋2单元,
    电梯坏了" and "5栋灯坏了 5栋门禁也坏了" name no other building.
    """
    # Every match ends in one of _BUILDING's unit words, and most messages
    # have none. Substring tests cost far less than the scan, which tries
    # the pattern at every position because it opens with a group.
    if "栋" not in text and "号楼" not in text and "幢" not in text and "座" not in text:
        return []
    starts = []
    previous = None
    for match in _BUILDING.finditer(text):
        name = match.group(1)
        opens_clause = match.start() > 0 and _CLAUSE_END.match(text, match.start() - 1)
        if previous is not None and name != previous and opens_clause:
            starts.append(match.start())
        previous = name
    return starts


def split_clauses(text: str) -> list[str]:
    """Cut normalised text into clause strings; see clause_spans."""
    return [text[start:end] for start, end in clause_spans(text)]


# 而且 and 并且 open a clause that often continues the same complaint, so they
# never cut a topic, but a finding's text that starts with one drops it too.
_LEADING_CONNECTIVE = re.compile(rf"^\s*(?:{_CONNECTIVE}|而且|并且)[\s,，:：]*")


def strip_connective(text: str) -> str:
    """Remove the connective that opens a clause: "另外垃圾桶满了" becomes "垃圾桶满了"."""
    return _LEADING_CONNECTIVE.sub("", text, count=1)


def has_connective(text: str) -> bool:
    """Tell whether the text joins statements with 另外, 还有, 顺便 and the like."""
    return _HAS_CONNECTIVE.search(text) is not None


def opens_topic(text: str) -> bool:
    """Tell whether a connective such as 另外 or 还有 opens a clause, as in "另外门禁也坏了".

    Unlike has_connective, "到现在还有人在吵" does not count, because its 还有
    is inside a clause.

    Args:
        text: Normalised text.
    """
    return bool(_topic_starts(text))
