"""Fetching archive media in chunks and saving them under the data folder."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from bot.adapters.wecom_archive.records import MediaRef
from bot.adapters.wecom_archive.sdk import ArchiveSdk, ArchiveSdkError
from handlers.messages import InboundAttachment

log = logging.getLogger("bot.wecom_archive")

# GetMediaData returns at most 512 KiB per call, so a stalled index would loop forever.
MAX_CHUNKS = 10_000


@dataclass(frozen=True, slots=True)
class MediaStore:
    """Where media files go and how large one may be."""

    folder: Path
    max_bytes: int

    def path_for(self, message_id: str, index: int, extension: str) -> Path:
        # Message ids contain characters a path should not, so the name is a digest.
        digest = hashlib.sha256(message_id.encode()).hexdigest()[:24]
        return self.folder / digest[:2] / f"{digest}-{index}.{extension}"


async def fetch_media(
    sdk: ArchiveSdk, store: MediaStore, message_id: str, refs: tuple[MediaRef, ...]
) -> tuple[InboundAttachment, ...]:
    """Fetch each media file in chunks and return one attachment per file.

    A file that cannot be fetched still becomes an attachment, with its
    `sdkfileid` and the error in `meta`, so the message is stored either way
    and an officer can see what is missing.
    """
    attachments: list[InboundAttachment] = []
    for index, ref in enumerate(refs):
        meta = {**ref.meta, "sdkfileid": ref.sdk_file_id, "md5sum": ref.md5sum}
        path = store.path_for(message_id, index, ref.extension)
        try:
            size = await _download(sdk, store, ref.sdk_file_id, path)
        except (ArchiveSdkError, OSError, _TooLarge) as exc:
            log.warning(
                "archive media not saved: msgid=%s index=%s kind=%s error=%s",
                message_id,
                index,
                ref.kind,
                exc,
            )
            meta["error"] = str(exc)
            attachments.append(InboundAttachment(kind=ref.kind, media_id=ref.sdk_file_id, meta=meta))
            continue
        meta["size"] = size
        attachments.append(
            InboundAttachment(kind=ref.kind, media_id=ref.sdk_file_id, file_path=str(path), meta=meta)
        )
    return tuple(attachments)


class _TooLarge(Exception):
    pass


async def _download(sdk: ArchiveSdk, store: MediaStore, sdk_file_id: str, path: Path) -> int:
    """Write the file through a temporary name, so a half-fetched file never looks complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    size = 0
    index_buf = ""
    try:
        with partial.open("wb") as handle:
            for _ in range(MAX_CHUNKS):
                chunk = await asyncio.to_thread(sdk.get_media_data, sdk_file_id, index_buf)
                size += len(chunk.data)
                if size > store.max_bytes:
                    msg = f"larger than WECOM_ARCHIVE_MEDIA_MAX_BYTES={store.max_bytes}"
                    raise _TooLarge(msg)
                handle.write(chunk.data)
                if chunk.is_finish:
                    break
                if not chunk.index_buf or chunk.index_buf == index_buf:
                    msg = "GetMediaData returned an unfinished chunk without a new index"
                    raise ArchiveSdkError(msg)
                index_buf = chunk.index_buf
            else:
                msg = f"GetMediaData did not finish within {MAX_CHUNKS} chunks"
                raise ArchiveSdkError(msg)
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return size
