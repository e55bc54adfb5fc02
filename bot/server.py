"""The long-running service: aiohttp server, adapters and scheduler in one event loop."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web

from bot.adapters.registry import start_adapters
from bot.adapters.wecom_archive.records import PLATFORM as ARCHIVE_PLATFORM
from bot.dashboard import add_dashboard_routes
from bot.health import HealthCheck
from bot.services import Services, build_services
from bot.settings import Settings
from handlers.recovery import PendingMessages
from scheduler import build_scheduler

log = logging.getLogger("bot")

# Typed key of the Services in the aiohttp app; plain string keys warn since aiohttp 3.9.
SERVICES_KEY = web.AppKey("services", Services)


def build_web_app(services: Services) -> web.Application:
    """Create the aiohttp application with the routes every deployment has."""
    app = web.Application(client_max_size=services.settings.http_max_body_bytes)
    app[SERVICES_KEY] = services
    app.router.add_get("/healthz", HealthCheck(services.quick_engine).handle)
    add_dashboard_routes(app, services)
    return app


async def serve(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Run until SIGINT or SIGTERM, or until `stop` is set."""
    services = await build_services(settings)
    app = build_web_app(services)
    # Built before the adapters so new cases already get the configured limits.
    scheduler = build_scheduler(settings, services.sessionmaker, services.outbox)
    adapters = await start_adapters(services, app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.http_host, settings.http_port)
    await site.start()
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

    stop = stop or asyncio.Event()
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
        await runner.cleanup()
        await services.close()
