"""Access control of the dashboard: only requests that carry DASHBOARD_TOKEN get through.

NOTE: one shared token opens the whole district, so street staff who hold it
see every street, and nothing records which person looked.
"""

from __future__ import annotations

import hmac
import logging
from enum import Enum

from aiohttp import web

from bot.settings import Settings

log = logging.getLogger("bot.dashboard")


class Access(Enum):
    DISABLED = "disabled"
    MISSING = "missing"
    WRONG = "wrong"
    GRANTED = "granted"


def request_token(request: web.Request) -> tuple[str, bool]:
    """Return the token a request carries and whether it came in the query string.

    The Authorization header wins over the `token` query parameter.
    """
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip(), False
    token = request.query.get("token", "")
    return token, bool(token)


def check_access(request: web.Request, settings: Settings) -> Access:
    """Compare the request's token with DASHBOARD_TOKEN in constant time; the token is never logged."""
    expected = settings.dashboard_token.get_secret_value()
    if not expected:
        return Access.DISABLED
    presented, _from_query = request_token(request)
    if not presented:
        log.info("dashboard request from %s rejected: no token", request.remote)
        return Access.MISSING
    # aiohttp passes request bytes that are not UTF-8 on as lone surrogates (in
    # headers, and in the query under its pure-Python parser). Encoding with
    # surrogateescape restores those bytes instead of raising.
    if not hmac.compare_digest(presented.encode("utf-8", "surrogateescape"), expected.encode()):
        log.warning("dashboard request from %s rejected: wrong token", request.remote)
        return Access.WRONG
    return Access.GRANTED
