"""The service's own responses to requests that aiohttp rejects before any handler runs.

aiohttp 3.14 responds to a request it cannot parse (raw non-ASCII bytes in the
request line, a bad header, a line over 8190 bytes) from
web_protocol.RequestHandler.handle_error: an English text/plain 400 that
quotes the request line, logged at ERROR with a traceback. Middleware and
on_response_prepare never see that request, because the parser failed before
the router could match it, and aiohttp 3.14 offers no public setting for the
page. So the runner builds a Server whose connections use RequestHandler
with handle_error overridden, which also replaces the page aiohttp sends
when a handler raises.

The parser stops before the path is known, so one plain-text Chinese body
serves both the dashboard's readers and the platforms' webhook callers.
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMethod, HttpProcessingError
from aiohttp.typedefs import Handler

log = logging.getLogger("bot.http")

UNREADABLE_REQUEST = (
    "请求无法识别：网址或请求头中含有不允许的字符，或者长度超出限制。"
    "请使用系统提供的链接重新打开；自己拼写网址时，中文和空格等字符须按 UTF-8 百分号编码。"
)
SERVER_FAILED = "服务器处理请求时出错，已记录日志。请稍后重试。"
TIMED_OUT = "服务器处理请求超时，请稍后重试。"
NOT_FOUND = "找不到这个网址，请检查网址是否写错，或使用系统提供的链接重新打开。"
METHOD_NOT_ALLOWED = "这个网址不接受 {method} 请求，请使用系统提供的链接在浏览器中打开。"


@web.middleware
async def chinese_routing_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Replace the English 404 and 405 pages of aiohttp's router with plain Chinese text.

    Only responses that still carry aiohttp's default text ("404: Not Found")
    are replaced, so a handler that raises with its own text keeps it.
    """
    try:
        return await handler(request)
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed) as exc:
        if exc.text != f"{exc.status}: {exc.reason}":
            raise
        if isinstance(exc, web.HTTPMethodNotAllowed):
            text = METHOD_NOT_ALLOWED.format(method=request.method)
        else:
            text = NOT_FOUND
        # The router lists the methods the path accepts in Allow, so the header is kept.
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        return web.Response(status=exc.status, text=text, content_type="text/plain", headers=headers)


class ChineseErrorRequestHandler(web.RequestHandler):
    """An aiohttp connection handler whose own error responses are plain Chinese text."""

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if not isinstance(exc, HttpProcessingError):
            # A handler raised or timed out: aiohttp logs it with the
            # traceback and checks that no response has started.
            super().handle_error(request, status, exc, message)
            text = TIMED_OUT if status == 504 else SERVER_FAILED
        else:
            _log_rejected(request, status, exc, first_request=self._request_count == 1)
            text = UNREADABLE_REQUEST
        response = web.Response(status=status, text=text, content_type="text/plain")
        response.force_close()
        return response


def _log_rejected(request: web.BaseRequest, status: int, exc: HttpProcessingError, *, first_request: bool) -> None:
    # The first line names the fault. The lines after it quote the request
    # line, which may carry the dashboard token in its query string.
    reason = (exc.message or type(exc).__name__).strip().splitlines()[0].rstrip(":")
    # Scanners and TLS handshakes sent to the plain HTTP port fail on the
    # method of a connection's first request, many times a day.
    level = logging.DEBUG if first_request and isinstance(exc, BadHttpMethod) else logging.INFO
    log.log(
        level, "unparsable request from %s rejected with %s: %s: %s", request.remote, status, type(exc).__name__, reason
    )


class ChineseErrorServer(web.Server):
    """An aiohttp Server whose connections use ChineseErrorRequestHandler."""

    def __call__(self) -> web.RequestHandler:
        # NOTE: this copies web.Server.__call__ of aiohttp 3.14.5, which
        # builds RequestHandler from the private _loop and _kwargs, as
        # ChineseErrorAppRunner does. tests/http/test_unparsable.py fails if
        # a release changes them.
        return ChineseErrorRequestHandler(self, loop=self._loop, **self._kwargs)


class ChineseErrorAppRunner(web.AppRunner):
    """An AppRunner that serves its application through ChineseErrorServer."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        return ChineseErrorServer(
            server.request_handler,
            request_factory=server.request_factory,
            handler_cancellation=server.handler_cancellation,
            loop=server._loop,
            **server._kwargs,
        )
