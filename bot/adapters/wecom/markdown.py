"""Plain text made safe to send as a WeCom markdown message.

Group robots (webhook/send), AI-bot replies through a response_url and the
AI bot's long-connection streams and pushes all render their content as
markdown. WeCom's docs (群机器人配置说明, and 智能机器人 主动回复消息 at
developer.work.weixin.qq.com/document/path/101138) list the syntax they
render (headings, bold, italic, links, images, quotes, lists, code,
<font color> and <@userid> mentions) but define no escape sequence, so a
backslash is not known to keep a character literal there. The bot's texts
are plain text and carry what residents wrote, so every character that
starts markup is replaced by its full-width form. The full-width forms read
the same in Chinese text, and no markdown parser treats them as syntax.

NOTE: A bare URL in a resident's text is kept, and a renderer may still link
it. The link then shows the real address.
"""

from __future__ import annotations

import re

from bot.adapters.wecom.limits import split_utf8

# Characters that open markup anywhere in a line: emphasis, code, links and
# images, HTML tags such as <font> and <@userid>, quotes, headings,
# strikethrough, tables and HTML entities.
_INLINE = str.maketrans(
    {
        "*": "＊",
        "_": "＿",
        "`": "｀",
        "[": "［",
        "]": "］",
        "<": "＜",
        ">": "＞",
        "#": "＃",
        "~": "～",
        "|": "｜",
        "&": "＆",
    }
)
# At the start of a line, "-", "+" and "1." open a list, "-" and "=" under a
# line make it a heading, and four spaces of indentation open a code block.
_LINE_START = str.maketrans({"-": "－", "+": "＋", "=": "＝"})
_ORDERED_MARKER = re.compile(r"^(\d+)([.)])(?=\s|$)")
_FULL_WIDTH_MARKER = {".": "．", ")": "）"}
# Escaping turns a one-byte ASCII character into a three-byte full-width one.
_MAX_GROWTH = 3


def escape_markdown(text: str) -> str:
    """Return plain text with every markdown-starting character made literal."""
    return "\n".join(_escape_line(line) for line in text.split("\n"))


def _escape_line(line: str) -> str:
    line = line.lstrip(" \t").translate(_INLINE)
    if not line:
        return line
    line = line[0].translate(_LINE_START) + line[1:]
    return _ORDERED_MARKER.sub(lambda match: match[1] + _FULL_WIDTH_MARKER[match[2]], line, count=1)


def markdown_parts(text: str, max_bytes: int) -> list[str]:
    """Split plain text into escaped parts of at most max_bytes UTF-8 bytes each.

    Each part is escaped on its own, because a renderer reads the start of a
    part as the start of a line. Escaping can triple a part's size, so a text
    whose escaped part is too long is split again with a smaller budget. A
    budget of max_bytes / 3 always fits.
    """
    floor = max_bytes // _MAX_GROWTH
    if floor < 4:
        msg = f"max_bytes must be at least {4 * _MAX_GROWTH} to hold any escaped character, got {max_bytes}"
        raise ValueError(msg)
    budget = max_bytes
    while True:
        parts = [escape_markdown(part) for part in split_utf8(text, budget)]
        largest = max(len(part.encode("utf-8")) for part in parts)
        if largest <= max_bytes or budget == floor:
            return parts
        budget = max(floor, budget * max_bytes // largest)
