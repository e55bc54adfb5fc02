"""Cheap text similarity for spotting two reports of the same problem."""

from __future__ import annotations

import re

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def bigrams(text: str) -> set[str]:
    """Return the set of character bigrams of a text, ignoring spaces and punctuation."""
    compact = _NOISE.sub("", text.lower())
    if len(compact) < 2:
        return {compact} if compact else set()
    return {compact[i : i + 2] for i in range(len(compact) - 1)}


# One or two shared bigrams (楼上, 每天) are common to unrelated fragments.
MIN_SHARED_BIGRAMS = 3


def similar(a: str, b: str, *, threshold: float) -> bool:
    """Tell whether two texts share enough bigrams, measured against the shorter one.

    The overlap coefficient suits chat, where one report is a short line and
    the other a long complaint about the same thing.
    """
    first, second = bigrams(a), bigrams(b)
    if not first or not second:
        return False
    shared = len(first & second)
    if shared < MIN_SHARED_BIGRAMS:
        return False
    return shared / min(len(first), len(second)) >= threshold
