"""Timer configuration: reminder points, rung limits, quiet hours and digest times."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.calendar import WorkCalendar
from handlers.ladder import Rung
from handlers.limits import Limit, LimitTable, LimitUnit

# How long each rung has to get a case moving before it climbs again.
DEFAULT_RUNG_LIMITS: dict[Rung, Limit] = {
    Rung.PROPERTY: Limit(1, LimitUnit.WORKING_DAYS),
    Rung.COMMITTEE: Limit(2, LimitUnit.WORKING_DAYS),
    Rung.PARTY: Limit(2, LimitUnit.WORKING_DAYS),
    Rung.COMMUNITY: Limit(3, LimitUnit.WORKING_DAYS),
    Rung.STREET: Limit(5, LimitUnit.WORKING_DAYS),
}

# Urgent cases climb in hours, because a danger cannot wait for a working day.
URGENT_RUNG_LIMIT = Limit(2, LimitUnit.HOURS)

# How long a case may wait for its category before the liaison officer is
# reminded. No party works on it until then, and the classifier, unsure of the
# category, may also have missed an emergency. So the officer gets as long as
# the acknowledge limit of an urgent case, counted in clock hours.
TRIAGE_LIMIT = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """When routine messages wait: a nightly window and, optionally, rest days.

    Attributes:
        start: Local time the quiet window begins (22:00).
        end: Local time it ends (07:00); a window may wrap past midnight.
        rest_days: Hold routine messages on weekends and public holidays too.
    """

    start: time = time(22, 0)
    end: time = time(7, 0)
    rest_days: bool = True

    def release_at(self, due: datetime, *, urgent: bool, calendar: WorkCalendar) -> datetime:
        """Return the earliest moment at or after `due` when a message may go out.

        Urgent messages go at once; a routine one due in the quiet window or
        on a rest day waits for the end of the window on the next working day.
        """
        if urgent or self.start == self.end:
            return due
        zone = calendar.zone
        moment = due.astimezone(zone)
        # A year of days is more than any run of rest days; the bound only
        # guards against a calendar that declares every day a rest day.
        for _ in range(366):
            day = moment.date()
            if self.rest_days and not calendar.is_workday(day):
                moment = datetime.combine(day + timedelta(days=1), self.end, tzinfo=zone)
                continue
            clock = moment.timetz().replace(tzinfo=None)
            if self._in_window(clock):
                wake_day = (
                    day + timedelta(days=1)
                    if self.start > self.end and clock >= self.start
                    else day
                )
                moment = datetime.combine(wake_day, self.end, tzinfo=zone)
                continue
            return moment
        return due

    def _in_window(self, clock: time) -> bool:
        if self.start > self.end:
            return clock >= self.start or clock < self.end
        return self.start <= clock < self.end


@dataclass(frozen=True, slots=True)
class TimerConfig:
    """Everything the due-work sweep needs besides the database.

    Attributes:
        table: The time-limit table with its working-day calendar.
        reminder_fractions: Points of a limit, as fractions of it, at which
            the acting party is reminded (0.5 and 0.9 remind at half time and
            at 90%).
        rung_limits: How long each ladder rung has before the case climbs.
        triage_limit: How long a case may wait for its category before the
            liaison officer is reminded. The branch secretary is reminded
            one such span later.
        quiet: Quiet hours for routine messages.
        rating_reminder_after: When the reporter is reminded to rate.
        rating_close_after: When an unrated resolved case is closed as unrated.
        digest_time: Local time of the working-morning digests.
        weekly_digest: Send the weekly digest with its chart on the first
            working day of each week.
        chart_dir: Folder for the weekly chart images.
        batch_size: Timers or notifications handled per transaction.
    """

    table: LimitTable
    reminder_fractions: tuple[float, ...] = (0.5, 0.9)
    rung_limits: dict[Rung, Limit] = field(default_factory=lambda: dict(DEFAULT_RUNG_LIMITS))
    triage_limit: timedelta = TRIAGE_LIMIT
    quiet: QuietHours = field(default_factory=QuietHours)
    rating_reminder_after: timedelta = timedelta(days=1)
    rating_close_after: timedelta = timedelta(days=3)
    digest_time: time = time(8, 30)
    weekly_digest: bool = True
    chart_dir: str = "var/charts"
    batch_size: int = 500

    @property
    def calendar(self) -> WorkCalendar:
        return self.table.calendar

    @property
    def zone(self) -> ZoneInfo:
        return self.table.calendar.zone

    def rung_limit(self, rung: Rung, *, urgent: bool) -> Limit:
        return URGENT_RUNG_LIMIT if urgent else self.rung_limits[rung]
