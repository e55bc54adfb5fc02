"""The note that lists what a chat reported before it was bound, sized to fit the reply it joins."""

from __future__ import annotations

from handlers import replies as texts
from handlers.onboarding import registered_before

# Platforms that reply to a message with one message of limited size, in
# UTF-8 bytes. The WeCom AI bot replies through the message's response_url,
# which takes one call within an hour of markdown of at most 20480 bytes
# (WeCom doc 101138, 主动回复消息; RESPONSE_URL_MAX_BYTES in
# bot.adapters.wecom.limits).
ONE_REPLY_MAX_BYTES = {"wecom_aibot": 20480}


def markdown_size(text: str) -> int:
    """Return the UTF-8 size that `text` can reach once escaped as markdown.

    The WeCom markdown escaping replaces some ASCII characters with their
    three-byte full-width forms (bot.adapters.wecom.markdown), so counting
    every ASCII character as three bytes bounds the size of any result.
    """
    return sum(3 if char.isascii() else len(char.encode("utf-8")) for char in text)


def pending_note(lines: list[str], *, private: bool, platform: str, before: str = "") -> str:
    """Build the note on earlier reports, with as many whole lines as fit into one reply after `before`.

    A platform without a one-reply limit gets every line, and its adapter
    splits a long text into several messages. On a one-reply platform the
    lines that do not fit are left out and counted, and the note names the
    command that lists them. A line is never cut.
    """
    build = registered_before if private else texts.registered_before_binding
    limit = ONE_REPLY_MAX_BYTES.get(platform)
    if limit is None:
        return build(lines)
    budget = limit - markdown_size(before)
    listed: list[str] = []
    for line in lines:
        left_out = len(lines) - len(listed) - 1
        candidate = _with_tail(build([*listed, line]), left_out, private=private)
        if markdown_size(candidate) > budget:
            break
        listed.append(line)
    return _with_tail(build(listed), len(lines) - len(listed), private=private)


def _with_tail(note: str, left_out: int, *, private: bool) -> str:
    # With no line listed, the note is its heading alone, without the line break.
    note = note.rstrip("\n")
    if not left_out:
        return note
    return f"{note}\n{texts.more_registered(left_out, private=private)}"
