"""A fake Telegram Bot API server on 127.0.0.1 for the adapter tests.

The real aiogram Bot talks to it over HTTP through
`AiohttpSession(api=TelegramAPIServer.from_base(url))`. It serves getMe,
sendMessage, sendPhoto, setMyCommands, setWebhook, deleteWebhook and
getUpdates, checks HTML text the way the Bot API documents it, records every
request, and returns canned errors a test queues for the next calls or for
given calls of a method (429 with retry_after, 400 with migrate_to_chat_id,
403 for a chat the bot was removed from). A
supergroup can be made a forum: a message to one of its topics carries
message_thread_id, and one to a topic that is unknown, deleted or closed
fails with the 400 the Bot API gives for it.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

TOKEN = "123456789:AAHfakeTokenForTheCompoundBotTests_x1"
BOT_ID = 123456789
BOT_USERNAME = "CompoundDeskBot"

# Tags and entities of the Bot API's HTML parse mode
# (core.telegram.org/bots/api#html-style).
ALLOWED_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
        "tg-spoiler", "a", "code", "pre", "blockquote", "tg-emoji",
    }
)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
# Fields aiogram sends JSON-encoded in its form data.
_JSON_FIELDS = frozenset({"reply_parameters", "commands", "allowed_updates", "scope", "offset", "timeout", "limit"})
MAX_TEXT_UNITS = 4096


class ParseError(ValueError):
    """Text that the Bot API rejects with "can't parse entities"."""


@dataclass(slots=True)
class ApiCall:
    """One request the fake received."""

    method: str
    params: dict[str, Any]


@dataclass(slots=True)
class CannedError:
    status: int
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)


class FakeBotApi:
    """The fake server's state and its aiohttp application."""

    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self.commands: list[dict[str, str]] = []
        self.webhook: dict[str, Any] | None = None
        self.unauthorized = False
        # While True a proxy in front of the API answers 502 with an HTML page.
        self.behind_broken_proxy = False
        # BotFather's default; False means /setprivacy was turned off.
        self.privacy_mode = True
        self._canned: dict[str, deque[CannedError]] = defaultdict(deque)
        # Errors for given calls of a method, by its call count since the start.
        self._scheduled: dict[str, dict[int, CannedError]] = defaultdict(dict)
        self._migrated: dict[str, int] = {}
        # Forum supergroups: topic id -> open (True) or closed (False).
        self._forums: dict[str, dict[int, bool]] = {}
        self._removed: set[str] = set()
        self._updates: list[dict[str, Any]] = []
        self._new_update = asyncio.Condition()
        self._message_ids = iter(range(9001, 10**9))
        self._server: TestServer | None = None
        self.app = web.Application()
        self.app.router.add_route("*", "/bot{token}/{method}", self._dispatch)

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the fake first"
        return str(self._server.make_url("")).rstrip("/")

    async def start(self, port: int | None = None) -> None:
        """Listen on 127.0.0.1, on the given port or a free one."""
        self._server = TestServer(self.app, host="127.0.0.1", port=port)
        await self._server.start_server()

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    def fail_next(self, method: str, status: int, description: str, **parameters: Any) -> None:
        """Queue an error response for the next call of a method."""
        self._canned[method].append(CannedError(status, description, parameters))

    def fail_call(self, method: str, number: int, status: int, description: str, **parameters: Any) -> None:
        """Make the `number`-th call of a method from now on fail, e.g. 2 for the second part of a long text."""
        made = len(self.calls_of(method))
        self._scheduled[method][made + number] = CannedError(status, description, parameters)

    def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """Make sends to the old group fail with migrate_to_chat_id, as after an upgrade."""
        self._migrated[str(old_chat_id)] = new_chat_id

    def make_forum(self, chat_id: int, *topics: int) -> None:
        """Turn a supergroup into a forum with these open topics besides General."""
        self._forums[str(chat_id)] = dict.fromkeys(topics, True)

    def close_topic(self, chat_id: int, topic: int) -> None:
        self._forums[str(chat_id)][topic] = False

    def delete_topic(self, chat_id: int, topic: int) -> None:
        del self._forums[str(chat_id)][topic]

    def sent_in_topic(self, chat_id: int, topic: int | None) -> list[str]:
        """Return the texts delivered to one topic of a chat; None is the General topic."""
        return [
            c.params["text"]
            for c in self.calls_of("sendMessage")
            if c.params.get("_delivered") and c.params["chat_id"] == str(chat_id) and c.params["_topic"] == topic
        ]

    def remove_bot_from(self, chat_id: int) -> None:
        """Make sends to a chat fail with 403, as after the bot was kicked."""
        self._removed.add(str(chat_id))

    async def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates."""
        async with self._new_update:
            self._updates.append(update)
            self._new_update.notify_all()

    def calls_of(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    def sent_to(self, chat_id: int) -> list[str]:
        """Return the texts delivered to a chat, as the client sent them."""
        return [
            c.params["text"]
            for c in self.calls_of("sendMessage")
            if c.params.get("_delivered") and c.params["chat_id"] == str(chat_id)
        ]

    async def _dispatch(self, request: web.Request) -> web.Response:
        if self.behind_broken_proxy:
            return web.Response(status=502, text="<html><body>502 Bad Gateway</body></html>", content_type="text/html")
        method = request.match_info["method"]
        params = await _read_params(request)
        call = ApiCall(method, params)
        self.calls.append(call)

        if request.match_info["token"] != TOKEN or self.unauthorized:
            return _error(401, "Unauthorized")
        scheduled = self._scheduled[method].pop(len(self.calls_of(method)), None)
        if scheduled is not None:
            return _error(scheduled.status, scheduled.description, scheduled.parameters)
        if self._canned[method]:
            canned = self._canned[method].popleft()
            return _error(canned.status, canned.description, canned.parameters)

        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        return await handler(call)

    async def _api_getMe(self, call: ApiCall) -> web.Response:
        me = {**_bot_user(), "can_join_groups": True, "can_read_all_group_messages": not self.privacy_mode}
        return _ok(me)

    async def _api_setMyCommands(self, call: ApiCall) -> web.Response:
        commands = call.params.get("commands") or []
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                return _error(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                return _error(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands = commands
        return _ok(True)

    async def _api_setWebhook(self, call: ApiCall) -> web.Response:
        url = str(call.params.get("url", ""))
        if not url.startswith("https://"):
            return _error(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        if ".invalid/" in url:
            return _error(400, "Bad Request: bad webhook: Failed to resolve host: Name or service not known")
        self.webhook = call.params
        return _ok(True)

    async def _api_deleteWebhook(self, call: ApiCall) -> web.Response:
        self.webhook = None
        return _ok(True)

    async def _api_getUpdates(self, call: ApiCall) -> web.Response:
        offset = int(call.params.get("offset") or 0)
        timeout = float(call.params.get("timeout") or 0)

        def pending() -> list[dict[str, Any]]:
            return [u for u in self._updates if u["update_id"] >= offset]

        async with self._new_update:
            if not pending() and timeout > 0:
                try:
                    await asyncio.wait_for(self._new_update.wait_for(lambda: bool(pending())), timeout)
                except TimeoutError:
                    pass
            return _ok(pending())

    async def _api_sendPhoto(self, call: ApiCall) -> web.Response:
        chat_id = str(call.params.get("chat_id", ""))
        if chat_id in self._removed:
            return _error(403, "Forbidden: bot was kicked from the group chat")
        # aiogram uploads the file under a random field and names it in photo
        # as attach://<field>, as the Bot API allows.
        rejection = self._topic_rejection(call)
        if rejection is not None:
            return rejection
        reference = str(call.params.get("photo", ""))
        photo = call.params.get(f"_{reference.removeprefix('attach://')}_bytes", b"")
        if not photo.startswith(b"\x89PNG"):
            return _error(400, "Bad Request: IMAGE_PROCESS_FAILED")
        call.params["_delivered"] = True
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": _chat(int(chat_id)),
            "from": _bot_user(),
            "photo": [{"file_id": f"photo-{len(photo)}", "file_unique_id": "u1", "width": 1000, "height": 800}],
        }
        return _ok(message)

    def _topic_rejection(self, call: ApiCall) -> web.Response | None:
        """Check message_thread_id as a forum does; record the topic, or return the error."""
        chat_id = str(call.params.get("chat_id", ""))
        raw = call.params.get("message_thread_id")
        topic = int(raw) if raw is not None else None
        call.params["_topic"] = topic
        if topic is None:
            return None
        topics = self._forums.get(chat_id)
        if topics is None or topic not in topics:
            return _error(400, "Bad Request: message thread not found")
        if not topics[topic]:
            return _error(400, "Bad Request: TOPIC_CLOSED")
        return None

    async def _api_sendMessage(self, call: ApiCall) -> web.Response:
        chat_id = str(call.params.get("chat_id", ""))
        if chat_id in self._migrated:
            return _error(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat_id]},
            )
        if chat_id in self._removed:
            return _error(403, "Forbidden: bot was kicked from the group chat")
        rejection = self._topic_rejection(call)
        if rejection is not None:
            return rejection

        text = call.params.get("text", "")
        parse_mode = call.params.get("parse_mode")
        try:
            visible = visible_text(text, parse_mode)
        except ParseError as exc:
            return _error(400, f"Bad Request: can't parse entities: {exc}")
        if not visible.strip():
            return _error(400, "Bad Request: message text is empty")
        if utf16_units(visible) > MAX_TEXT_UNITS:
            return _error(400, "Bad Request: message is too long")

        call.params["_delivered"] = True
        call.params["_visible"] = visible
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": _chat(int(chat_id)),
            "from": _bot_user(),
            "text": visible,
        }
        return _ok(message)


def visible_text(text: str, parse_mode: str | None) -> str:
    """Return what a chat shows for a text, or raise ParseError as the Bot API would."""
    if not parse_mode:
        return text
    if parse_mode != "HTML":
        raise ParseError(f"this fake checks only HTML, got parse_mode {parse_mode}")

    out: list[str] = []
    open_tags: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char == "<":
            tag = _TAG.match(text, position)
            if tag is None:
                raise ParseError(f"unexpected '<' at offset {position}")
            closing, name = tag.group(1) == "/", tag.group(2).lower()
            if name not in ALLOWED_TAGS:
                raise ParseError(f"unsupported start tag \"{name}\" at offset {position}")
            if closing:
                if not open_tags or open_tags.pop() != name:
                    raise ParseError(f"unmatched end tag \"{name}\" at offset {position}")
            else:
                open_tags.append(name)
            position = tag.end()
            continue
        if char == "&":
            entity = _ENTITY.match(text, position)
            if entity is None:
                raise ParseError(f"unescaped '&' at offset {position}")
            out.append(html.unescape(entity.group(0)))
            position = entity.end()
            continue
        if char == ">":
            raise ParseError(f"unescaped '>' at offset {position}")
        out.append(char)
        position += 1
    if open_tags:
        raise ParseError(f"can't find end tag corresponding to start tag \"{open_tags[-1]}\"")
    return "".join(out)


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def _read_params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        return dict(await request.json())
    form = await request.post()
    params: dict[str, Any] = dict(request.query)
    for key, value in form.items():
        if not isinstance(value, str):
            # An uploaded file, such as sendPhoto's photo.
            params[f"_{key}_bytes"] = value.file.read()
            continue
        params[key] = json.loads(value) if key in _JSON_FIELDS else value
    return params


def _bot_user() -> dict[str, Any]:
    return {"id": BOT_ID, "is_bot": True, "first_name": "小区服务台", "username": BOT_USERNAME}


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "居民"}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": "业主群"}


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)
