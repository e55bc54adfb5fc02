"""Escaping and splitting of reply text for the Bot API's HTML parse mode.

Replies are plain text. They are split first and escaped afterwards, so no
chunk ever ends inside an entity such as `&lt;` or inside a tag.
"""

from __future__ import annotations

import html

PARSE_MODE = "HTML"

# The Bot API accepts 1-4096 characters of message text after entity parsing
# and counts them in UTF-16 code units (core.telegram.org/bots/api#sendmessage).
MAX_MESSAGE_UNITS = 4096


def escape(text: str) -> str:
    """Escape plain text for parse_mode HTML: only <, > and & are special there."""
    return html.escape(text, quote=False)


def utf16_units(text: str) -> int:
    """Return the length of text as the Bot API counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_MESSAGE_UNITS) -> list[str]:
    """Split plain text into chunks of at most `limit` UTF-16 units.

    Chunks break after a newline where one is available, else after a space,
    else between two characters; characters are never cut in half. Joining
    the chunks gives back the text.

    Args:
        text: Plain text, not yet escaped.
        limit: Maximum chunk length in UTF-16 code units.

    Returns:
        The chunks in order; an empty text gives no chunks.
    """
    if limit < 2:
        msg = f"limit must be at least 2 UTF-16 units, got {limit}"
        raise ValueError(msg)

    chunks: list[str] = []
    rest = text
    while rest:
        if utf16_units(rest) <= limit:
            chunks.append(rest)
            break
        cut = _fitting_prefix(rest, limit)
        cut = _prefer_break(rest, cut)
        chunks.append(rest[:cut])
        rest = rest[cut:]
    return chunks


def _fitting_prefix(text: str, limit: int) -> int:
    # Counting code points one by one keeps an astral character (two UTF-16
    # units) whole.
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def _prefer_break(text: str, cut: int) -> int:
    for separator in ("\n", " "):
        position = text.rfind(separator, 0, cut)
        if position != -1:
            return position + 1
    return cut
