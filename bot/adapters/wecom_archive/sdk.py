"""The boundary to WeCom's session-archive SDK, and its implementation over the C SDK.

Everything the poller needs from the SDK goes through ArchiveSdk, so tests
fake the platform at exactly this seam. The real implementation wraps the
official libWeWorkFinanceSdk_C.so through the pywecomarchive package, which
is an optional extra: the rest of the product installs and runs without the
proprietary library.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from handlers.errors import ConfigError, PlatformError

log = logging.getLogger("bot.wecom_archive")

# GetChatData returns at most this many records per call (WeCom doc 91774).
MAX_BATCH = 1000


class ArchiveSdkError(PlatformError):
    """The archive SDK failed or returned something it should not."""


@dataclass(frozen=True, slots=True)
class ChatRecord:
    """One encrypted record as GetChatData returns it.

    Attributes:
        seq: The record's sequence number; the next fetch starts after it.
        msgid: The message id, also inside the decrypted message.
        publickey_ver: The version of the corp's RSA public key that
            encrypted the random key; selects the private key.
        encrypt_random_key: Base64 of the RSA-encrypted per-message key.
        encrypt_chat_msg: The message encrypted with that key.
    """

    seq: int
    msgid: str
    publickey_ver: int
    encrypt_random_key: str
    encrypt_chat_msg: str


@dataclass(frozen=True, slots=True)
class MediaChunk:
    """One piece of a media file; `index_buf` asks for the next piece."""

    data: bytes
    index_buf: str
    is_finish: bool


class ArchiveSdk(Protocol):
    """The three SDK calls the poller uses. They block, so callers run them in a thread."""

    def get_chat_data(self, seq: int, limit: int) -> list[ChatRecord]:
        """Return up to `limit` records after sequence number `seq`, in order.

        Raises:
            ArchiveSdkError: The call failed; the same call may succeed later.
        """
        ...

    def decrypt_data(self, random_key: str, encrypted: str) -> str:
        """Decrypt one message with its decrypted random key and return the JSON text.

        Raises:
            ArchiveSdkError: The message could not be decrypted.
        """
        ...

    def get_media_data(self, sdk_file_id: str, index_buf: str) -> MediaChunk:
        """Return the piece of a media file that starts at `index_buf` ("" for the first).

        Raises:
            ArchiveSdkError: The call failed.
        """
        ...


def record_from_json(item: dict[str, Any]) -> ChatRecord:
    """Build a ChatRecord from one entry of GetChatData's `chatdata` list.

    Raises:
        ArchiveSdkError: A field is missing or has the wrong type.
    """
    try:
        return ChatRecord(
            seq=int(item["seq"]),
            msgid=str(item["msgid"]),
            publickey_ver=int(item["publickey_ver"]),
            encrypt_random_key=str(item["encrypt_random_key"]),
            encrypt_chat_msg=str(item["encrypt_chat_msg"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        msg = f"chat record without a valid {exc} field (seq={item.get('seq')!r})"
        raise ArchiveSdkError(msg) from exc


class NativeArchiveSdk:
    """ArchiveSdk over the official C SDK, loaded through pywecomarchive.

    NOTE: this class has run only against an import check, never against a
    real tenant, because the archive needs a paid licence and trusted IPs.
    """

    def __init__(
        self,
        corp_id: str,
        secret: str,
        *,
        timeout_seconds: int = 10,
        library_path: str = "",
    ) -> None:
        try:
            from pywecomarchive import SdkError, WecomArchiveSdk
        except ImportError as exc:
            msg = (
                "会话内容存档需要 C SDK 的封装包：pip install 'compound-bot[archive]'"
                "（pywecomarchive，只支持 Linux x86_64 和 arm64）"
            )
            raise ConfigError(msg) from exc

        self._sdk_error: type[Exception] = SdkError
        try:
            self._sdk = WecomArchiveSdk(
                corp_id, secret, timeout=timeout_seconds, library_path=library_path or None
            )
        except SdkError as exc:
            msg = (
                f"会话内容存档 SDK 启动失败（{exc}）；"
                "请检查 WECOM_CORP_ID、WECOM_ARCHIVE_SECRET 和 WECOM_ARCHIVE_SDK_LIBRARY"
            )
            raise ConfigError(msg) from exc

    def get_chat_data(self, seq: int, limit: int) -> list[ChatRecord]:
        try:
            response = self._sdk.get_chat_data(seq=seq, limit=min(limit, MAX_BATCH))
        except self._sdk_error as exc:
            msg = f"GetChatData after seq {seq} failed: {exc}"
            raise ArchiveSdkError(msg) from exc
        return [record_from_json(item.model_dump()) for item in response.chatdata]

    def decrypt_data(self, random_key: str, encrypted: str) -> str:
        from pydantic import TypeAdapter

        try:
            # A plain dict adapter keeps record types the wrapper's models do not know.
            value = self._sdk.decrypt_data(random_key, encrypted, adapter=TypeAdapter(dict[str, Any]))
        except self._sdk_error as exc:
            msg = f"DecryptData failed: {exc}"
            raise ArchiveSdkError(msg) from exc
        return json.dumps(value, ensure_ascii=False)

    def get_media_data(self, sdk_file_id: str, index_buf: str) -> MediaChunk:
        try:
            chunk = self._sdk.get_media_data(sdk_file_id, index_buf)
        except self._sdk_error as exc:
            msg = f"GetMediaData failed: {exc}"
            raise ArchiveSdkError(msg) from exc
        return MediaChunk(data=chunk.data, index_buf=chunk.indexbuf, is_finish=chunk.is_finish)

    def close(self) -> None:
        self._sdk.close()
