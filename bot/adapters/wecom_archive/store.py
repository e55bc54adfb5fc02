"""Storing a fetched batch together with its cursor, then acting on what was stored.

The dedup key of the pipeline is (platform, account, sender_id, message_id),
and the archive's sequence cursor is written in the same transaction as the
raw messages of its batch. A crash before that commit leaves both untouched,
so the batch is fetched again. A crash after it leaves pending rows, which
the next run acts on before it fetches anything new.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.adapters.wecom_archive.records import PLATFORM, PRIVATE_CHAT_PREFIX, DecodedRecord
from handlers import replies as texts
from handlers.cases import record_event
from handlers.intake import Pipeline
from handlers.messages import InboundAttachment, InboundMessage, PartyTarget, Reply
from handlers.rawstore import attachment_json, raw_message_for, stored_before
from models import ArchiveCursor, Case, MessageOutcome, PartyKind, RawMessage, utcnow

log = logging.getLogger("bot.wecom_archive")

WECOM_APP_PLATFORM = "wecom"

# Attachment kinds that only this adapter writes into RawMessage.attachments.
RECALL_KIND = "recall"
SKIPPED_KIND = "skipped"


@dataclass(slots=True)
class BatchCounts:
    """Counts of what one stored batch contained."""

    stored: int = 0
    skipped: int = 0
    dropped: int = 0
    duplicates: int = 0


async def read_cursor(session: AsyncSession, corp_id: str) -> int:
    """Return the last stored sequence number of a corp, 0 before the first batch."""
    cursor = await session.get(ArchiveCursor, corp_id)
    return cursor.seq if cursor is not None else 0


async def store_batch(
    session: AsyncSession, corp_id: str, records: list[DecodedRecord], last_seq: int
) -> BatchCounts:
    """Store a batch of decoded records and move the cursor to `last_seq`, in the caller's transaction.

    Records at or below the stored cursor were stored by an earlier run and
    are left out. On PostgreSQL the row lock on the cursor keeps two pollers
    from storing one batch twice.
    """
    counts = BatchCounts()
    cursor = await session.get(ArchiveCursor, corp_id, with_for_update=True)
    if cursor is None:
        cursor = ArchiveCursor(corp_id=corp_id, seq=0, records=0)
        session.add(cursor)
    start = cursor.seq
    for record in records:
        if record.seq <= start:
            continue
        if record.action == "drop":
            counts.dropped += 1
            continue
        if await stored_before(session, record.message):
            counts.duplicates += 1
            continue
        raw = _raw_row(record)
        if record.quoted_text:
            raw.reply_to = await _quoted_message_id(session, record)
        session.add(raw)
        # Flush now so a quote of a message in this batch finds it.
        await session.flush()
        if record.action == "skip":
            counts.skipped += 1
        else:
            counts.stored += 1
    cursor.seq = max(start, last_seq)
    cursor.records += counts.stored + counts.skipped
    cursor.updated_at = utcnow()
    return counts


async def _quoted_message_id(session: AsyncSession, record: DecodedRecord) -> str | None:
    # The archive gives the quoted text, not its id: take the latest message
    # of the chat with exactly that text.
    return await session.scalar(
        select(RawMessage.platform_message_id)
        .where(
            RawMessage.platform == PLATFORM,
            RawMessage.chat_id == record.message.chat_id,
            RawMessage.text == record.quoted_text,
        )
        .order_by(RawMessage.sent_at.desc(), RawMessage.id.desc())
        .limit(1)
    )


def _raw_row(record: DecodedRecord) -> RawMessage:
    message = record.message
    attachments: list[dict[str, Any]] = [attachment_json(a) for a in message.attachments]
    outcome = MessageOutcome.PENDING
    processed_at: datetime | None = None
    reply_to = message.reply_to
    if record.action == "recall":
        attachments = [{"kind": RECALL_KIND, "meta": {"pre_msgid": record.recalled_id}}]
        reply_to = record.recalled_id
    elif record.action == "skip":
        attachments = [{"kind": SKIPPED_KIND, "meta": {"reason": record.reason}}]
        outcome = MessageOutcome.IGNORED
        processed_at = utcnow()
    return raw_message_for(
        message,
        reply_to=reply_to,
        attachments=attachments,
        outcome=outcome,
        processed_at=processed_at,
    )


async def process_pending(pipeline: Pipeline, corp_id: str) -> int:
    """Act on every stored, not yet processed archive row of a corp, oldest first.

    Returns the number of rows processed.
    """
    async with pipeline.sessionmaker() as session:
        rows = (
            await session.scalars(
                select(RawMessage)
                .where(
                    RawMessage.platform == PLATFORM,
                    RawMessage.account == corp_id,
                    RawMessage.outcome == MessageOutcome.PENDING,
                )
                .order_by(RawMessage.id)
            )
        ).all()
    for raw in rows:
        if _is_recall(raw):
            await process_recall(pipeline, raw.id)
            continue
        started = time.perf_counter()
        message = message_from_raw(raw)
        now = min(message.sent_at, pipeline.clock())
        result = await pipeline.process(raw.id, message, now=now)
        log.info(
            "message platform=%s id=%s outcome=%s cases=%s ms=%.1f",
            PLATFORM,
            message.message_id,
            result.outcome,
            result.case_ids,
            (time.perf_counter() - started) * 1000,
        )
    return len(rows)


def _is_recall(raw: RawMessage) -> bool:
    return any(isinstance(a, dict) and a.get("kind") == RECALL_KIND for a in raw.attachments)


def message_from_raw(raw: RawMessage) -> InboundMessage:
    """Rebuild the platform-neutral message from its stored row."""
    attachments = tuple(
        InboundAttachment(
            kind=item["kind"],
            media_id=item.get("media_id"),
            url=item.get("url"),
            file_path=item.get("file_path"),
            meta=item.get("meta") or {},
        )
        for item in raw.attachments
        if isinstance(item, dict) and item.get("kind") not in (RECALL_KIND, SKIPPED_KIND)
    )
    return InboundMessage(
        platform=raw.platform,
        account=raw.account,
        chat_id=raw.chat_id,
        sender_id=raw.sender_id,
        sender_name=raw.sender_name,
        message_id=raw.platform_message_id,
        sent_at=raw.sent_at,
        text=raw.text,
        reply_to=raw.reply_to,
        attachments=attachments,
        is_private=raw.chat_id.startswith(PRIVATE_CHAT_PREFIX),
    )


async def process_recall(pipeline: Pipeline, raw_id: int) -> list[Reply]:
    """Mark the recalled message withdrawn and tell the party branch if it had opened a case.

    Returns the replies it delivered.
    """
    replies: list[Reply] = []
    async with pipeline.sessionmaker() as session, session.begin():
        recall = await session.get_one(RawMessage, raw_id)
        recall.outcome = MessageOutcome.IGNORED
        recall.processed_at = utcnow()
        original = await session.scalar(
            select(RawMessage).where(
                RawMessage.platform == recall.platform,
                RawMessage.account == recall.account,
                RawMessage.chat_id == recall.chat_id,
                RawMessage.platform_message_id == recall.reply_to,
            )
        )
        if original is None:
            # Recalls of messages from before the archive was switched on.
            log.info("recall of a message never stored: raw=%s recalled=%s", raw_id, recall.reply_to)
            return replies
        original.withdrawn = True
        recall.case_id = original.case_id
        if original.case_id is None:
            log.info("message withdrawn: raw=%s case=none", original.id)
            return replies
        case = await session.get_one(Case, original.case_id)
        record_event(
            session,
            case,
            "message_withdrawn",
            actor_label=PLATFORM,
            note="反映人撤回了一条与本工单有关的消息",
            at=utcnow(),
            data={"raw_message_id": original.id},
        )
        branch = case.compound.party(PartyKind.PARTY)
        if original.outcome == MessageOutcome.OPENED and branch is not None:
            text = withdrawn_for_officer(case)
            replies.append(Reply(PartyTarget(branch.id, branch.name), text, case.id, "officer"))
        # Queued with the withdrawal, so the officer's notice is sent even after a crash past the commit.
        queued = await pipeline.outbox.enqueue(session, replies)
        log.info("message withdrawn: raw=%s case=%s officer_told=%s", original.id, case.id, bool(replies))
    await pipeline.outbox.send_queued(queued)
    return replies


def withdrawn_for_officer(case: Case) -> str:
    """Tell the liaison officer that the message which opened a case was recalled."""
    return (
        f"【消息撤回】{case.compound.name} 工单 {case.number}（{texts.case_title(case)}）"
        f"的反映人撤回了报事消息。请与反映人核实问题是否仍需处理，再决定是否继续办理该工单。"
    )
