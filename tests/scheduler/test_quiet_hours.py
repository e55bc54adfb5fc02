"""Quiet hours: routine reminders wait for the morning, urgent ones go at once."""

from __future__ import annotations

from sqlalchemy import select

from handlers.calendar import WorkCalendar
from models import Notification
from scheduler.config import QuietHours
from tests.scheduler.conftest import SHANGHAI, Desk, local

CALENDAR = WorkCalendar(zone=SHANGHAI)


def test_quiet_window_moves_to_morning():
    quiet = QuietHours()

    assert quiet.release_at(local(2026, 3, 3, 23, 10), urgent=False, calendar=CALENDAR) == local(
        2026, 3, 4, 7
    )
    assert quiet.release_at(local(2026, 3, 4, 4, 45), urgent=False, calendar=CALENDAR) == local(
        2026, 3, 4, 7
    )
    assert quiet.release_at(local(2026, 3, 4, 12), urgent=False, calendar=CALENDAR) == local(
        2026, 3, 4, 12
    )


def test_rest_days_hold_until_next_working_morning():
    quiet = QuietHours()

    # Friday night before the National Day holiday of 2026 waits until Thursday 8 October.
    assert quiet.release_at(local(2026, 9, 30, 22, 30), urgent=False, calendar=CALENDAR) == local(
        2026, 10, 8, 7
    )
    assert quiet.release_at(local(2026, 10, 3, 10), urgent=True, calendar=CALENDAR) == local(
        2026, 10, 3, 10
    )


def test_rest_days_optional():
    quiet = QuietHours(rest_days=False)

    assert quiet.release_at(local(2026, 3, 7, 10), urgent=False, calendar=CALENDAR) == local(
        2026, 3, 7, 10
    )


async def test_routine_reminder_held_until_morning(desk: Desk):
    # Acknowledge limit runs to the end of Tuesday; half of it passes at 04:45 on Tuesday.
    case = await desk.report("5栋楼道灯坏了好几天了", at=local(2026, 3, 2, 9, 30))
    assert not case.urgent

    night = await desk.sweeper().run_once(local(2026, 3, 3, 5))

    assert night.notifications_stored == 1
    assert night.notifications_sent == 0
    assert not [t for t in desk.sent_to("pm") if t.startswith("【催办】")]
    async with desk.services.sessionmaker() as session:
        held = await session.scalar(select(Notification).where(Notification.kind == "reminder"))
    assert held is not None
    assert held.release_at == local(2026, 3, 3, 7)

    morning = await desk.sweeper().run_once(
        local(
            2026,
            3,
            3,
            7,
            0,
        )
    )

    assert morning.notifications_sent == 1
    reminders = [t for t in desk.sent_to("pm") if t.startswith("【催办】")]
    assert len(reminders) == 1
    assert "3月3日（周二）24:00前受理" in reminders[0]


async def test_urgent_reminder_goes_at_night(desk: Desk):
    case = await desk.report("地下车库有燃气味道，很浓，快来人", at=local(2026, 3, 2, 23, 0))
    assert case.urgent
    assert case.route == "party"

    # Two hours to respond: half of it has passed at 00:00.
    report = await desk.sweeper().run_once(local(2026, 3, 3, 0, 1))

    assert report.notifications_sent == 1
    reminders = [t for t in desk.sent_to("secretary") if t.startswith("【催办】")]
    assert len(reminders) == 1
    assert "3月3日（周二）01:00前受理" in reminders[0]
