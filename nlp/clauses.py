"""Split a message into clauses, so that one message can yield two findings.

"电梯坏了, 另外楼道灯也不亮" contains two problems for two teams. Splitting on
sentence marks, commas, spaces between phrases and connectives such as 另外
and 还有 gives the classifier one clause per problem to score.
"""

from __future__ import annotations

import re

_CONNECTIVE = "另外|还有就是|还有|再就是|顺便说|顺便|此外|再有|对了"
_BOUNDARY = re.compile(rf"[.!?;。！？；\n]+|,|，|\s+|(?={_CONNECTIVE})")
_HAS_CONNECTIVE = re.compile(_CONNECTIVE)

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


def split_clauses(text: str) -> list[str]:
    """Cut normalised text into clause strings; see clause_spans."""
    return [text[start:end] for start, end in clause_spans(text)]


def has_connective(text: str) -> bool:
    """Tell whether the text joins statements with 另外, 还有, 顺便 and the like."""
    return _HAS_CONNECTIVE.search(text) is not None
