"""The dashboard token never reaches a log line, whichever logger writes it."""

from __future__ import annotations

import io
import logging

import pytest

from bot.log_redaction import TokenRedactor, install_token_redaction
from tests.dashboard.conftest import TOKEN
from tests.helpers import send_raw_request


def raw_get(target: str) -> bytes:
    return f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()


def formatted(records: list[logging.LogRecord]) -> list[str]:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return [formatter.format(record) for record in records]


async def test_unparsable_query_logs_no_token(dashboard, caplog):
    caplog.set_level(logging.DEBUG)
    target = f"/dashboard?token={TOKEN}&period=自定义&start=2026-03-01&end=2026-03-31"

    status, _body = await send_raw_request(dashboard.client.port, raw_get(target))

    assert status == 400
    lines = formatted(caplog.records)
    rejected = [line for line in lines if line.startswith("bot.http INFO unparsable request")]
    assert len(rejected) == 1, lines
    assert not [line for line in lines if line.startswith("aiohttp.server")]
    assert not [line for line in lines if TOKEN in line]


@pytest.mark.parametrize(
    "query",
    [
        f"token={TOKEN}",
        f"token={TOKEN}&period=custom&start=2026-03-01&end=2026-03-31",
        f"token={TOKEN}&period=%E8%87%AA%E5%AE%9A%E4%B9%89&start=2026-03-01&end=2026-03-31",
        f"token={TOKEN}&street=abc",
        f"token={TOKEN}x",
    ],
)
async def test_access_log_has_path_only(dashboard, caplog, query):
    caplog.set_level(logging.DEBUG)

    response = await dashboard.client.get(f"/dashboard?{query}")

    assert response.status in (200, 400, 401)
    lines = formatted(caplog.records)
    access = [line for line in lines if line.startswith("aiohttp.access")]
    assert len(access) == 1, lines
    assert f"GET /dashboard {response.status}" in access[0]
    assert "token" not in access[0]
    assert not [line for line in lines if TOKEN in line]


def test_root_handlers_redact_other_loggers():
    # This handler stands for the one bot.logs.setup_logging adds before the app starts.
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        install_token_redaction(TOKEN)
        logging.getLogger("bot.elsewhere").warning("fetched %s", f"http://x/dashboard.json?token={TOKEN}")
        logging.getLogger("bot.elsewhere").warning("header was Bearer %s", TOKEN)
    finally:
        root.removeHandler(handler)

    assert stream.getvalue() == ("fetched http://x/dashboard.json?token=***\nheader was Bearer ***\n")


def test_redactor_removes_encoded_secret():
    redactor = TokenRedactor()
    redactor.add_secret("a b/c")

    assert redactor.redact("sent a b/c and a%20b%2Fc") == "sent *** and ***"
    assert redactor.redact("access_token=XYZ&x=1") == "access_token=***&x=1"
    assert redactor.redact("b'GET /dashboard?token=abc\\xe8 HTTP/1.1'") == "b'GET /dashboard?token=*** HTTP/1.1'"
    assert redactor.redact("no secret here") == "no secret here"


def test_redactor_cleans_traceback():
    redactor = TokenRedactor()
    logger = logging.getLogger("tests.redaction")
    records: list[logging.LogRecord] = []
    logger.addFilter(redactor)
    logger.addFilter(lambda record: records.append(record) or False)
    try:
        try:
            raise ValueError(f"bad line: GET /dashboard?token={TOKEN} HTTP/1.1")
        except ValueError:
            logger.exception("request from %s failed", "127.0.0.1")
    finally:
        logger.filters.clear()

    [record] = records
    text = logging.Formatter().format(record)
    assert "request from 127.0.0.1 failed" in text
    assert "ValueError: bad line: GET /dashboard?token=*** HTTP/1.1" in text
    assert TOKEN not in text
    assert record.exc_info is None
