"""The product's exception tree.

Domain failures, platform failures and configuration failures are kept apart
from control flow. Messages of DomainError subclasses are shown to people and
are in Chinese; the others are for logs and operators.
"""

from __future__ import annotations


class BotError(Exception):
    """Base of every error this product raises on purpose."""


class ConfigError(BotError):
    """A setting is missing or invalid; the process cannot start."""


class PlatformError(BotError):
    """A remote platform rejected a request or could not be reached.

    Attributes:
        transient: A later attempt may succeed: the platform was unreachable,
            timed out, answered 5xx or 429, or asked the sender to wait. False
            for a rejection that repeats (bad request, unknown user, bot removed).
        retry_after: Seconds the platform asked the sender to wait, if it said.
    """

    def __init__(self, message: str, *, transient: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after


class DeliverySkipped(PlatformError):
    """A message the adapter did not send on purpose, because no route reaches its target.

    The people the message concerns get the same news another way, so the
    outbox records it as skipped with this reason, and neither retries it
    nor reports it to the branch. A caller that catches only PlatformError
    still treats it as not delivered.
    """


class DomainError(BotError):
    """A request that breaks a business rule; the message is for the user, in Chinese."""


class NotFound(DomainError):
    """A case, compound or member the user named does not exist."""


class PermissionDenied(DomainError):
    """The user's role does not allow the command."""


class InvalidTransition(DomainError):
    """The case's state does not allow the requested change."""


class BadCommand(DomainError):
    """The command's arguments are missing or malformed."""
