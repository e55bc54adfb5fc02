"""The outcome of one send attempt of a notification: sent, retried later, failed or undeliverable."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.outbox import DeliveryResult
from models import NotificationStatus

# Waits before the second, third and fourth attempt. The adapters already
# retry within one send for some seconds, so these waits cover a platform
# that is down for longer: about two and a half hours in all.
RETRY_DELAYS = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """The status a notification takes after one attempt.

    Attributes:
        status: SENT when at least one recipient got it, PENDING when it is tried again,
            else FAILED or UNDELIVERABLE.
        error: The distinct errors of the deliveries that failed, or None.
        retry_at: When to try again, before quiet hours; only for PENDING.
        failed_platforms: Platforms on which a delivery failed, to report
            once the notification is not tried again.
    """

    status: NotificationStatus
    error: str | None = None
    retry_at: datetime | None = None
    failed_platforms: tuple[str, ...] = ()

    @property
    def final(self) -> bool:
        return self.status is not NotificationStatus.PENDING


def judge(results: Sequence[DeliveryResult], *, attempt: int, now: datetime) -> SendOutcome:
    """Decide the status of a notification from the results of its attempt number `attempt` (from 1).

    A notification that reached at least one recipient is sent. Its failed
    deliveries are not tried again, because a retry would repeat it to those
    who got it. One that reached no recipient is tried again while a platform
    failed and attempts are left. When no adapter or account exists for any
    recipient, waiting cannot help, so it is undeliverable at once.
    """
    failed = [r for r in results if not r.delivered]
    error = "; ".join(dict.fromkeys(str(r.error) for r in failed))[:1000] or None
    platforms = tuple(sorted({r.platform for r in failed if r.platform is not None}))
    if any(r.delivered for r in results):
        return SendOutcome(NotificationStatus.SENT, error, failed_platforms=platforms)
    if not results:
        return SendOutcome(NotificationStatus.UNDELIVERABLE, "no recipient could be resolved")
    if any(r.retryable for r in failed):
        if attempt < MAX_ATTEMPTS:
            return SendOutcome(NotificationStatus.PENDING, error, now + RETRY_DELAYS[attempt - 1])
        return SendOutcome(NotificationStatus.FAILED, error, failed_platforms=platforms)
    return SendOutcome(NotificationStatus.UNDELIVERABLE, error, failed_platforms=platforms)
