"""Builders shared by tests: services on a test database and messages from residents."""

from __future__ import annotations

import asyncio
import io
import itertools
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest
from aiohttp import http_parser, web_protocol
from aiohttp.test_utils import TestServer
from aiohttp.web_runner import BaseRunner

from bot.adapters.console import ConsoleOutbound
from bot.http_errors import ChineseErrorAppRunner
from bot.server import RUNNER_OPTIONS
from bot.services import Services, build_services
from bot.settings import Settings
from handlers.directory import bind_chat, chat_for, create_compound
from handlers.messages import InboundMessage
from models import Compound

T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 09:30 on a Monday in Shanghai
_ids = itertools.count(1)
# Services built during the running test; the conftest closes them afterwards,
# so a failing test cannot leak connections into the next one.
OPEN_SERVICES: list[Services] = []


@cache
def shared_classifier():  # noqa: ANN201 - loading the model once per run keeps tests fast
    from nlp import Classifier

    return Classifier.load()


async def make_services(
    db_url: str, *, console_platform: str = "test", **settings: object
) -> tuple[Services, ConsoleOutbound]:
    """Wire the real services on a test database, with a console that records the replies to one platform."""
    console = ConsoleOutbound(io.StringIO(), platform=console_platform)
    services = await build_services(
        Settings(database_url=db_url, _env_file=None, **settings),  # type: ignore[call-arg]
        outbound=[console],
        classifier=shared_classifier(),
    )
    OPEN_SERVICES.append(services)
    return services, console


async def make_compound(services: Services, name: str = "阳光花园", *, chat_id: str = "group-1") -> Compound:
    """Create a compound with its parties and bind the test group chat to it."""
    async with services.sessionmaker() as session, session.begin():
        compound = await create_compound(session, name)
        chat = await chat_for(session, "test", chat_id, title=f"{name}业主群")
        await bind_chat(session, chat, compound, T0)
    return compound


def message(
    text: str,
    *,
    sender: str = "u1",
    name: str = "",
    chat_id: str = "group-1",
    at: datetime | None = None,
    message_id: str | None = None,
    reply_to: str | None = None,
    attachments: tuple = (),
) -> InboundMessage:
    """A resident's group message on the test platform."""
    return InboundMessage(
        platform="test",
        chat_id=chat_id,
        sender_id=sender,
        sender_name=name or f"居民{sender}",
        message_id=message_id or f"m{next(_ids)}",
        sent_at=at or T0,
        text=text,
        reply_to=reply_to,
        attachments=attachments,
    )


def later(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


async def send(services: Services, inbound: InboundMessage):  # noqa: ANN201 - IntakeResult
    """Hand a message to the pipeline as if it arrived when it was sent."""
    return await services.pipeline.handle(inbound, now=inbound.sent_at)


async def send_raw_request(port: int, request: bytes) -> tuple[int, str]:
    """Send bytes exactly as given to 127.0.0.1:port; return the status and the body as UTF-8.

    aiohttp's client percent-encodes URLs, so a request line with raw
    non-ASCII bytes can only be sent this way. The request should carry
    Connection: close, because the body is read up to the end of the stream.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        response = await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    head, _, body = response.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, body.decode("utf-8", "replace")


class ServiceTestServer(TestServer):
    """A TestServer that serves its app with the runner and options of bot.server.serve."""

    async def _make_runner(self, **kwargs: Any) -> BaseRunner:
        return ChineseErrorAppRunner(self.app, **{**RUNNER_OPTIONS, **kwargs})


def use_pure_python_http_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make aiohttp servers parse requests of new connections with aiohttp's pure-Python parser.

    aiohttp falls back to this parser where its C extension is missing
    (PyPy, or AIOHTTP_NO_EXTENSIONS set). Unlike the C parser it accepts raw
    non-ASCII bytes in the request line and hands those that are not UTF-8
    on as lone surrogates.
    """
    monkeypatch.setattr(web_protocol, "HttpRequestParser", http_parser.HttpRequestParserPy)


def two_part_text(max_bytes: int) -> tuple[str, str]:
    """Return the two parts a sender that splits UTF-8 text at `max_bytes` cuts a long text into.

    The first part ends with a line break and fills all but the last few
    bytes of a message, so the second part cannot join it.
    """
    sentence = "电梯维修进展说明。"
    head = "第一段："
    repeats = (max_bytes - len(head.encode()) - 1) // len(sentence.encode())
    first = head + sentence * repeats + "\n"
    second = "第二段：维修人员明天上午到场，请业主提前清空电梯厅。"
    assert len(first.encode()) <= max_bytes < len((first + second).encode())
    return first, second
