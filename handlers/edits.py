"""Edited messages: keep the stored text current and give a second chance to a message that opened nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update

from handlers.intake import IntakeResult, Pipeline
from handlers.messages import InboundMessage
from handlers.rawstore import raw_lookup
from models import MessageOutcome, RawMessage

log = logging.getLogger("handlers.edits")

# Outcomes after which a new text deserves classification again. A message
# that opened or joined a case keeps its case, a command is not run twice,
# and a message from an unbound chat stays unbound.
RECLASSIFIED_OUTCOMES = (MessageOutcome.IGNORED, MessageOutcome.FAILED)


@dataclass(slots=True)
class EditResult:
    """The result of applying an edit.

    Attributes:
        outcome: unchanged, updated, reclassified, or new when the original
            was never stored and the edit went through the pipeline instead.
        raw_id: The stored message.
        intake: The pipeline's result when the edit was classified.
        case_ids: The cases the message belongs to after the edit.
    """

    outcome: str
    raw_id: int | None = None
    intake: IntakeResult | None = None
    case_ids: list[int] = field(default_factory=list)


async def apply_edit(pipeline: Pipeline, message: InboundMessage, *, now: datetime | None = None) -> EditResult:
    """Store the new text of an edited message and act on it when its old text opened nothing.

    The message is matched by platform, account, sender and message id, as
    the pipeline stores it. An edit of a message never stored (the bot was
    offline, or could not see it) is handled as a new message.

    Args:
        pipeline: The intake pipeline; its outbox delivers any replies.
        message: The message as it reads after the edit.
        now: The time to act at; the pipeline's clock when None.
    """
    async with pipeline.sessionmaker() as session:
        stored_id = await session.scalar(raw_lookup(message))
        raw = await session.get(RawMessage, stored_id) if stored_id is not None else None
        found = (raw.id, raw.text, raw.case_id) if raw is not None else None

    if found is None:
        intake = await pipeline.handle(message, now=now)
        log.info(
            "edit of unseen message: platform=%s id=%s outcome=%s",
            message.platform,
            message.message_id,
            intake.outcome,
        )
        return EditResult(outcome="new", raw_id=intake.raw_id, intake=intake, case_ids=intake.case_ids)

    raw_id, old_text, case_id = found
    if old_text == message.text:
        # A redelivered edit, or an edit of the media only.
        return EditResult(outcome="unchanged", raw_id=raw_id)

    claimed = await _store_text(pipeline, raw_id, message.text)
    if not claimed:
        log.info("edit stored: platform=%s id=%s raw=%s case=%s", message.platform, message.message_id, raw_id, case_id)
        return EditResult(outcome="updated", raw_id=raw_id, case_ids=[case_id] if case_id else [])

    intake = await pipeline.process(raw_id, message, now=now or pipeline.clock())
    log.info(
        "edit reclassified: platform=%s id=%s raw=%s outcome=%s cases=%s",
        message.platform,
        message.message_id,
        raw_id,
        intake.outcome,
        intake.case_ids,
    )
    return EditResult(outcome="reclassified", raw_id=raw_id, intake=intake, case_ids=intake.case_ids)


async def _store_text(pipeline: Pipeline, raw_id: int, text: str) -> bool:
    """Write the new text; return True when this call also claimed the message for classification.

    The claim is one conditional UPDATE, so two copies of the same edit
    arriving together classify the message once.
    """
    async with pipeline.sessionmaker() as session, session.begin():
        claim = await session.execute(
            update(RawMessage)
            .where(
                RawMessage.id == raw_id,
                RawMessage.case_id.is_(None),
                RawMessage.outcome.in_([o.value for o in RECLASSIFIED_OUTCOMES]),
            )
            .values(text=text, outcome=MessageOutcome.PENDING.value)
        )
        if claim.rowcount == 1:
            return True
        await session.execute(update(RawMessage).where(RawMessage.id == raw_id).values(text=text))
        return False
