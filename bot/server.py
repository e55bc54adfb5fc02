"""The long-running service: aiohttp server, adapters and scheduler in one event loop."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import socket

from aiohttp import web

from bot.adapters.registry import start_adapters
from bot.adapters.wecom_archive.records import PLATFORM as ARCHIVE_PLATFORM
from bot.dashboard import add_dashboard_routes
from bot.health import HealthCheck
from bot.http_errors import ChineseErrorAppRunner, chinese_routing_errors
from bot.listen import ListenError, bind_sockets
from bot.log_redaction import PathAccessLogger, install_token_redaction
from bot.preflight import check_run_settings
from bot.services import Services, build_services
from bot.settings import Settings
from handlers.outbox_worker import OutboxWorker
from handlers.recovery import PendingMessages
from scheduler import build_scheduler

log = logging.getLogger("bot")

__all__ = ["RUNNER_OPTIONS", "SERVICES_KEY", "ListenError", "build_web_app", "serve"]

# Typed key of the Services in the aiohttp app; plain string keys warn since aiohttp 3.9.
SERVICES_KEY = web.AppKey("services", Services)
# Options of the AppRunner: the access log records paths, never query strings,
# which may carry the dashboard token.
RUNNER_OPTIONS = {"access_log_class": PathAccessLogger}


def build_web_app(services: Services) -> web.Application:
    """Create the aiohttp application with the routes every deployment has."""
    app = web.Application(client_max_size=services.settings.http_max_body_bytes, middlewares=[chinese_routing_errors])
    app[SERVICES_KEY] = services
    install_token_redaction(services.settings.dashboard_token.get_secret_value())
    app.router.add_get("/healthz", HealthCheck(services.quick_engine).handle)
    add_dashboard_routes(app, services)
    return app


def freeze_startup_objects() -> None:
    """Collect the garbage of the start, then exempt every object still alive from later collections.

    What the start leaves lives as long as the process: about 350,000
    objects of imported modules, the classifier and the engines. A full
    collection walks all of them on the event loop's thread, and every
    request waits meanwhile. It took 0.3 to 0.6 s on a 2-core Xeon VM at
    load average 5, and up to 1.3 s within a test run there, while a
    callback gets 3 s to store its message. Frozen objects are never
    collected, so those that later end up in a reference cycle leak, which
    is why this runs once, after the start.
    """
    gc.collect()
    gc.freeze()
    log.debug("%s objects frozen out of garbage collection", gc.get_freeze_count())


async def serve(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Run until SIGINT or SIGTERM, or until `stop` is set.

    Raises:
        ConfigError: A setting stops the start (see bot.preflight).
        ListenError: The server cannot listen on HTTP_HOST:HTTP_PORT.
    """
    check_run_settings(settings)
    # Bound before the migrations, the adapters and the scheduler, so a port
    # in use stops the start with the database untouched and nothing started.
    sockets = bind_sockets(settings.http_host, settings.http_port)
    try:
        await _serve_on(settings, sockets, stop or asyncio.Event())
    finally:
        # The server closes the sockets it served on; these are the ones a
        # failed start never handed to it.
        for sock in sockets:
            sock.close()


async def _serve_on(settings: Settings, sockets: list[socket.socket], stop: asyncio.Event) -> None:
    services = await build_services(settings)
    app = build_web_app(services)
    # Built before the adapters so new cases already get the configured limits.
    scheduler = build_scheduler(settings, services.sessionmaker, services.outbox)
    try:
        adapters = await start_adapters(services, app)
    except BaseException:
        await services.close()
        raise
    freeze_startup_objects()
    # Started after the adapters register their senders, and stopped after
    # them, so it puts back what their cancelled tasks were sending.
    outbox_worker = OutboxWorker(services.outbox)
    outbox_worker.start()
    runner = ChineseErrorAppRunner(app, **RUNNER_OPTIONS)
    await runner.setup()
    for sock in sockets:
        await web.SockSite(runner, sock).start()
    # With HTTP_PORT=0 the system picks the port, so log the one bound.
    for host, port, *_ in runner.addresses:
        log.info("listening on http://%s:%s", host, port)
    if settings.scheduler_enabled:
        scheduler.start()
    # After the adapters, whose senders deliver the replies. The session
    # archive processes its own pending rows in its poller.
    pending = PendingMessages(
        services.pipeline, interval=settings.pending_retry_seconds, skip_platforms=(ARCHIVE_PLATFORM,)
    )
    pending.start()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:
            pass
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        await pending.stop()
        await scheduler.stop()
        for adapter in reversed(adapters):
            await adapter.stop()
        await outbox_worker.stop()
        await runner.cleanup()
        await services.close()
