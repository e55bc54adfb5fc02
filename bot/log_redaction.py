"""Keeping the dashboard token out of the service's logs.

The dashboard accepts DASHBOARD_TOKEN in the query string (?token=...).
aiohttp 3.14 quotes the whole request line when it cannot parse a request,
for example one with raw UTF-8 in the query, and bot.http_errors logs the
first line of that message. aiohttp's default access log format (%r) logs
the request line of every request. So the app installs TokenRedactor on the
loggers that see request lines, and serves with PathAccessLogger, which
logs the path without the query string.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

REDACTED = "***"
# The loggers that receive request lines or URLs: aiohttp's server, web and
# access loggers, the dashboard's own and bot.http_errors'. A filter on a logger applies only
# to records logged to that logger itself, so each one is listed.
REQUEST_LOGGERS = ("aiohttp.access", "aiohttp.server", "aiohttp.web", "bot.dashboard", "bot.http")

# A token parameter in a URL or a request line, also access_token=... of the
# platform APIs. The value ends where the URL or the quoted line ends.
_TOKEN_PARAMETER = re.compile(r"(token=)[^&\s'\"#;]+", re.IGNORECASE)
# The credentials of an Authorization header quoted in a message.
_BEARER = re.compile(r"(bearer\s+)[^\s'\",;]+", re.IGNORECASE)


class TokenRedactor(logging.Filter):
    """A logging filter that replaces tokens in a record's message, traceback and stack with ***.

    It removes any `token=` parameter value and any Bearer credentials, and
    every literal occurrence of a registered secret. The record is kept,
    because the rest of it is what an operator needs to see.
    """

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def add_secret(self, secret: str) -> None:
        """Register a secret to remove wherever it appears, also percent-encoded."""
        if secret:
            self._secrets.update({secret, quote(secret, safe="")})

    def redact(self, text: str) -> str:
        """Return `text` with token parameters, Bearer credentials and registered secrets replaced."""
        text = _TOKEN_PARAMETER.sub(rf"\g<1>{REDACTED}", text)
        text = _BEARER.sub(rf"\g<1>{REDACTED}", text)
        # Longest first, so a secret never leaves a tail of a longer one that contains it.
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - the handler reports a broken record when it formats it
            return True
        cleaned = self.redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None

        # The traceback of aiohttp's parser errors quotes the request line. The
        # formatted text replaces exc_info, because a handler would otherwise
        # format the exception again from the original objects.
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            cleaned = self.redact(record.exc_text)
            if cleaned != record.exc_text:
                record.exc_text = cleaned
                record.exc_info = None
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


# One filter for the whole process, since loggers are process-wide too.
REDACTOR = TokenRedactor()


def install_token_redaction(secret: str) -> None:
    """Add REDACTOR to REQUEST_LOGGERS and to the root logger's handlers, and register `secret`.

    The root logger's handlers are those of bot.logs.setup_logging, which
    every record of the service passes on its way out. Calling this again
    only registers the secret.
    """
    REDACTOR.add_secret(secret)
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if REDACTOR not in logger.filters:
            logger.addFilter(REDACTOR)
    for handler in logging.getLogger().handlers:
        if REDACTOR not in handler.filters:
            handler.addFilter(REDACTOR)


class PathAccessLogger(AbstractAccessLogger):
    """An aiohttp access log that records the path of each request, never its query string."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info("%s %s %s %s %.3fs", request.remote, request.method, request.path, response.status, time)
