"""The intake pipeline every adapter feeds: store, classify, open or join, route, reply.

A message is first stored on its own and committed, so a crash later never
loses it and a redelivery finds it. Then one transaction does the rest,
marks the message with its outcome and writes its replies to the outbox, so
a crash after that commit still leaves the replies to be sent.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import onboarding_texts
from handlers import replies as texts
from handlers.case_questions import (
    asks_about_own_cases,
    case_not_found_text,
    ended_case_hint,
    missing_case_number,
    named_case,
)
from handlers.cases import (
    NUDGE_COUNTS,
    add_reporter,
    correct_location,
    fill_location,
    follow_merges,
    open_case,
    record_event,
)
from handlers.commands import CommandContext, CommandRegistry
from handlers.commands import report as report_command
from handlers.commands.base import reply_here
from handlers.commands.register import STAFF_CHAT_COMMANDS, asks_for_own_record
from handlers.commands.resident import NO_CASES_TEXT, reported_cases, reported_cases_text
from handlers.directory import chat_for, member_for
from handlers.duplicates import CONVERSATION_WINDOW, bare_danger_fits, find_duplicate, trapped_in_case_lift
from handlers.errors import DomainError
from handlers.follow_ups import OwnCase, own_case_for_detail, raise_to_urgent, record_detail
from handlers.messages import (
    ChatTarget,
    InboundMessage,
    PartyTarget,
    Reply,
    chat_target,
    with_spoken_text,
)
from handlers.onboarding import (
    LineKind,
    add_home_building,
    carry_home,
    home_of,
    invalid_building,
    onboard,
    rescan,
    text_without_code,
    tries_to_name_home,
    words_beside_home,
)
from handlers.onboarding_lines import asks_how_to_use, read_line
from handlers.outbox import Outbox, QueuedReplies
from handlers.pending_note import pending_note
from handlers.permissions import Level, access_for, holds_staff_role, is_reporter
from handlers.rawstore import claim_pending, message_from_raw, raw_message_for, stored_outcome
from handlers.register_address import MAX_BUILDING_NUMBER
from handlers.register_notices import care_notices
from handlers.report_building import add_building_note, drop_invalid_buildings
from handlers.report_places import (
    ReportCorrection,
    cases_of_report,
    correct_report,
    disputed_location,
    place_awaiting,
    unplaced_reply,
)
from handlers.routing import unstaffed_notice
from handlers.similarity import has_topic, same_topic
from handlers.urgent_raise import raise_for_joined_line, raises_case
from models import (
    Attachment,
    Case,
    CaseStatus,
    ChatGroup,
    ChatKind,
    Compound,
    Member,
    MessageOutcome,
    PartyKind,
    RawMessage,
    utcnow,
)
from models.db import storage_unavailable
from nlp.cues import AGREEMENT_MARKS, ME_TOO, ME_TOO_PHRASES, find_danger
from nlp.findings import PLACES_IN_BUILDING, Finding, Location, carry_places
from nlp.labels import COMPOUND_WIDE
from nlp.locate import extract_location, has_only_address_words, is_bare_address
from nlp.normalize import normalize as normalize_text
from nlp.subjects import subjects

log = logging.getLogger("handlers.intake")

# A neighbour who smells or hears the same thing: "我也闻到了", "我家也听到了".
_SENSED_TOO = r"(?:我|我家|我们|我们家)也(?:闻到|听到)了?"
# The same phrases opening a longer message: "我也是，楼上每天半夜噪音".
_ME_TOO_PREFIX = re.compile(rf"^\s*(?:{ME_TOO_PHRASES}|{_SENSED_TOO}|我家也|我们家也|同样)")
# Marks that only ever second a report, unlike "我也是", which also replies to a
# greeting ("我也是，早上好"). Whatever small talk follows them, the line joins.
_AGREEMENT_PREFIX = re.compile(rf"^\s*(?:{AGREEMENT_MARKS}|{_SENSED_TOO})")
# Words that open a self-correction before the right address:
# "不对，是6栋的", "搞错了，是6栋", "应该是6栋的", "不是5栋，是6栋的".
_CORRECTION_PREFIX = re.compile(
    r"^\s*(?:(?:不对|搞错了|弄错了|说错了|写错了|打错了|错了|更正一下|更正|纠正一下|纠正|不是[^,.!?;]*)[\s,.!?;:~]*)?"
    r"(?:应该|其实|实际上)?"
)
# The address shown as an example after a building out of range, in a chat bound to its compound.
_ADDRESS_EXAMPLE = "例如“3栋2单元”"
FOLLOW_UP_WINDOW = timedelta(hours=2)
ATTACHMENT_WINDOW = timedelta(minutes=30)
# How far back a resident's reports from before they named their compound are
# registered once they do.
PENDING_WINDOW = timedelta(days=7)


class Classifies(Protocol):
    def classify(self, text: str) -> list[Finding]: ...

    def category_scores(self, text: str) -> Mapping[str, float]: ...


@dataclass(slots=True)
class IntakeResult:
    """The outcome of one message, with the cases it touched and the replies to send."""

    outcome: str
    raw_id: int | None = None
    duplicate: bool = False
    case_ids: list[int] = field(default_factory=list)
    opened: int = 0
    attached: int = 0
    # Cases of the sender's own that got or corrected their place ("是12栋的"),
    # counted apart from joins because no new reporter joined.
    located: int = 0
    # Lines recorded as detail on the sender's own case ("车都堵在外面了").
    detailed: int = 0
    replies: list[Reply] = field(default_factory=list)
    # Category and route of each case opened, in order.
    categories: list[str] = field(default_factory=list)
    routes: list[str] = field(default_factory=list)


class Pipeline:
    """Turns inbound messages into cases and replies."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        classifier: Classifies,
        outbox: Outbox,
        commands: CommandRegistry,
        *,
        triage_threshold: float = 0.45,
        duplicate_window: timedelta = timedelta(hours=72),
        clock: Callable[[], datetime] = utcnow,
        zone: ZoneInfo | None = None,
        corrections_path: Path | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.classifier = classifier
        self.outbox = outbox
        self.commands = commands
        self.triage_threshold = triage_threshold
        self.duplicate_window = duplicate_window
        self.clock = clock
        self.zone = zone or ZoneInfo("Asia/Shanghai")
        self.corrections_path = corrections_path

    async def handle(self, message: InboundMessage, *, now: datetime | None = None) -> IntakeResult:
        """Store a message, act on it once, and deliver the replies."""
        started = time.perf_counter()
        raw_id = await self.store(message)
        if raw_id is None:
            log.info(
                "message platform=%s id=%s outcome=duplicate ms=%.1f",
                message.platform,
                message.message_id,
                (time.perf_counter() - started) * 1000,
            )
            return IntakeResult(outcome="duplicate", duplicate=True)
        result = await self.process(raw_id, message, now=now or self.clock())
        log.info(
            "message platform=%s id=%s outcome=%s cases=%s ms=%.1f",
            message.platform,
            message.message_id,
            result.outcome,
            result.case_ids,
            (time.perf_counter() - started) * 1000,
        )
        return result

    async def store(
        self, message: InboundMessage, *, sessionmaker: async_sessionmaker[AsyncSession] | None = None
    ) -> int | None:
        """Store the raw message and commit; return None when it was stored and processed before.

        A redelivery of a message still pending returns the stored id, so the
        caller tries to process it: a crash may have stopped the first try, and
        process() lets only one try through. `sessionmaker` replaces the
        pipeline's own, e.g. with one whose lock waits are short.
        """
        message = with_spoken_text(message)
        async with (sessionmaker or self.sessionmaker)() as session:
            existing = (await session.execute(stored_outcome(message))).first()
            if existing is not None:
                raw_id, outcome = existing
                return raw_id if outcome == MessageOutcome.PENDING else None
            raw = raw_message_for(message)
            session.add(raw)
            try:
                await session.commit()
            except IntegrityError:
                # A concurrent delivery of the same message won the race, and
                # the winner processes it.
                await session.rollback()
                return None
            return raw.id

    async def process(self, raw_id: int, message: InboundMessage, *, now: datetime) -> IntakeResult:
        """Act on a stored message in one transaction, record its outcome, and send its replies.

        The replies are written to the outbox in that transaction and sent
        once it commits. A process that stops in between leaves them to the
        outbox's retry pass. Returns a duplicate result without acting when
        the message is no longer pending or another transaction is processing it.

        Raises:
            Exception: The database became unreachable or stayed locked (see
                models.db.storage_unavailable); the message stays pending for
                a redelivery or the pending-message pass.
        """
        message = with_spoken_text(message)
        try:
            async with self.sessionmaker() as session, session.begin():
                if not await claim_pending(session, raw_id):
                    return IntakeResult(outcome="duplicate", raw_id=raw_id, duplicate=True)
                raw = await session.get_one(RawMessage, raw_id)
                result = await self._process(session, raw, message, now)
                raw.outcome = result.outcome
                raw.processed_at = utcnow()
                raw.case_id = result.case_ids[0] if result.case_ids else None
                result.raw_id = raw_id
                queued = await self.outbox.enqueue(session, result.replies)
        except Exception as exc:
            if storage_unavailable(exc):
                log.warning(
                    "message left pending, the database is unavailable: platform=%s id=%s raw=%s error=%s",
                    message.platform,
                    message.message_id,
                    raw_id,
                    type(exc).__name__,
                )
                raise
            log.exception(
                "message processing failed: platform=%s id=%s raw=%s",
                message.platform,
                message.message_id,
                raw_id,
            )
            apology = Reply(
                target=chat_target(message),
                text=texts.apology(),
                reply_to=message.message_id,
            )
            queued = await self._mark_failed(raw_id, apology, self.failed_text(message.text))
            if queued is None:
                return IntakeResult(outcome="duplicate", raw_id=raw_id, duplicate=True)
            result = IntakeResult(outcome=MessageOutcome.FAILED, raw_id=raw_id, replies=[apology])
        await self.outbox.send_queued(queued)
        return result

    def failed_text(self, text: str) -> str | None:
        """Return the text a failed message keeps in place of a personal command's, or None to keep its own.

        A failed message never reached the checks that may read a command
        word as a resident's report, so every line that parses as a personal
        command (登记住户 with a phone number) loses its text.
        """
        parsed = self.commands.parse(text)
        if parsed is None or not parsed.spec.personal:
            return None
        return _personal_placeholder(parsed.spec.verbs[0])

    async def _mark_failed(self, raw_id: int, apology: Reply, text: str | None) -> QueuedReplies | None:
        """Mark the message failed and queue the apology in one transaction; None when it was not pending.

        A `text` replaces the stored text (see failed_text).
        """
        values: dict[str, object] = {"outcome": MessageOutcome.FAILED.value, "processed_at": utcnow()}
        if text is not None:
            values["text"] = text

        # Only while still pending: another process may have claimed and
        # processed the message since this transaction rolled back.
        async with self.sessionmaker() as session, session.begin():
            marked = await session.execute(
                update(RawMessage)
                .where(RawMessage.id == raw_id, RawMessage.outcome == MessageOutcome.PENDING.value)
                .values(**values)
            )
            if marked.rowcount != 1:
                return None
            return await self.outbox.enqueue(session, [apology])

    async def _process(
        self, session: AsyncSession, raw: RawMessage, message: InboundMessage, now: datetime
    ) -> IntakeResult:
        chat = await chat_for(
            session,
            message.platform,
            message.chat_id,
            title=message.chat_title,
            private=message.is_private,
        )
        raw.chat_group_id = chat.id
        member = await member_for(session, message.platform, message.sender_id, message.sender_name)

        parsed = self.commands.parse(message.text)
        # A bare 我的信息 stays a command, whose reply points the resident to a private chat.
        own_record = parsed is not None and asks_for_own_record(parsed.spec.name, parsed.args)
        if (
            parsed is not None
            and not own_record
            and await _resident_words_not_command(session, parsed.spec.name, chat, member)
        ):
            parsed = None
        if parsed is not None and parsed.staff_only and not await _sent_by_staff(session, chat, member):
            # "开门 1002" from a resident may name a flat, so it goes on as a report.
            parsed = None
        reporting = parsed is not None and parsed.spec is report_command.SPEC
        if reporting and await _names_no_compound_yet(session, chat, member):
            # A resident's first private message names their compound, and the
            # onboarding reads a report in it too.
            message = replace(message, text=parsed.rest)
            parsed = None
        if parsed is not None:
            ctx = CommandContext(
                session=session,
                message=message,
                raw=raw,
                chat=chat,
                member=member,
                now=now,
                args=parsed.args,
                rest=parsed.rest,
                zone=self.zone,
                corrections_path=self.corrections_path,
                classify=self.classifier.classify,
            )
            reports: list[IntakeResult] = []
            if parsed.spec is report_command.SPEC:
                ctx.open_report = self._report_opener(session, raw, message, chat, member, now, reports)
            result = await self._run_command(session, ctx, parsed.spec.handler)
            if reports and result.case_ids:
                # The outcome and counts of a 报事 are those of the report it opened.
                reports[-1].replies = result.replies
                return reports[-1]
            if parsed.spec.name == "bind" and chat.compound_id is not None and chat.kind == ChatKind.RESIDENT_GROUP:
                # Reports the group sent before it was bound are registered now.
                # A staff group's earlier talk is no report, as its later talk is not.
                await self._open_pending(session, raw, chat, member, now, result)
            if parsed.spec.personal:
                # The replies repeat the personal data, so their delivery
                # records must not keep it either.
                result.replies = [replace(r, personal=True) for r in result.replies]
                # After the savepoint, so a rejected command is redacted too.
                # A command that crashes rolls this back, so _mark_failed
                # redacts the text again.
                raw.text = _personal_placeholder(parsed.spec.verbs[0])
            return result
        if self.commands.for_another_bot(message.text):
            # Another bot's command is neither ours nor a resident's report.
            return IntakeResult(outcome=MessageOutcome.IGNORED)

        if message.is_private and chat.compound_id is None and await holds_staff_role(session, member):
            # Staff act through commands, and the resident's question about
            # their home would only mislead them. They report with 报事.
            hint = Reply(chat_target(message), texts.staff_private_hint(), None, "officer", message.message_id)
            return IntakeResult(outcome=MessageOutcome.IGNORED, replies=[hint])
        if message.is_private and chat.compound_id is None:
            await carry_home(session, chat, member, now)
        if asks_about_own_cases(message.text) and chat.kind != ChatKind.STAFF_GROUP:
            # Before the onboarding, because a resident who reported in a
            # group may ask in a private chat that names no home yet.
            return await self._reply_own_cases(session, message, chat, member)
        if message.is_private and chat.compound_id is None:
            # No officer binds a private chat, so the resident names their compound.
            line = read_line(message.text, self.classifier.classify(message.text), self.triage_threshold)
            replies = await onboard(session, chat, member, message, now, line=line)
            # Only a report waits for the address; a question, small talk or
            # a failed try at the address is done with once answered.
            kept = line is LineKind.REPORT
            result = IntakeResult(outcome=MessageOutcome.UNBOUND if kept else MessageOutcome.IGNORED, replies=replies)
            if chat.compound_id is not None:
                # The line's own problem first, so its receipt follows the
                # welcome and the note on earlier reports comes last.
                await self._open_beside_home(session, raw, message, chat, member, now, result)
                await self._open_pending(session, raw, chat, member, now, result)
            return result
        if chat.compound_id is None or chat.compound is None:
            return self._unbound(chat, message, now)
        compound = chat.compound

        if chat.kind == ChatKind.STAFF_GROUP:
            # Staff discuss cases in their own group, so only commands act there.
            return IntakeResult(outcome=MessageOutcome.IGNORED)
        if message.is_private:
            rescanned = await rescan(session, chat, member, message, now)
            if rescanned is not None:
                return IntakeResult(outcome=MessageOutcome.IGNORED, replies=rescanned)

        # Normalising folds the full-width ＋１ that Chinese keyboards type and
        # traditional characters, so "這個要管管了" counts like "这个要管管了".
        # Only the phrase, with punctuation or emoji after it: "我也是，早上好" is a
        # greeting and goes to the classifier like any other text.
        folded = normalize_text(message.text)
        if ME_TOO.match(folded):
            return await self._me_too(session, raw, message, chat, member, now)

        if not message.text.strip():
            return await self._attachments_only(session, raw, message, chat, member, now)
        if asks_how_to_use(message.text):
            # "怎么报修" reads as a repair to the classifier, but it is a question
            # about reporting and names no problem. A private chat gets the usage help;
            # in a group, neighbours help each other.
            help_replies = []
            if message.is_private:
                usage = onboarding_texts.usage_for_known_home()
                help_replies.append(
                    Reply(chat_target(message), usage, audience="reporter", reply_to=message.message_id)
                )
            return IntakeResult(outcome=MessageOutcome.IGNORED, replies=help_replies)

        wrong_building = _out_of_range_building(message.text, folded)
        if wrong_building is not None:
            # Such a line would move a case to a building the register has
            # not got, and silence would leave the resident guessing.
            text = onboarding_texts.invalid_building(wrong_building, MAX_BUILDING_NUMBER, _ADDRESS_EXAMPLE)
            audience = "reporter" if message.is_private else "group"
            reply = Reply(chat_target(message), text, None, audience, message.message_id)
            return IntakeResult(outcome=MessageOutcome.IGNORED, replies=[reply])

        # A line that is only an address ("是3栋2单元的", "5号楼") places the
        # sender's own case, and "我家也是，3栋的" is a me-too with a place.
        me_too = _ME_TOO_PREFIX.match(folded)
        if me_too and is_bare_address(folded[me_too.end() :]):
            address = extract_location(folded[me_too.end() :])
            return await self._me_too(session, raw, message, chat, member, now, address)
        if is_bare_address(folded) and message.is_private:
            # "阳光花园", then "3栋": the second step of naming the home.
            completed = await add_home_building(session, chat, message, extract_location(folded), now)
            return IntakeResult(outcome=MessageOutcome.IGNORED, replies=completed)
        if is_bare_address(folded):
            placed = await self._place_own_case(session, message, chat, member, extract_location(folded), now)
            return placed or IntakeResult(outcome=MessageOutcome.IGNORED)
        corrected = _corrected_address(folded)
        if corrected is not None:
            placed = await self._place_own_case(
                session, message, chat, member, extract_location(corrected), now, correcting=True
            )
            return placed or IntakeResult(outcome=MessageOutcome.IGNORED)

        findings = _share_location([f for f in self.classifier.classify(message.text) if f.actionable])
        if len(findings) == 1:
            findings = [replace(findings[0], text=message.text.strip())]
        if not findings:
            if _AGREEMENT_PREFIX.match(folded):
                return await self._me_too(session, raw, message, chat, member, now)
            return IntakeResult(outcome=MessageOutcome.IGNORED)
        if len(findings) == 1 and not me_too:
            own = await own_case_for_detail(
                session, chat, member, findings[0], now, self.classifier.classify, self.classifier.category_scores
            )
            if own is not None:
                return await self._add_detail(session, raw, message, own, member, findings[0], now)
        named = await named_case(session, compound, message.text) if len(findings) == 1 else None
        if named is not None and named.status in CaseStatus.open_statuses():
            return await self._join(session, raw, message, named, member, now, findings[0], detail=True)
        if named is not None:
            return await self._ended_case_chased(session, message, named, member)
        missing = await missing_case_number(session, compound, message.text) if len(findings) == 1 else None
        if missing is not None:
            audience = "reporter" if message.is_private else "group"
            reply = Reply(chat_target(message), case_not_found_text(missing), None, audience, message.message_id)
            return IntakeResult(outcome=MessageOutcome.IGNORED, replies=[reply])
        if message.is_private:
            findings = await _with_home_building(session, message, findings)
        findings, wrong_building = drop_invalid_buildings(findings, message.text)
        result = await self._open_or_join(
            session, raw, message, chat, compound, member, findings, now, me_too=me_too is not None
        )
        if wrong_building is not None:
            result.replies = add_building_note(result.replies, chat_target(message), wrong_building, message.message_id)
        return result

    async def _reply_own_cases(
        self, session: AsyncSession, message: InboundMessage, chat: ChatGroup, member: Member
    ) -> IntakeResult:
        """Reply to "我的电梯工单怎么样了" with the sender's cases, or tell them that they have none.

        Such a line opens no case. As with "0007进度怎么样了", a residents'
        group gets the reply only when the line @-mentions the bot, since
        neighbours may be talking among themselves. A sender with no cases
        who names a thing (电梯) believes a case about it exists, perhaps
        reported by phone, so the group reply states that there is none and how to
        report. Opening a case would hand the firm a question with no fault in it.
        """
        cases = await reported_cases(session, member)
        names_thing = (
            not cases
            and chat.kind == ChatKind.RESIDENT_GROUP
            and chat.compound_id is not None
            and bool(subjects(normalize_text(message.text)))
        )
        replies = []
        if message.is_private or message.mentions_bot or names_thing:
            listing = reported_cases_text(cases, member, chat) if cases else NO_CASES_TEXT
            replies.append(Reply(chat_target(message), listing, audience="reporter", reply_to=message.message_id))
        return IntakeResult(outcome=MessageOutcome.IGNORED, replies=replies)

    async def _ended_case_chased(
        self, session: AsyncSession, message: InboundMessage, case: Case, member: Member
    ) -> IntakeResult:
        """Point a reporter who chases an ended case to 重开; anyone else's line opens nothing."""
        replies = []
        if await is_reporter(session, member, case):
            replies.append(Reply(chat_target(message), ended_case_hint(case), case.id, "group", message.message_id))
        return IntakeResult(outcome=MessageOutcome.IGNORED, replies=replies)

    async def _add_detail(
        self,
        session: AsyncSession,
        raw: RawMessage,
        message: InboundMessage,
        own: OwnCase,
        member: Member,
        finding: Finding,
        now: datetime,
    ) -> IntakeResult:
        case = own.case
        if finding.urgent and not case.urgent:
            replies, placed = await raise_to_urgent(session, raw, message, own, member, finding, now)
        else:
            replies, placed = await record_detail(session, raw, message, case, member, finding, now)
        await _store_attachments(session, raw, message, case)
        return IntakeResult(
            outcome=MessageOutcome.ATTACHED,
            case_ids=[case.id],
            located=int(placed),
            detailed=1,
            replies=replies,
        )

    async def _open_pending(
        self,
        session: AsyncSession,
        answer: RawMessage,
        chat: ChatGroup,
        member: Member,
        now: datetime,
        result: IntakeResult,
    ) -> None:
        """Register the reports a chat sent before it was bound to a compound.

        A private chat is bound when the resident names their compound, and a
        group when its officer binds it. Each stored unbound message of the
        chat from the last PENDING_WINDOW goes through classification as if
        it arrived now, in the name of its own sender. The reply sends the
        chat the numbers of the cases it opened or joined.
        """
        private = chat.kind == ChatKind.PRIVATE
        compound = chat.compound
        if compound is None:
            return
        pending = await session.scalars(
            select(RawMessage)
            .where(
                RawMessage.chat_group_id == chat.id,
                RawMessage.outcome == MessageOutcome.UNBOUND,
                RawMessage.id != answer.id,
                RawMessage.sent_at >= now - PENDING_WINDOW,
            )
            .order_by(RawMessage.sent_at, RawMessage.id)
        )
        lines: list[str] = []
        for raw in list(pending):
            classified = self.classifier.classify(raw.text)
            findings = _share_location([f for f in classified if f.actionable])
            if private and read_line(raw.text, classified, self.triage_threshold) is not LineKind.REPORT:
                # Lines stored before the onboarding kept only reports: a
                # question about the bot or a failed try at the address.
                findings = []
            elif tries_to_name_home(raw.text, classified, self.triage_threshold):
                # A failed try at the address ("XQ9999 3栋"), not a report.
                findings = []
            if not findings:
                raw.outcome = MessageOutcome.IGNORED
                continue
            if len(findings) == 1:
                findings = [replace(findings[0], text=raw.text.strip())]
            message = replace(message_from_raw(raw), is_private=private)
            reporter = member
            if private:
                findings = await _with_home_building(session, message, findings)
            else:
                reporter = await member_for(session, raw.platform, raw.sender_id, raw.sender_name)
            opened = await self._open_or_join(session, raw, message, chat, compound, reporter, findings, now)
            raw.outcome = opened.outcome
            raw.case_id = opened.case_ids[0] if opened.case_ids else None
            raw.processed_at = utcnow()
            result.case_ids.extend(opened.case_ids)
            result.opened += opened.opened
            result.attached += opened.attached
            result.located += opened.located
            result.categories.extend(opened.categories)
            result.routes.extend(opened.routes)
            this_chat = chat_target(message)
            lines.extend(r.text for r in opened.replies if _in_chat(r, this_chat))
            result.replies.extend(r for r in opened.replies if not _in_chat(r, this_chat))
        if lines:
            _add_pending_note(result, answer, lines, private=private)

    async def _open_beside_home(
        self,
        session: AsyncSession,
        raw: RawMessage,
        message: InboundMessage,
        chat: ChatGroup,
        member: Member,
        now: datetime,
        result: IntakeResult,
    ) -> None:
        """Register the problem a resident wrote in the line that named their home.

        "我住阳光花园3栋，电梯坏了" binds the chat and reports the lift. The
        problem is read without the compound's name, so 花园 in 阳光花园 is
        no place, but the case keeps the line as the resident wrote it, less
        the compound's code, which names no part of the problem.
        """
        compound = chat.compound
        rest = words_beside_home(message.text, compound) if compound is not None else None
        if compound is None or rest is None:
            return
        classified = self.classifier.classify(rest)
        if read_line(rest, classified, self.triage_threshold) is not LineKind.REPORT:
            return
        findings = _share_location([f for f in classified if f.actionable])
        if len(findings) == 1:
            findings = [replace(findings[0], text=text_without_code(message.text, compound))]
        findings = await _with_home_building(session, message, findings)
        opened = await self._open_or_join(session, raw, message, chat, compound, member, findings, now)
        result.outcome = opened.outcome
        result.case_ids.extend(opened.case_ids)
        result.opened += opened.opened
        result.attached += opened.attached
        result.located += opened.located
        result.categories.extend(opened.categories)
        result.routes.extend(opened.routes)
        for reply in opened.replies:
            if _in_chat(reply, chat_target(message)):
                # The receipt goes to this chat, with the welcome.
                _add_to_answer(result, raw, reply.text, private=True)
            else:
                result.replies.append(reply)

    def _report_opener(
        self,
        session: AsyncSession,
        raw: RawMessage,
        message: InboundMessage,
        chat: ChatGroup,
        member: Member,
        now: datetime,
        reports: list[IntakeResult],
    ) -> Callable[[Compound, str], Awaitable[list[Reply]]]:
        """Return the step that 报事 calls to open or join cases from its text; each result goes to `reports`."""

        async def open_report(compound: Compound, text: str) -> list[Reply]:
            findings = _share_location([f for f in self.classifier.classify(text) if f.actionable])
            if not findings:
                return []
            if len(findings) == 1:
                findings = [replace(findings[0], text=text)]
            reported = replace(message, text=text)
            if message.is_private:
                findings = await _with_home_building(session, reported, findings)
            result = await self._open_or_join(session, raw, reported, chat, compound, member, findings, now)
            reports.append(result)
            return result.replies

        return open_report

    async def _run_command(self, session: AsyncSession, ctx: CommandContext, handler) -> IntakeResult:
        # A refused command must leave nothing half-written, so its work runs
        # in a savepoint that is rolled back when it raises.
        savepoint = await session.begin_nested()
        try:
            replies = await handler(ctx)
        except DomainError as exc:
            await savepoint.rollback()
            log.info(
                "command rejected: platform=%s id=%s raw=%s member=%s chat=%s reason=%s",
                ctx.message.platform,
                ctx.message.message_id,
                ctx.raw.id,
                ctx.member.id,
                ctx.chat.id,
                type(exc).__name__,
            )
            return IntakeResult(outcome=MessageOutcome.COMMAND, replies=[reply_here(ctx, str(exc))])
        await savepoint.commit()
        case_ids = sorted({r.case_id for r in replies if r.case_id is not None})
        return IntakeResult(outcome=MessageOutcome.COMMAND, replies=replies, case_ids=case_ids)

    def _unbound(self, chat: ChatGroup, message: InboundMessage, now: datetime) -> IntakeResult:
        result = IntakeResult(outcome=MessageOutcome.UNBOUND)
        if chat.bind_hint_sent_at is None and not message.is_private:
            chat.bind_hint_sent_at = now
            result.replies.append(Reply(target=chat_target(message), text=texts.bind_hint()))
        return result

    async def _place_own_case(
        self,
        session: AsyncSession,
        message: InboundMessage,
        chat: ChatGroup,
        member: Member,
        location: Location,
        now: datetime,
        *,
        correcting: bool = False,
    ) -> IntakeResult | None:
        """Put a bare address on the sender's own case from the last hour.

        Such a line raises no problem of its own, so it only counts when the
        sender has an open case in this chat. The cases of the sender's last
        report that await a building get the address (see report_places.place_awaiting).
        A case with another building, the only one of its report and
        reported by the sender alone, is corrected ("5栋电梯坏了", then
        "是6栋的"). Once neighbours have joined, the case stays where they
        reported it. The reply states that, and the liaison officer is asked
        to check the place and given the 改位置 command that sets it.

        With `correcting`, the line states that the case was placed wrongly
        ("不对，是13栋的"), so a case without a building is corrected, not
        filled in, and the reply confirms a correction. A correction after a
        report with several problems moves every case at the report's
        building (see report_places.correct_report). Either way the unit and
        room the address does not name stay on the case. When every case of
        the report is compound-wide or at a place outside the buildings, the
        reply says that nothing changed.
        """
        if message.is_private:
            return None
        case = await session.scalar(
            select(Case)
            .where(
                Case.chat_group_id == chat.id,
                Case.reporter_id == member.id,
                Case.status.in_(CaseStatus.open_statuses()),
                Case.opened_at >= now - CONVERSATION_WINDOW,
            )
            .order_by(Case.opened_at.desc(), Case.id.desc())
            .limit(1)
        )
        if case is None:
            return None
        group = chat_target(message)
        report = await cases_of_report(session, case, member)
        if correcting and len(report) > 1:
            corrected = correct_report(session, report, location, member, group, message, now)
            if corrected is not None:
                return await _report_corrected(session, corrected, now)
        if correcting and len(report) == 1:
            # The only problem's place is being corrected, so no case awaits a building.
            report = []
        placed = place_awaiting(session, report, location, member, now)
        unplaced = None if placed else unplaced_reply(report or [case], location, group, message)
        if placed:
            text = "\n".join(texts.location_added(c) for c in placed)
        elif unplaced is not None:
            return IntakeResult(outcome=MessageOutcome.IGNORED, replies=[unplaced])
        elif location.building == case.building and correcting:
            # "不对，是9栋的" about a case at 9栋: silence would leave the
            # resident unsure whether the bot read the line.
            reply = Reply(group, texts.location_already(case), case.id, "group", message.message_id)
            return IntakeResult(outcome=MessageOutcome.IGNORED, replies=[reply])
        elif location.building == case.building:
            return None
        elif len(report) > 1 or (not correcting and case.building is None):
            # A bare address corrects no case of a report with several
            # problems, because it cannot tell which one it is about, and
            # it moves no case that awaits no building (see report_places.place_awaiting).
            return None
        elif case.reporter_count > 1 and case.building is not None:
            # Neighbours reported the case where it is, so one reporter's word
            # does not move it. The liaison officer checks and moves it with 改位置.
            replies = disputed_location(case, location, member, group, message)
            return IntakeResult(outcome=MessageOutcome.IGNORED, replies=replies)
        elif correct_location(session, case, location, member, now):
            text = texts.location_corrected(case)
        else:
            return None
        changed = placed or [case]
        replies = [Reply(group, text, changed[0].id, "group", message.message_id)]
        for changed_case in changed:
            replies.extend(await care_notices(session, changed_case, now))
        case_ids = [changed_case.id for changed_case in changed]
        return IntakeResult(outcome=MessageOutcome.ATTACHED, case_ids=case_ids, located=1, replies=replies)

    async def _me_too(
        self,
        session: AsyncSession,
        raw: RawMessage,
        message: InboundMessage,
        chat: ChatGroup,
        member: Member,
        now: datetime,
        address: Location | None = None,
    ) -> IntakeResult:
        case = await self._case_in_context(session, message, chat, now, FOLLOW_UP_WINDOW)
        if case is None:
            return IntakeResult(outcome=MessageOutcome.IGNORED)
        return await self._join(session, raw, message, case, member, now, address=address)

    async def _attachments_only(
        self,
        session: AsyncSession,
        raw: RawMessage,
        message: InboundMessage,
        chat: ChatGroup,
        member: Member,
        now: datetime,
    ) -> IntakeResult:
        # Stickers carry no information about a problem.
        if not any(a.kind != "sticker" for a in message.attachments):
            return IntakeResult(outcome=MessageOutcome.IGNORED)
        case = await self._case_in_context(session, message, chat, now, ATTACHMENT_WINDOW, reporter=member)
        await _store_attachments(session, raw, message, case)
        if case is None:
            return IntakeResult(outcome=MessageOutcome.IGNORED)
        return IntakeResult(outcome=MessageOutcome.ATTACHED, case_ids=[case.id], attached=1)

    async def _case_in_context(
        self,
        session: AsyncSession,
        message: InboundMessage,
        chat: ChatGroup,
        now: datetime,
        window: timedelta,
        *,
        reporter: Member | None = None,
    ) -> Case | None:
        """Return the case a follow-up is about: the quoted message's case, or the latest one here.

        With a `reporter`, the latest one here is the latest case that member
        opened in this chat. Without one, it is the case discussed last in this
        chat (see _case_discussed_in), never a case of another chat.
        """
        case: Case | None = None
        # A message handled late (recovered after a crash) looks back from
        # when it was sent, not from when it is handled.
        anchor = min(now, message.sent_at)
        if message.reply_to:
            quoted_case_id = await session.scalar(
                select(RawMessage.case_id).where(
                    RawMessage.platform == message.platform,
                    RawMessage.chat_id == message.chat_id,
                    RawMessage.platform_message_id == message.reply_to,
                )
            )
            if quoted_case_id is not None:
                case = await session.get(Case, quoted_case_id)
        if case is None and message.quoted_text:
            case = await _case_of_quoted_text(session, message, anchor - window)
        if case is None and reporter is not None:
            case = await session.scalar(
                select(Case)
                .where(
                    Case.chat_group_id == chat.id,
                    Case.reporter_id == reporter.id,
                    Case.opened_at >= anchor - window,
                )
                .order_by(Case.opened_at.desc(), Case.id.desc())
                .limit(1)
            )
        elif case is None:
            case = await _case_discussed_in(session, chat, anchor - window)
        if case is None:
            return None
        return await follow_merges(session, case)

    async def _open_or_join(
        self,
        session: AsyncSession,
        raw: RawMessage,
        message: InboundMessage,
        chat: ChatGroup,
        compound: Compound,
        member: Member,
        findings: list[Finding],
        now: datetime,
        *,
        me_too: bool = False,
    ) -> IntakeResult:
        """Join each finding to the case it reports again, or open a case for it.

        With `me_too`, the message opens with a me-too phrase ("我也是，楼上天天吵"),
        so its first finding joins the case under discussion when their categories match.
        """
        result = IntakeResult(outcome=MessageOutcome.OPENED)
        group_lines: list[str] = []
        for position, finding in enumerate(findings):
            # The me-too phrase speaks only for the first problem: in
            # "这个要管管了，另外5栋门禁也坏了" the second is a report of its own.
            seconds = me_too and position == 0
            seconded = await self._seconded_case(session, message, chat, finding, now) if seconds else None
            duplicate = seconded or await self._related_case(session, message, chat, compound, member, finding, now)
            if duplicate is not None:
                # "这个要管管了，另外5栋门禁也坏了" may bring two findings to one
                # case, so the second one adds nothing and sends no reply.
                if duplicate.id in result.case_ids:
                    continue
                joined = await self._join(
                    session, raw, message, duplicate, member, now, finding, detail=seconded is not None
                )
                result.attached += joined.attached
                result.located += joined.located
                result.detailed += joined.detailed
                result.case_ids.extend(joined.case_ids)
                this_chat = chat_target(message)
                result.replies.extend(r for r in joined.replies if not _in_chat(r, this_chat))
                group_lines.extend(r.text for r in joined.replies if _in_chat(r, this_chat))
                continue
            # An urgent case is never held back for triage: the best guess acts now.
            triage = finding.confidence < self.triage_threshold and not finding.urgent
            case, deadlines = await open_case(
                session,
                compound,
                finding,
                reporter=member,
                chat_group_id=chat.id,
                raw_message_id=raw.id,
                now=now,
                triage=triage,
                thread_id=message.thread_id,
            )
            result.opened += 1
            result.case_ids.append(case.id)
            result.replies.extend(await care_notices(session, case, now))
            result.categories.append(case.category)
            result.routes.append(case.route)
            if triage:
                group_lines.append(texts.triage_for_group(case))
                branch = compound.party(PartyKind.PARTY)
                if branch is not None:
                    result.replies.append(
                        Reply(PartyTarget(branch.id, branch.name), texts.triage_for_officer(case), case.id, "officer")
                    )
                continue
            group_lines.append(texts.opened_for_group(case, deadlines.response_phrase, finding.danger))
            if case.party is not None:
                party_text = texts.opened_for_party(case, member.display_name, deadlines.response_phrase)
                result.replies.append(Reply(PartyTarget(case.party.id, case.party.name), party_text, case.id, "party"))
                branch = compound.party(PartyKind.PARTY)
                if case.urgent and branch is not None and branch.id != case.party.id:
                    copy = texts.urgent_copy_for_branch(case, member.display_name, deadlines.response_phrase)
                    result.replies.append(Reply(PartyTarget(branch.id, branch.name), copy, case.id, "officer"))
                unstaffed = await unstaffed_notice(session, case)
                if unstaffed is not None:
                    result.replies.append(unstaffed)
        if result.opened == 0:
            result.outcome = MessageOutcome.ATTACHED
        first_case = await session.get(Case, result.case_ids[0]) if result.case_ids else None
        await _store_attachments(session, raw, message, first_case)
        if group_lines:
            result.replies.insert(
                0,
                Reply(
                    chat_target(message),
                    "\n".join(group_lines),
                    result.case_ids[0],
                    "group",
                    message.message_id,
                ),
            )
        return result

    async def _seconded_case(
        self,
        session: AsyncSession,
        message: InboundMessage,
        chat: ChatGroup,
        finding: Finding,
        now: datetime,
    ) -> Case | None:
        """Return the case under discussion that a me-too line with its own words seconds, or None.

        "我也是，楼上每天半夜噪音" two minutes after "楼上又在拖椅子蹦迪" shares
        no word with it, yet the resident reports it as the same trouble. The
        case must be the one this chat discussed last within
        CONVERSATION_WINDOW, still open, of the finding's category unless
        the line reports a danger now and names no thing, and at no
        conflicting place. A me-too line about another category
        ("我也是，电梯也坏了") is a problem of its own.
        """
        anchor = min(now, message.sent_at)
        case = await _case_discussed_in(session, chat, anchor - CONVERSATION_WINDOW)
        if case is None:
            return None
        case = await follow_merges(session, case)
        # A danger now that names no thing ("同上，里面有人被困了！") is about
        # the case under discussion when it fits it, whatever category its
        # words lean to.
        bare_danger = bare_danger_fits(case, finding)
        if case.status not in CaseStatus.open_statuses() or (case.category != finding.category and not bare_danger):
            return None
        if Location(case.building, case.unit, case.room, case.place).conflicts(finding.location):
            return None
        return case

    async def _related_case(
        self,
        session: AsyncSession,
        message: InboundMessage,
        chat: ChatGroup,
        compound: Compound,
        member: Member,
        finding: Finding,
        now: datetime,
    ) -> Case | None:
        """Return the open case a finding reports again, or None when it is a new problem.

        find_duplicate also joins a finding to the case just discussed in the
        chat. That only holds for a comment that names no thing of its own
        ("这种情况能不能处理一下") or for the same thing. "电梯坏了" minutes after
        "5栋楼道灯坏了" is a second problem, so for it only the rules that
        compare the two reports' topics and places are asked again.
        """
        follow_up = bool(_ME_TOO_PREFIX.match(normalize_text(message.text)))
        case = await find_duplicate(
            session,
            compound,
            finding,
            now=now,
            window=self.duplicate_window,
            chat_group_id=chat.id,
            reporter_id=member.id,
            follow_up=follow_up,
            tentative=finding.confidence < self.triage_threshold and not finding.urgent,
        )
        if case is None or _about_same_problem(case, finding, member):
            return await follow_merges(session, case) if case is not None else None

        case = await find_duplicate(
            session,
            compound,
            finding,
            now=now,
            window=self.duplicate_window,
            chat_group_id=chat.id,
            reporter_id=member.id,
            follow_up=follow_up,
            conversation=False,
            accept=lambda candidate: _about_same_problem(candidate, finding, member),
        )
        return await follow_merges(session, case) if case is not None else None

    async def _join(
        self,
        session: AsyncSession,
        raw: RawMessage,
        message: InboundMessage,
        case: Case,
        member: Member,
        now: datetime,
        finding: Finding | None = None,
        *,
        address: Location | None = None,
        detail: bool = False,
    ) -> IntakeResult:
        """Add the sender to a case as a reporter and reply.

        `address` is the place a "我家也是，3栋1102" line names, which has
        no finding to carry it. With `detail`, the finding's text is also
        recorded on the case as an info_added event, which 查询 lists, because a
        me-too line's own words often add what the first report left out.
        """
        added = await add_reporter(session, case, member, raw_message_id=raw.id, now=now)
        raising = finding is not None and raises_case(case, finding)
        # A raising line is kept as the note of its urgent_raised event.
        if detail and finding is not None and not raising:
            record_event(
                session,
                case,
                "info_added",
                actor=member,
                at=now,
                note=finding.text,
                data={"raw_message_id": raw.id, "me_too": True},
            )
        result = IntakeResult(outcome=MessageOutcome.ATTACHED, case_ids=[case.id], attached=1)
        group = chat_target(message)
        # Only the reporter's own words place their case: a neighbour's "5栋也坏了"
        # may be another lift.
        own = finding is not None and case.reporter_id == member.id
        filled = own and fill_location(session, case, finding.location, member, now)
        if raising and finding is not None:
            raised = await raise_for_joined_line(session, raw, message, case, member, finding, now, added=added)
            result.replies.extend(raised)
            if not added:
                result.attached, result.detailed, result.located = 0, 1, int(filled)
        elif not added:
            if filled:
                result.attached, result.located = 0, 1
            text = texts.location_added(case) if filled else texts.already_reported(case)
            result.replies.append(Reply(group, text, case.id, "group", message.message_id))
        else:
            advice = _advice_for_joiner(case, finding)
            result.replies.append(
                Reply(group, texts.joined_for_group(case, advice), case.id, "group", message.message_id)
            )
            if case.reporter_count in NUDGE_COUNTS and case.party is not None and case.status != CaseStatus.TRIAGE:
                result.replies.append(
                    Reply(PartyTarget(case.party.id, case.party.name), texts.nudge_for_party(case), case.id, "party")
                )
        where = finding.location if finding is not None else address
        if where is not None:
            result.replies.extend(await care_notices(session, case, now, _report_dwelling(case, where)))
        return result


def _advice_for_joiner(case: Case, finding: Finding | None) -> str:
    """Return the emergency advice for a resident who joins an urgent case, or "" when they get none.

    A neighbour who reports the same fire in their own words may be in another
    chat, or far below the first acknowledgement, and faces the danger as
    much as the first reporter did, so they get the same first step. Only
    their own line decides that the danger is still current: the classifier
    marks a line urgent only when it reports a danger happening now. A bare
    「+1」 or 「我也是」 carries no finding and gets no advice. It joins only a
    case this chat discussed in the last two hours, where the advice has
    usually just been posted. Repeating the advice for every neighbour who
    agrees would bury it. The caller asks only when the resident joins, so
    each reporter is advised once. An urgent line that joins a routine
    case makes it urgent instead (see handlers.urgent_raise), and that reply
    carries the advice.
    """
    if finding is None or not finding.urgent or not case.urgent or not CaseStatus(case.status).is_open:
        return ""
    # The kind the first report named gives every reporter the same line. A
    # case that took its urgency from a merged case may name no danger itself.
    danger = find_danger(normalize_text(case.summary)) or finding.danger
    return texts.emergency_advice(danger)


async def _case_discussed_in(session: AsyncSession, chat: ChatGroup, since: datetime) -> Case | None:
    """Return the case that the latest message of a chat since a time opened or joined.

    A report in this chat that joined a case opened elsewhere makes that case
    the one under discussion here. A case that only another chat discussed
    is not, even in the same compound: a "我也是" there would tell this chat
    about a case nobody here mentioned.
    """
    case_id = await session.scalar(
        select(RawMessage.case_id)
        .where(
            RawMessage.chat_group_id == chat.id,
            RawMessage.case_id.is_not(None),
            RawMessage.outcome.in_((MessageOutcome.OPENED, MessageOutcome.ATTACHED)),
            RawMessage.sent_at >= since,
        )
        .order_by(RawMessage.sent_at.desc(), RawMessage.id.desc())
        .limit(1)
    )
    return await session.get(Case, case_id) if case_id is not None else None


async def _report_corrected(session: AsyncSession, corrected: ReportCorrection, now: datetime) -> IntakeResult:
    """Return the outcome of a correction that moved the cases of one report, with the keepers' care notices."""
    replies = list(corrected.replies)
    for case in corrected.moved:
        replies.extend(await care_notices(session, case, now))
    if not corrected.moved:
        return IntakeResult(outcome=MessageOutcome.IGNORED, replies=replies)
    case_ids = [case.id for case in corrected.moved]
    return IntakeResult(outcome=MessageOutcome.ATTACHED, case_ids=case_ids, located=1, replies=replies)


def _report_dwelling(case: Case, location: Location) -> Location:
    """Return the flat a report in a case names, taking a missing building and unit from the case.

    "1102天花板也在滴水" in a case at 3栋2单元 is about 3栋2单元1102室.
    """
    if location.building is not None and location.building != case.building:
        return location
    return Location(case.building, location.unit or case.unit, location.room)


def _add_pending_note(result: IntakeResult, answer: RawMessage, lines: list[str], *, private: bool) -> None:
    """Append the note on earlier reports to the reply to the line that bound the chat, sized to fit that reply.

    On the WeCom AI bot the note lists only the lines that fit into its one
    reply (see handlers.pending_note).
    """
    before = next((f"{reply.text}\n" for reply in result.replies if _replies_to(reply, answer)), "")
    note = pending_note(lines, private=private, platform=answer.platform, before=before)
    _add_to_answer(result, answer, note, private=private)


def _add_to_answer(result: IntakeResult, answer: RawMessage, note: str, *, private: bool) -> None:
    """Append a note to the reply to the line that bound the chat, so one message carries both.

    A WeCom AI bot replies to a message once, through its response_url, so
    a second message to the chat would find no URL left and never arrive.
    """
    for index, reply in enumerate(result.replies):
        if _replies_to(reply, answer):
            case_id = reply.case_id or result.case_ids[0]
            result.replies[index] = replace(reply, text=f"{reply.text}\n{note}", case_id=case_id)
            return
    here = ChatTarget(answer.platform, answer.chat_id, answer.thread_id)
    result.replies.insert(0, Reply(here, note, result.case_ids[0], "reporter" if private else "group"))


def _personal_placeholder(verb: str) -> str:
    """Return the text a message keeps in place of a personal command's arguments."""
    return f"{verb}（内容含个人信息，未保存）"


def _in_chat(reply: Reply, target: ChatTarget) -> bool:
    """Tell whether a reply is to the chat a message came from, not to another group its reporters are in."""
    return reply.audience == "group" and reply.target == target


def _replies_to(reply: Reply, message: RawMessage) -> bool:
    return isinstance(reply.target, ChatTarget) and reply.reply_to == message.platform_message_id


async def _with_home_building(session: AsyncSession, message: InboundMessage, findings: list[Finding]) -> list[Finding]:
    """Fill in the building a resident gave when they first wrote to the bot privately.

    "楼道灯坏了" from a resident of 3栋 is about 3栋 unless the text names
    another building or a place outside the buildings (东门, 车库).
    "物业费又涨了" from the same resident concerns the whole compound (see
    nlp.labels.COMPOUND_WIDE), so it gets no building.
    """
    home = await home_of(session, message.platform, message.chat_id)
    if home is None or not home.building:
        return findings
    return [
        replace(f, location=replace(f.location, building=home.building))
        if f.category not in COMPOUND_WIDE
        and f.location.building is None
        and (f.location.place is None or f.location.place in PLACES_IN_BUILDING)
        else f
        for f in findings
    ]


def _about_same_problem(case: Case, finding: Finding, reporter: Member) -> bool:
    """Tell whether a finding may join a case because it names the case's thing or no thing at all.

    A case with no building takes a finding that names one only from its own
    reporter, who is placing it. From anyone else, "6栋楼道灯坏了" may be
    another building's lamp than the one in "楼道灯坏了". "里面有人被困了！"
    names no thing, yet is about a lift case (see handlers.duplicates.trapped_in_case_lift).
    """
    if case.building is None and finding.location.building is not None and case.reporter_id != reporter.id:
        return False
    # Its reporter adding the building to a case at the same place, as in
    # "楼道里的东西没人管", then "3栋1单元楼道堆满了纸箱".
    placing = (
        case.reporter_id == reporter.id
        and case.building is None
        and finding.location.building is not None
        and case.place is not None
        and case.place == finding.location.place
    )
    trapped = trapped_in_case_lift(case, finding)
    return placing or trapped or same_topic(case.summary, finding.text) or not has_topic(finding.text)


def _out_of_range_building(text: str, folded: str) -> str | None:
    """Return the building number, as typed, of an address line whose building the register would reject.

    "99999栋", "零栋" and "不对，是0栋的" qualify. A line that also names a
    problem does not, because its report is read as usual.

    Args:
        text: The message as the resident wrote it.
        folded: The same text normalised, see nlp.normalize.normalize.
    """
    number = invalid_building(text)
    if number is None:
        return None
    prefix = _CORRECTION_PREFIX.match(folded)
    address = folded[prefix.end() :] if prefix is not None else folded
    return number if has_only_address_words(address) else None


def _corrected_address(text: str) -> str | None:
    """Return the address in a correction such as "不对，是6栋的", or None when the text is no correction.

    Args:
        text: Normalised text, see nlp.normalize.normalize.
    """
    prefix = _CORRECTION_PREFIX.match(text)
    if prefix is None or prefix.end() == 0:
        return None
    rest = text[prefix.end() :]
    return rest if is_bare_address(rest) else None


async def _case_of_quoted_text(session: AsyncSession, message: InboundMessage, since: datetime) -> Case | None:
    """Return the case of the newest message in the chat whose text is the quoted text.

    The WeCom AI bot quotes a message by its content only, so the text is
    the key. When two messages have the same text, the newest one in the
    window wins.
    """
    quoted = message.quoted_text.strip()
    case_id = await session.scalar(
        select(RawMessage.case_id)
        .where(
            RawMessage.platform == message.platform,
            RawMessage.chat_id == message.chat_id,
            RawMessage.text == quoted,
            RawMessage.case_id.is_not(None),
            RawMessage.sent_at >= since,
        )
        .order_by(RawMessage.sent_at.desc(), RawMessage.id.desc())
        .limit(1)
    )
    return await session.get(Case, case_id) if case_id is not None else None


async def _resident_words_not_command(session: AsyncSession, name: str, chat: ChatGroup, member: Member) -> bool:
    """Tell whether a resident's group line that opens with a staff-chat command word is a report instead.

    Staff of any compound count as staff here, not only staff of the group's
    compound: their 登记住户 in a group bound to the wrong compound must be
    refused as a command, not opened as a case that carries the phone number.
    """
    if name not in STAFF_CHAT_COMMANDS or chat.kind != ChatKind.RESIDENT_GROUP or chat.compound is None:
        return False
    access = await access_for(session, member, chat.compound)
    if access.level is not Level.RESIDENT:
        return False
    return not await holds_staff_role(session, member)


async def _names_no_compound_yet(session: AsyncSession, chat: ChatGroup, member: Member) -> bool:
    """Tell whether a private chat is a resident's that names no compound yet."""
    if chat.kind != ChatKind.PRIVATE or chat.compound_id is not None:
        return False
    return not await holds_staff_role(session, member)


async def _sent_by_staff(session: AsyncSession, chat: ChatGroup, member: Member) -> bool:
    """Tell whether a message comes from staff: from a work group, or from a member with a staff role anywhere."""
    if chat.kind == ChatKind.STAFF_GROUP:
        return True
    return await holds_staff_role(session, member)


def _share_location(findings: list[Finding]) -> list[Finding]:
    """Give the findings of one message the place the message named before each of them.

    In "9栋下水道堵了，另外楼道灯也不亮" only the first part contains 9栋,
    but both problems are there. The classifier applies the same rule
    (nlp.findings.carry_places), and this applies it to the findings of a
    classifier that does not.
    """
    return carry_places(findings)


async def _store_attachments(
    session: AsyncSession, raw: RawMessage, message: InboundMessage, case: Case | None
) -> None:
    for item in message.attachments:
        session.add(
            Attachment(
                raw_message_id=raw.id,
                case_id=case.id if case else None,
                kind=item.kind,
                media_id=item.media_id,
                url=item.url,
                file_path=item.file_path,
                meta=item.meta,
            )
        )
