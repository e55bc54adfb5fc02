"""Hardening of callbacks beyond what wechatpy checks.

Stale timestamps, replayed nonces, XML with a DOCTYPE and control characters
in user text are handled here. The transport runs these checks around the
signature check and maps CallbackRejected to a response.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

# The platforms sign each callback with its send time; older ones are replays.
MAX_CLOCK_SKEW_SECONDS = 300

_DOCTYPE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
# XML 1.0 forbids these code points, and expat stops at the first one.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ZWJ = "\u200d"
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class CallbackRejected(Exception):
    """A callback to reject with a 4xx status and a reason in the log."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def check_timestamp(timestamp: str, now: float) -> None:
    """Reject a missing, malformed or stale callback timestamp.

    Raises:
        CallbackRejected: The timestamp is not digits, or more than five
            minutes away from now in either direction.
    """
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise CallbackRejected(400, "timestamp is not a number")
    if abs(now - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        raise CallbackRejected(403, "timestamp outside the 5-minute window")


def reject_doctype(body: bytes) -> None:
    """Reject XML that declares a DOCTYPE or entities, before any parser reads it."""
    if _DOCTYPE.search(body):
        raise CallbackRejected(400, "XML with a DOCTYPE or ENTITY declaration")


def clean_xml(xml: str) -> str:
    """Remove code points XML 1.0 forbids, which users paste into text now and then."""
    return _XML_ILLEGAL.sub("", xml)


def clean_text(text: str) -> str:
    """Remove control and format characters from user text but keep tabs, newlines and emoji.

    Format characters (Unicode category Cf: bidi overrides such as U+202E,
    zero-width spaces, BOMs) are invisible, so they would only disguise or
    reorder a case's text. The zero-width joiner stays between two emoji,
    where it joins a family or a profession emoji into one picture.
    """
    text = _TEXT_CONTROL.sub("", text)
    kept: list[str] = []
    for index, char in enumerate(text):
        if unicodedata.category(char) != "Cf":
            kept.append(char)
        elif char == _ZWJ and _joins_emoji(text, index):
            kept.append(char)
    return "".join(kept)


def _joins_emoji(text: str, index: int) -> bool:
    before = text[index - 1] if index > 0 else ""
    after = text[index + 1] if index + 1 < len(text) else ""
    # A variation selector (U+FE0F) may sit between the emoji and the joiner.
    if before == "\ufe0f" and index > 1:
        before = text[index - 2]
    return _is_emoji(before) and _is_emoji(after)


def _is_emoji(char: str) -> bool:
    # Emoji are "other symbols" (So), and skin-tone modifiers are Sk.
    return bool(char) and unicodedata.category(char) in ("So", "Sk")


@dataclass(slots=True)
class _Seen:
    digest: str
    at: float


class NonceRegistry:
    """Remembers the (timestamp, nonce) pairs of callbacks already handled.

    A pair seen again with the same payload is the platform retrying a
    callback whose response it missed, and gets a success response without
    acting again. The same pair with another payload is a replay and is
    rejected. Entries live for twice the timestamp window, after which the
    timestamp check rejects the pair anyway.

    NOTE: The registry lives in process memory, so several processes behind one
    URL do not share it; the database's message-id deduplication still keeps
    each message to one case.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._seen: dict[tuple[str, str], _Seen] = {}
        self._clock = clock

    def is_retry(self, timestamp: str, nonce: str, digest: str) -> bool:
        """Return True when this exact callback was handled before.

        Raises:
            CallbackRejected: The pair was used before with another payload.
        """
        self._prune()
        seen = self._seen.get((timestamp, nonce))
        if seen is None:
            return False
        if seen.digest != digest:
            raise CallbackRejected(409, "nonce replayed with another payload")
        return True

    def remember(self, timestamp: str, nonce: str, digest: str) -> None:
        self._seen[(timestamp, nonce)] = _Seen(digest, self._clock())

    def _prune(self) -> None:
        # Entries are added in time order, so the oldest sit at the front.
        horizon = self._clock() - 2 * MAX_CLOCK_SKEW_SECONDS
        while self._seen:
            key, seen = next(iter(self._seen.items()))
            if seen.at >= horizon:
                break
            del self._seen[key]
