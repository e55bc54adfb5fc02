"""Storing one scheduled notification and running the scheduler's send step on it, for platform tests."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.services import Services
from models import Delivery, Notification, NotificationStatus
from scheduler.drafts import Draft
from scheduler.notify import claim, send_claimed, store_drafts
from tests.scheduler.conftest import local, make_config

# A working Tuesday morning, outside quiet hours, so a notification goes out when due.
MORNING = local(2026, 3, 3, 10)


async def store_notification(services: Services, text: str, targets: list[dict[str, Any]], chart_dir: Path) -> None:
    """Store a reminder due at MORNING for `targets`."""
    draft = Draft(key="reminder:long", kind="reminder", text=text, targets=targets, due_at=MORNING)
    async with services.sessionmaker() as session, session.begin():
        await store_drafts(session, [draft], now=MORNING, config=make_config(chart_dir))


async def send_due(services: Services, now: datetime, chart_dir: Path) -> Counter[NotificationStatus]:
    """Claim the notifications due at `now` and send them, as one scheduler pass does."""
    claimed = await claim(services.sessionmaker, now=now, instance="scheduler-1", limit=10)
    return await send_claimed(services.sessionmaker, services.outbox, claimed, now=now, config=make_config(chart_dir))


async def stored_notification(services: Services) -> Notification:
    async with services.sessionmaker() as session:
        return await session.scalar(select(Notification))


async def notification_deliveries(services: Services) -> list[Delivery]:
    async with services.sessionmaker() as session:
        return list(await session.scalars(select(Delivery).order_by(Delivery.id)))
