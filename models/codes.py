"""Compound codes as people type them: XQ0001, xq0001 or the full-width ＸＱ０００１ of Chinese input methods."""

from __future__ import annotations

import re
import unicodedata

# The maximum length of compound.code.
MAX_CODE_CHARS = 32
# A code is one word of ASCII letters and digits that starts with a letter,
# so 绑定 can take it as one word and it never reads as a case number.
_CODE = re.compile(rf"[A-Z][A-Z0-9]{{0,{MAX_CODE_CHARS - 1}}}")
# The form codes usually have (XQ0001): a word in it is meant as a code even
# when no compound has it.
_USUAL_CODE = re.compile(r"[A-Z]{1,6}[0-9]{2,8}")


def normalize_code(text: str) -> str:
    """Return a code in its stored form: half-width, upper case, without surrounding blanks."""
    return unicodedata.normalize("NFKC", text).strip().upper()


def is_code(text: str) -> bool:
    """Tell whether a normalized text has the form of a compound code."""
    return _CODE.fullmatch(text) is not None


def looks_like_code(text: str) -> bool:
    """Tell whether a normalized text has the usual form of a code, letters then digits."""
    return _USUAL_CODE.fullmatch(text) is not None
