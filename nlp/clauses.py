"""Split a message into clauses, so that one message can yield two findings.

"电梯坏了, 另外楼道灯也不亮" holds two problems for two teams. Splitting on
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


def split_clauses(text: str) -> list[str]:
    """Cut normalised text into clauses of at least MIN_CLAUSE_CHARS characters.

    Fragments that are too short are joined to the clause before them, so no
    word of the message is lost.

    Args:
        text: Normalised text.
    """
    clauses: list[str] = []
    for piece in _BOUNDARY.split(text):
        piece = piece.strip()
        if not piece:
            continue
        if clauses and len(piece) < MIN_CLAUSE_CHARS:
            clauses[-1] += " " + piece
        elif clauses and len(clauses[-1]) < MIN_CLAUSE_CHARS:
            clauses[-1] += " " + piece
        else:
            clauses.append(piece)
    return clauses


def has_connective(text: str) -> bool:
    """Tell whether the text joins statements with 另外, 还有, 顺便 and the like."""
    return _HAS_CONNECTIVE.search(text) is not None
