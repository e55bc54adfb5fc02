"""The poller: fetch records by sequence number, decrypt, store with the cursor, act."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot.adapters.wecom_archive.keys import ArchiveKeyError, PrivateKeys, RandomKeyError
from bot.adapters.wecom_archive.media import MediaStore, fetch_media
from bot.adapters.wecom_archive.records import (
    PLATFORM,
    DecodedRecord,
    RecordFormatError,
    decode_record,
)
from bot.adapters.wecom_archive.sdk import ArchiveSdk, ArchiveSdkError, ChatRecord
from bot.adapters.wecom_archive.store import process_pending, read_cursor, store_batch
from handlers.intake import Pipeline
from handlers.messages import InboundMessage

log = logging.getLogger("bot.wecom_archive")


@dataclass(slots=True)
class PollResult:
    """What one fetch did."""

    fetched: int = 0
    stored: int = 0
    skipped: int = 0
    dropped: int = 0
    duplicates: int = 0
    processed: int = 0
    cursor: int = 0


class ArchivePoller:
    """Pulls one corp's archive in order and feeds the pipeline."""

    def __init__(
        self,
        sdk: ArchiveSdk,
        keys: PrivateKeys,
        pipeline: Pipeline,
        media: MediaStore,
        *,
        corp_id: str,
        batch_size: int = 200,
        interval_seconds: float = 30,
        include_private: bool = False,
    ) -> None:
        self.sdk = sdk
        self.keys = keys
        self.pipeline = pipeline
        self.media = media
        self.corp_id = corp_id
        self.batch_size = batch_size
        self.interval_seconds = interval_seconds
        self.include_private = include_private

    async def poll_once(self) -> PollResult:
        """Act on rows left pending by a crash, then fetch, store and act on one batch.

        Raises:
            ArchiveKeyError: A record needs a key version that is not configured.
                The records before it are stored, and the cursor stops just
                before it, so nothing is skipped once the key is added.
            ArchiveSdkError: The SDK failed; nothing of this batch was stored.
        """
        result = PollResult()
        result.processed += await process_pending(self.pipeline, self.corp_id)

        async with self.pipeline.sessionmaker() as session:
            start = await read_cursor(session, self.corp_id)
        result.cursor = start
        records = await asyncio.to_thread(self.sdk.get_chat_data, start, self.batch_size)
        result.fetched = len(records)
        if not records:
            return result

        # RSA and the SDK's decryption are CPU work, so they stay off the event loop.
        decoded, key_error = await asyncio.to_thread(self._decode_all, records)
        decoded = [await self._with_media(record) for record in decoded]
        last_seq = decoded[-1].seq if decoded else start

        async with self.pipeline.sessionmaker() as session, session.begin():
            counts = await store_batch(session, self.corp_id, decoded, last_seq)
        result.stored = counts.stored
        result.skipped = counts.skipped
        result.dropped = counts.dropped
        result.duplicates = counts.duplicates
        result.cursor = max(start, last_seq)

        result.processed += await process_pending(self.pipeline, self.corp_id)
        if key_error is not None:
            raise key_error
        return result

    def _decode_all(self, records: list[ChatRecord]) -> tuple[list[DecodedRecord], ArchiveKeyError | None]:
        decoded: list[DecodedRecord] = []
        for record in sorted(records, key=lambda r: r.seq):
            try:
                decoded.append(self._decode(record))
            except ArchiveKeyError as exc:
                return decoded, exc
        return decoded, None

    def _decode(self, record: ChatRecord) -> DecodedRecord:
        try:
            random_key = self.keys.decrypt_random_key(
                record.publickey_ver, record.encrypt_random_key, seq=record.seq
            )
            plaintext = self.sdk.decrypt_data(random_key, record.encrypt_chat_msg)
            return decode_record(
                record.seq, plaintext, corp_id=self.corp_id, include_private=self.include_private
            )
        except (RandomKeyError, ArchiveSdkError, RecordFormatError) as exc:
            # The record can never be read, so it is stored as skipped with
            # the reason rather than blocking every record behind it.
            log.error(
                "archive record unreadable, stored as skipped: seq=%s msgid=%s error=%s",
                record.seq,
                record.msgid,
                exc,
            )
            return _unreadable(record, self.corp_id, str(exc))

    async def _with_media(self, record: DecodedRecord) -> DecodedRecord:
        if not record.media or record.action != "message":
            return record
        fetched = await fetch_media(self.sdk, self.media, record.message.message_id, record.media)
        message = replace(record.message, attachments=record.message.attachments + fetched)
        return replace(record, message=message)

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set; a full batch is followed at once by the next one."""
        backlog_total = 0
        reported_key_error = ""
        while not stop.is_set():
            delay = self.interval_seconds
            try:
                result = await self.poll_once()
            except ArchiveKeyError as exc:
                # The same missing key fails every poll; one ERROR line per record is enough.
                level = logging.DEBUG if str(exc) == reported_key_error else logging.ERROR
                log.log(level, "archive polling stopped at a record: %s", exc)
                reported_key_error = str(exc)
            except ArchiveSdkError as exc:
                log.warning("archive fetch failed, retrying in %.0fs: %s", delay, exc)
            except Exception:
                log.exception("archive poll failed, retrying in %.0fs: corp=%s", delay, self.corp_id)
            else:
                if result.fetched >= self.batch_size:
                    backlog_total += result.fetched
                    log.info(
                        "archive backlog: %s records worked through, cursor at seq %s",
                        backlog_total,
                        result.cursor,
                    )
                    delay = 0
                elif backlog_total:
                    log.info(
                        "archive backlog done: %s records, cursor at seq %s",
                        backlog_total + result.fetched,
                        result.cursor,
                    )
                    backlog_total = 0
            if delay:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                except TimeoutError:
                    pass


def _unreadable(record: ChatRecord, corp_id: str, reason: str) -> DecodedRecord:
    message = InboundMessage(
        platform=PLATFORM,
        account=corp_id,
        chat_id="",
        sender_id="",
        message_id=record.msgid,
        sent_at=datetime.now(UTC),
    )
    return DecodedRecord(record.seq, "skip", message, reason=f"unreadable: {reason}"[:500])
