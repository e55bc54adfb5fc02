"""The long-running service: aiohttp server, adapters and scheduler in one event loop."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web

from bot.adapters.registry import start_adapters
from bot.dashboard import add_dashboard_routes
from bot.services import Services, build_services
from bot.settings import Settings
from handlers.outbox_worker import OutboxWorker
from scheduler import build_scheduler

log = logging.getLogger("bot")

# Typed key of the Services in the aiohttp app; plain string keys warn since aiohttp 3.9.
SERVICES_KEY = web.AppKey("services", Services)


def build_web_app(services: Services) -> web.Application:
    """Create the aiohttp application with the routes every deployment has."""
    app = web.Application(client_max_size=services.settings.http_max_body_bytes)
    app[SERVICES_KEY] = services

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/healthz", health)
    add_dashboard_routes(app, services)
    return app


async def serve(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Run until SIGINT or SIGTERM, or until `stop` is set."""
    services = await build_services(settings)
    app = build_web_app(services)
    # Built before the adapters so new cases already get the configured limits.
    scheduler = build_scheduler(settings, services.sessionmaker, services.outbox)
    adapters = await start_adapters(services, app)
    # Started after the adapters register their senders, and stopped after
    # them, so it puts back what their cancelled tasks were sending.
    outbox_worker = OutboxWorker(services.outbox)
    outbox_worker.start()
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.http_host, settings.http_port)
    await site.start()
    # With HTTP_PORT=0 the system picks the port, so log the one bound.
    for host, port, *_ in runner.addresses:
        log.info("listening on http://%s:%s", host, port)
    if settings.scheduler_enabled:
        scheduler.start()

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
        await scheduler.stop()
        for adapter in reversed(adapters):
            await adapter.stop()
        await outbox_worker.stop()
        await runner.cleanup()
        await services.close()
