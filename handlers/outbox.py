"""Delivery of replies through the adapters, with a record of every send.

The outbox resolves a party to the accounts of the people who act for it and
hands each text to the adapter of its platform. Every message is stored as a
Delivery row before the first attempt. `enqueue` writes the rows in the
caller's transaction, so they commit with the change they report, and
`send_queued` makes the first attempt once it has committed. A process that
dies between the two leaves the rows to `retry_due`. A transient failure
(unreachable platform, timeout, 5xx, rate limit) leaves the row pending,
and `retry_due` sends it again with backoff until it is sent or given up
(see handlers.outbox_store). A message that finally fails is recorded on
its case and reported to the branch, not lost (see handlers.failure_reports
for when the notice goes out).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import outbox_store as store
from handlers.cases import record_event
from handlers.directory import CORP_ACCOUNT_PLATFORMS
from handlers.errors import DeliverySkipped, PlatformError
from handlers.failure_notices import Recipient, failure_notice, recipient_of
from handlers.failure_reports import (
    FAILURE_NOTICE_WAIT,
    FailureReport,
    MessageKey,
    lock_case,
    overdue_messages,
    reported,
    take_report,
)
from handlers.messages import ChatTarget, Outbound, PartyTarget, Reply, SendsImages, SendsInParts, UserTarget
from handlers.outbox_store import PERSONAL_PLACEHOLDER
from models import PARTY_ROLES, Case, Delivery, Identity, Party, PartyKind, Role, utcnow
from models.db import storage_unavailable

log = logging.getLogger("handlers.outbox")

__all__ = ["PERSONAL_PLACEHOLDER", "DeliveryResult", "Outbox", "QueuedReplies", "party_accounts"]

# Deliveries one retry pass claims, and how many of them are sent at once.
RETRY_BATCH = 50
RETRY_CONCURRENCY = 4

# Names of the delivery channels as staff know them.
PLATFORM_LABELS = {
    "wecom": "企业微信",
    "wecom_aibot": "企业微信智能机器人",
    "wecom_webhook": "企业微信群机器人",
    "wecom_archive": "企业微信会话内容存档",
    "wechat_mp": "公众号",
    "telegram": "Telegram",
    "replay": "聊天记录回放",
}


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """The outcome of one reply to one account, or to a party with no reachable account.

    Attributes:
        platform: The platform tried; None when no account was found to try.
        target: The account or party it was meant for, for logs.
        error: Why it was not delivered; None when it was.
        retryable: Whether a later attempt may succeed: the adapter failed
            in a way that can pass (network, timeout, 5xx, rate limit, or an
            unexpected exception). False for a rejection that repeats, and
            when no adapter or account exists, which only a new setup changes.
        skipped: The adapter chose not to send it (see
            handlers.errors.DeliverySkipped); `error` gives the reason.
    """

    platform: str | None
    target: str
    error: str | None = None
    retryable: bool = False
    skipped: bool = False

    @property
    def delivered(self) -> bool:
        return self.error is None


@dataclass(slots=True)
class QueuedReplies:
    """The delivery rows `Outbox.enqueue` wrote in a caller's transaction, for `Outbox.send_queued`.

    Attributes:
        rows: The rows written, one per account, in the order of the replies.
        unreachable: One failed result per party with no reachable account;
            nothing is written for such a party.
        sent_before: One delivered result per account that an earlier
            attempt of the same scheduled notification reached; nothing is
            written for such an account.
    """

    rows: list[Delivery] = field(default_factory=list)
    unreachable: list[DeliveryResult] = field(default_factory=list)
    sent_before: list[DeliveryResult] = field(default_factory=list)


class Outbox:
    """Sends replies through the registered adapters and retries transient failures."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        adapters: Iterable[Outbound] = (),
        *,
        fallback: Outbound | None = None,
        instance: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._adapters: dict[str, Outbound] = {a.platform: a for a in adapters}
        self._fallback = fallback
        self.instance = instance or store.instance_name()
        self._clock = clock

    def register(self, adapter: Outbound) -> None:
        self._adapters[adapter.platform] = adapter

    def adapter(self, platform: str) -> Outbound | None:
        return self._adapters.get(platform)

    async def deliver(
        self,
        replies: Iterable[Reply],
        *,
        report_failures: bool = True,
        retry: bool = True,
        notification_id: int | None = None,
    ) -> list[DeliveryResult]:
        """Store each reply as a delivery, send it once now, and return one result per account or unreachable party.

        The rows get a transaction of their own, see `enqueue` and
        `send_queued`. A caller that changes the database and then replies
        calls those two itself instead, so the replies commit with the change.
        """
        async with self._sessionmaker() as session, session.begin():
            queued = await self.enqueue(
                session, replies, report_failures=report_failures, retry=retry, notification_id=notification_id
            )
        return await self.send_queued(queued)

    async def enqueue(
        self,
        session: AsyncSession,
        replies: Iterable[Reply],
        *,
        report_failures: bool = True,
        retry: bool = True,
        notification_id: int | None = None,
    ) -> QueuedReplies:
        """Resolve each reply's targets and write its delivery rows in the caller's transaction.

        Pass the result to `send_queued` once the transaction has committed.
        If the process stops first, the periodic pass sends the rows after
        FIRST_ATTEMPT_WAIT, and a rollback leaves no row at all.

        With `retry`, a transient failure is tried again later by
        `retry_due`. Without it the caller retries the message itself, so the
        rows are written already claimed by this process, and the periodic
        pass closes an interrupted one instead of sending it. A message about
        a case that finally fails is reported to the compound's branch,
        unless `report_failures` is False: then the caller reports it with
        `queue_failure_report` once it stops retrying.

        With `notification_id`, the rows are one more attempt of that
        scheduled notification. An account that an earlier attempt reached
        gets no row and counts as delivered. A row to an account that an
        earlier attempt reached in part starts after the parts (and the
        text before a picture) recorded as arrived, so it repeats none of them.
        """
        queued = QueuedReplies()
        sends: list[tuple[Reply, ChatTarget | UserTarget]] = []
        for reply in replies:
            targets = await self._resolve(session, reply.target)
            if not targets and isinstance(reply.target, PartyTarget):
                party_id = reply.target.party_id
                error = f"party {party_id} has no member with an account on a running adapter"
                queued.unreachable.append(DeliveryResult(None, f"party:{party_id}", error))
            sends.extend((reply, target) for target in targets)
        unique = _drop_repeats(self._one_wecom_route(sends))
        if not unique:
            return queued
        now = self._clock()
        earlier = await store.attempts_of_notification(session, notification_id) if notification_id is not None else {}
        for reply, target in unique:
            row = self._row(reply, target, now=now, retry=retry, report_failure=report_failures)
            before = earlier.get(store.account_key(row.platform, row.target_kind, row.target_id, row.thread_id))
            if before is not None and before.status == store.SENT:
                queued.sent_before.append(DeliveryResult(row.platform, row.target_id))
                continue
            if before is not None:
                row.parts_sent, row.text_sent = before.parts_sent, before.text_sent
            row.notification_id = notification_id
            queued.rows.append(row)
        if not queued.rows:
            return queued
        session.add_all(queued.rows)
        # The ids are what send_queued claims the rows by.
        await session.flush()
        return queued

    async def send_queued(self, queued: QueuedReplies) -> list[DeliveryResult]:
        """Make the first attempt at rows that `enqueue` wrote, after their transaction committed.

        Returns one result per unreachable party, per account an earlier
        attempt reached (see `enqueue`), and per row this call tried. A
        failed send is recorded on its row, not raised, but a database
        error while recording it is raised. A row that a periodic pass took
        first is sent by that pass and has no result here. When the database
        is unavailable for the claim, the rows stay pending for the periodic
        pass, and only the unreachable parties and the accounts reached
        before have results.
        """
        results = [*queued.unreachable, *queued.sent_before]
        if not queued.rows:
            return results
        now = self._clock()
        waiting = [row.id for row in queued.rows if row.status == store.PENDING]
        try:
            claimed = await store.claim_written(self._sessionmaker, waiting, now=now, instance=self.instance)
        except Exception as exc:
            if not storage_unavailable(exc):
                raise
            log.warning(
                "first attempt of %s deliveries left to the retry pass, the database is unavailable: %s",
                len(waiting),
                type(exc).__name__,
            )
            claimed = set()
        # The rows are tried one after another, so _attempt renews the claim
        # of a row that waited long behind the rows before it.
        for row in queued.rows:
            if row.id in claimed:
                row.status, row.claimed_at, row.claimed_by = store.SENDING, now, self.instance
            elif row.status == store.PENDING:
                log.info("delivery %s was taken by the retry pass before its first attempt", row.id)
                continue
            result = await self._attempt(row, now)
            if result is not None:
                results.append(result)
        return results

    async def retry_due(self, now: datetime | None = None, *, limit: int = RETRY_BATCH) -> int:
        """Claim the deliveries due for another attempt, send them, and return how many were claimed.

        Overdue 【发送失败】 notices go out first, so slow sends in the pass do not delay them.
        """
        now = now or self._clock()
        try:
            await self.report_overdue_failures(now)
        except Exception:
            # The retries must go on even while one notice cannot be written.
            log.exception("overdue failure notices not sent: instance=%s", self.instance)
        claimed = await store.claim_due(self._sessionmaker, now=now, instance=self.instance, limit=limit)
        if not claimed:
            return 0
        log.info("retrying %s deliveries: instance=%s", len(claimed), self.instance)
        gate = asyncio.Semaphore(RETRY_CONCURRENCY)

        async def attempt(delivery: Delivery) -> None:
            async with gate:
                await self._attempt(delivery, now)

        await asyncio.gather(*(attempt(d) for d in claimed))
        return len(claimed)

    async def release_claims(self) -> int:
        """Return the deliveries this process still has claimed to the queue, at shutdown."""
        released = await store.release_claims(self._sessionmaker, now=self._clock(), instance=self.instance)
        if released:
            log.warning("released %s interrupted deliveries: instance=%s", released, self.instance)
        return released

    def _row(
        self, reply: Reply, target: ChatTarget | UserTarget, *, now: datetime, retry: bool, report_failure: bool
    ) -> Delivery:
        target_kind = "chat" if isinstance(target, ChatTarget) else "user"
        # A retried row waits for the writer's claim after the commit. A row
        # the caller retries itself is claimed at once, so the periodic pass
        # closes it rather than sends it when the process dies.
        status, claimed_by = (store.PENDING, None) if retry else (store.SENDING, self.instance)
        return Delivery(
            case_id=reply.case_id,
            platform=target.platform,
            target_kind=target_kind,
            target_id=target.chat_id if isinstance(target, ChatTarget) else target.user_id,
            thread_id=target.thread_id if isinstance(target, ChatTarget) else None,
            text=reply.text,
            status=status,
            attempts=0,
            created_at=now,
            next_attempt_at=now + store.FIRST_ATTEMPT_WAIT if retry else None,
            audience=reply.audience,
            reply_to=reply.reply_to,
            image_path=reply.image_path,
            personal=reply.personal,
            report_failure=report_failure,
            give_up_at=store.give_up_at(now, target_kind) if retry else None,
            claimed_at=now if claimed_by else None,
            claimed_by=claimed_by,
        )

    def _one_wecom_route(
        self, sends: list[tuple[Reply, ChatTarget | UserTarget]]
    ) -> list[tuple[Reply, ChatTarget | UserTarget]]:
        """Keep one copy of a text to a corp member who has accounts on several WeCom routes.

        The app, the AI bot and the archive of one corp address a member by
        the same WeCom user id. The AI bot and the archive reach a person
        through the app, so such a member would get every notice two or
        three times. Of the routes whose adapters run, the app copy is kept
        first, then the AI-bot copy (which may still have a response_url),
        then the archive copy, in the order of CORP_ACCOUNT_PLATFORMS.
        """
        running = [p for p in CORP_ACCOUNT_PLATFORMS if p in self._adapters]
        best: dict[tuple[str, str], int] = {}
        for reply, target in sends:
            if isinstance(target, UserTarget) and target.platform in running:
                key = (reply.text, target.user_id)
                best[key] = min(best.get(key, len(running)), running.index(target.platform))
        return [
            (reply, target)
            for reply, target in sends
            if not (
                isinstance(target, UserTarget)
                and target.platform in running
                and running.index(target.platform) > best[(reply.text, target.user_id)]
            )
        ]

    async def _resolve(
        self, session: AsyncSession, target: ChatTarget | UserTarget | PartyTarget
    ) -> list[ChatTarget | UserTarget]:
        if not isinstance(target, PartyTarget):
            return [target]
        return await self._party_targets(session, target)

    async def _party_targets(self, session: AsyncSession, target: PartyTarget) -> list[ChatTarget | UserTarget]:
        targets = await party_accounts(session, target.party_id, set(self._adapters))
        if not targets and self._fallback is not None:
            # The replay and the console have no accounts for staff, so they
            # address the party by its name.
            return [UserTarget(platform=self._fallback.platform, user_id=target.name)]
        if not targets:
            log.warning(
                "party %s has no member with an account on a running adapter; message not sent", target.party_id
            )
        return targets

    async def _attempt(self, delivery: Delivery, now: datetime) -> DeliveryResult | None:
        """Send a claimed delivery once and store what came of it, as of `now`.

        Returns None when another process took the delivery over, because
        its claim went stale while it waited behind slow sends or while its
        text was sent. This call then sent nothing, some parts of a split
        text, or only the text, and that process sends the rest.
        """
        if not await self._hold_claim(delivery, now):
            return None
        adapter = self._adapters.get(delivery.platform) or self._fallback
        target: ChatTarget | UserTarget = (
            ChatTarget(delivery.platform, delivery.target_id, delivery.thread_id)
            if delivery.target_kind == "chat"
            else UserTarget(delivery.platform, delivery.target_id)
        )
        if adapter is None:
            outcome = _PartOutcome(f"no adapter for platform {delivery.platform}")
        else:
            outcome = _ARRIVED
            if not delivery.text_sent:
                try:
                    outcome = await _send_part(delivery, self._send_text(adapter, target, delivery))
                except _ClaimLost:
                    return None
            if outcome.error is None and delivery.image_path:
                if not await self._text_arrived(delivery):
                    return None
                outcome = await _send_part(delivery, self._send_image(adapter, target, Path(delivery.image_path)))
        await self._settle(
            delivery,
            outcome.error,
            now=now,
            transient=outcome.transient,
            retry_after=outcome.retry_after,
            skipped=outcome.skipped,
        )
        return DeliveryResult(
            delivery.platform, delivery.target_id, outcome.error, retryable=outcome.transient, skipped=outcome.skipped
        )

    async def _send_text(self, adapter: Outbound, target: ChatTarget | UserTarget, delivery: Delivery) -> None:
        """Send a delivery's text, resuming after the parts an earlier attempt delivered.

        Each part that arrived is recorded before the next one goes out, so
        a retry, also one after this process died, repeats no part the chat
        already shows.

        Raises:
            _ClaimLost: Another process took the delivery over between two
                parts, and sends the rest itself.
        """
        if not isinstance(adapter, SendsInParts):
            await adapter.send(target, delivery.text, reply_to=delivery.reply_to)
            return

        async def record(parts: int) -> None:
            now = self._clock()
            if not await store.mark_parts_sent(self._sessionmaker, delivery.id, parts, now=now, instance=self.instance):
                log.warning(
                    "delivery %s was taken over by another process after %s parts; the rest is left to it: case=%s",
                    delivery.id,
                    parts,
                    delivery.case_id,
                )
                raise _ClaimLost
            delivery.parts_sent, delivery.claimed_at = parts, now

        await adapter.send_parts(
            target,
            delivery.text,
            reply_to=delivery.reply_to,
            first_part=delivery.parts_sent,
            parts_sent=record,
        )

    async def _text_arrived(self, delivery: Delivery) -> bool:
        """Record that a delivery's text arrived, before its picture is sent.

        A picture that fails is tried again later without its text, which
        the chat already shows. The record commits before the picture goes
        out, so it also counts when this process dies during that send.
        Returns False when another process took the delivery over.
        """
        if delivery.text_sent:
            return True
        if not await store.mark_text_sent(self._sessionmaker, delivery.id, instance=self.instance):
            log.warning(
                "delivery %s was taken over by another process after its text was sent; picture left to it: case=%s",
                delivery.id,
                delivery.case_id,
            )
            return False
        delivery.text_sent = True
        return True

    async def _hold_claim(self, delivery: Delivery, now: datetime) -> bool:
        """Renew the claim of a delivery that waited since it was claimed; return False when it was lost."""
        current = max(now, self._clock())
        if delivery.claimed_at is not None and current - delivery.claimed_at < store.RENEW_CLAIM_AFTER:
            return True
        if not await store.renew_claim(self._sessionmaker, delivery.id, now=current, instance=self.instance):
            log.warning(
                "delivery %s waited past its claim and another process took it; not sent here: case=%s",
                delivery.id,
                delivery.case_id,
            )
            return False
        delivery.claimed_at = current
        return True

    async def _settle(
        self,
        delivery: Delivery,
        error: str | None,
        *,
        now: datetime,
        transient: bool,
        retry_after: float | None,
        skipped: bool = False,
    ) -> None:
        """Mark a delivery sent, pending for a later attempt, skipped or failed, and report a final failure.

        A skipped delivery is final like a failure, but it is neither
        recorded on the case nor reported to the branch, because an adapter
        skips a message only when the people concerned get the news another way.
        """
        attempts = delivery.attempts + 1
        retry_at = None
        if error is not None and transient:
            retry_at = store.next_attempt_at(attempts, now, delivery.give_up_at, retry_after)
        values: dict[str, object] = {"attempts": attempts, "claimed_at": None, "claimed_by": None}
        if error is None:
            values.update(status=store.SENT, sent_at=now, next_attempt_at=None, last_error=None)
            if delivery.personal:
                values["text"] = PERSONAL_PLACEHOLDER
        elif skipped:
            values.update(status=store.SKIPPED, next_attempt_at=None, last_error=error[:1000])
            if delivery.personal:
                values["text"] = store.UNSENT_PERSONAL_PLACEHOLDER
        elif retry_at is not None:
            values.update(status=store.PENDING, next_attempt_at=retry_at, last_error=error[:1000])
        else:
            values.update(status=store.FAILED, next_attempt_at=None, last_error=error[:1000])
            if delivery.personal:
                values["text"] = store.UNSENT_PERSONAL_PLACEHOLDER
            if reported(delivery):
                values["notice_due_at"] = now + FAILURE_NOTICE_WAIT
        notices = QueuedReplies()
        async with self._sessionmaker() as session, session.begin():
            result = await session.execute(
                update(Delivery)
                .where(
                    Delivery.id == delivery.id,
                    Delivery.status == store.SENDING,
                    Delivery.claimed_by == self.instance,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 0:
                log.warning(
                    "delivery %s was reclaimed while this process sent it; outcome not stored: error=%s",
                    delivery.id,
                    error,
                )
                return
            if reported(delivery):
                # Taken before the failure event is written: that insert
                # holds a key-share lock on the case row, and two settles
                # holding one each could not both upgrade it.
                await lock_case(session, delivery.case_id)
            if values["status"] == store.FAILED and delivery.case_id is not None:
                recipient = await recipient_of(session, delivery)
                await _record_failure(session, delivery.case_id, delivery.platform, error or "", recipient)
            if reported(delivery):
                # Every outcome may be the one a failed reply of the same
                # message waits for, so each settle checks.
                key = MessageKey.of(delivery)
                report = await take_report(session, key, now)
                if report is not None:
                    notices = await self._queue_report(session, key, report)
        for name, value in values.items():
            setattr(delivery, name, value)
        self._log_outcome(delivery, error)
        # The notices were stored with the failure, so a crash here still sends them later.
        await self.send_queued(notices)

    def _log_outcome(self, delivery: Delivery, error: str | None) -> None:
        ids = f"id={delivery.id} platform={delivery.platform} target={delivery.target_id} case={delivery.case_id}"
        if delivery.status == store.SENT:
            if delivery.attempts > 1:
                log.info("delivery sent on attempt %s: %s", delivery.attempts, ids)
        elif delivery.status == store.SKIPPED:
            log.warning("delivery skipped, not sent: %s reason=%s", ids, error)
        elif delivery.status == store.PENDING:
            log.warning(
                "delivery attempt %s failed; retry at %s: %s error=%s",
                delivery.attempts,
                delivery.next_attempt_at.isoformat() if delivery.next_attempt_at else "?",
                ids,
                error,
            )
        else:
            log.error("delivery failed after %s attempts: %s error=%s", delivery.attempts, ids, error)

    async def _send_image(self, adapter: Outbound, target: ChatTarget | UserTarget, path: Path) -> None:
        if not isinstance(adapter, SendsImages):
            # The text already contains the figures the chart shows, so a
            # platform without image support sends the text alone.
            log.info("adapter %s sends no images; %s not sent", adapter.platform, path.name)
            return
        await adapter.send_image(target, path)

    async def queue_failure_report(
        self,
        session: AsyncSession,
        case_id: int,
        platform: str,
        *,
        deliveries: Sequence[Delivery] = (),
        retrying: Sequence[Delivery] = (),
        follow_up: bool = False,
    ) -> QueuedReplies:
        """Write the 【发送失败】 notice to the case's branch in the caller's transaction; see `enqueue`.

        The liaison officer hears of every message that never arrived, so no
        resident waits on it unknowingly. The notice names the recipient of
        each of `deliveries`, the failed replies of one message on one
        platform, and quotes the first text without personal data, so the
        officer can tell whom to contact and about what. It lists the
        recipients of `retrying`, the replies of the message still being
        tried. With `follow_up`, an earlier notice listed `deliveries` as
        still retrying. Call this in the transaction that records the
        failure, then `send_queued` after it commits. A failed report to the
        officer is recorded on the case but not reported again.
        """
        case = await session.get(Case, case_id)
        branch = case.compound.party(PartyKind.PARTY) if case is not None else None
        if case is None or branch is None:
            return QueuedReplies()
        recipients = [await recipient_of(session, delivery) for delivery in deliveries]
        still = [await recipient_of(session, delivery) for delivery in retrying]
        quoted = next((d.text for d in deliveries if not d.personal), None)
        channel = PLATFORM_LABELS.get(platform, platform)
        text = failure_notice(case, channel, recipients, quoted, retrying=still, follow_up=follow_up)
        reply = Reply(PartyTarget(branch.id, branch.name), text, case_id, "officer")
        return await self.enqueue(session, [reply], report_failures=False)

    async def report_overdue_failures(self, now: datetime, *, limit: int = RETRY_BATCH) -> int:
        """Send the 【发送失败】 notices that waited FAILURE_NOTICE_WAIT for other replies' attempts; return how many.

        A settle sends a notice once no other reply of its message is in an
        attempt. This pass bounds the wait when such an attempt hangs or the
        process that would settle it died.
        """
        async with self._sessionmaker() as session:
            keys = await overdue_messages(session, now, limit=limit)
        sent = 0
        for key in keys:
            async with self._sessionmaker() as session, session.begin():
                report = await take_report(session, key, now, overdue=True)
                if report is None:
                    # Another process or a settle named these failures first.
                    continue
                notices = await self._queue_report(session, key, report)
            log.info(
                "failure notice waited %s for other replies' attempts: case=%s platform=%s",
                FAILURE_NOTICE_WAIT,
                key.case_id,
                key.platform,
            )
            sent += 1
            await self.send_queued(notices)
        return sent

    async def _queue_report(self, session: AsyncSession, key: MessageKey, report: FailureReport) -> QueuedReplies:
        log.info(
            "failure notice queued: case=%s platform=%s failed=%s retrying=%s follow_up=%s",
            key.case_id,
            key.platform,
            [d.id for d in report.failed],
            [d.id for d in report.retrying],
            report.follow_up,
        )
        return await self.queue_failure_report(
            session,
            key.case_id,
            key.platform,
            deliveries=report.failed,
            retrying=report.retrying,
            follow_up=report.follow_up,
        )


@dataclass(frozen=True, slots=True)
class _PartOutcome:
    """The result of sending one part (text or picture) of a delivery, with an error of None when it arrived."""

    error: str | None = None
    transient: bool = False
    retry_after: float | None = None
    # The adapter chose not to send, because the people concerned get the news another way.
    skipped: bool = False


_ARRIVED = _PartOutcome()


class _ClaimLost(Exception):
    """Stops the sending of a delivery that another process took over."""


async def _send_part(delivery: Delivery, sending: Awaitable[None]) -> _PartOutcome:
    """Await an adapter's send of a delivery's text or picture and return what came of it."""
    try:
        await sending
    except _ClaimLost:
        raise
    except DeliverySkipped as exc:
        return _PartOutcome(str(exc), skipped=True)
    except PlatformError as exc:
        return _PartOutcome(str(exc), exc.transient, exc.retry_after)
    except Exception as exc:
        # A bug or an unexpected client error in one adapter must not
        # stop the other replies of the same message. It may be a
        # network error the adapter does not know, so it is retried.
        log.exception("adapter %s raised while sending delivery %s", delivery.platform, delivery.id)
        return _PartOutcome(f"{type(exc).__name__}: {exc}", transient=True)
    return _ARRIVED


def _drop_repeats(
    sends: list[tuple[Reply, ChatTarget | UserTarget]],
) -> list[tuple[Reply, ChatTarget | UserTarget]]:
    """Keep one copy of each text per account.

    A notice addressed to a party and to some of its members by their own
    accounts (the branch and its liaison officer) would otherwise reach
    those members twice.
    """
    seen: set[tuple[str, ChatTarget | UserTarget]] = set()
    unique: list[tuple[Reply, ChatTarget | UserTarget]] = []
    for reply, target in sends:
        if (reply.text, target) in seen:
            continue
        seen.add((reply.text, target))
        unique.append((reply, target))
    return unique


async def party_accounts(session: AsyncSession, party_id: int, platforms: set[str]) -> list[ChatTarget | UserTarget]:
    """Return the platform accounts of everyone who acts for a party."""
    party = await session.get(Party, party_id)
    if party is None:
        return []
    roles = PARTY_ROLES[PartyKind(party.kind)]
    rows = await session.execute(
        select(Identity.platform, Identity.platform_user_id)
        .join(Role, Role.member_id == Identity.member_id)
        .where(
            Role.compound_id == party.compound_id,
            Role.role.in_([r.value for r in roles]),
            Identity.platform.in_(platforms),
        )
        .distinct()
    )
    return [UserTarget(platform=p, user_id=u) for p, u in rows]


async def _record_failure(
    session: AsyncSession, case_id: int, platform: str, error: str, recipient: Recipient
) -> None:
    case = await session.get(Case, case_id)
    if case is None:
        return
    record_event(
        session,
        case,
        "delivery_failed",
        actor_label="bot",
        note=PLATFORM_LABELS.get(platform, platform),
        at=utcnow(),
        data={"platform": platform, "error": error[:500], "recipient": recipient.label},
    )
