"""A fake of WeCom's archive SDK at the ArchiveSdk boundary.

Records are built in the documented JSON format. Each one gets its own
random key, encrypted with a real RSA public key the test generates, so the
adapter's RSA step runs for real. The message itself is encrypted with
AES-256-CBC under that random key: the real SDK's cipher is not published,
and only the SDK decrypts it, so the fake may choose its own.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.adapters.wecom_archive.sdk import ArchiveSdkError, ChatRecord, MediaChunk


def new_key_pair() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class SimulatedCrash(BaseException):
    """Stands for the process dying; BaseException so no `except Exception` catches it."""


@dataclass
class FakeArchive:
    """The remote archive: encrypted records by sequence number, and media files."""

    public_keys: dict[int, rsa.RSAPublicKey]
    records: list[ChatRecord] = field(default_factory=list)
    media: dict[str, bytes] = field(default_factory=dict)
    chunk_size: int = 5
    media_requests: list[tuple[str, str]] = field(default_factory=list)
    fetches: list[tuple[int, int]] = field(default_factory=list)
    crash_on_media: bool = False

    def add(self, message: dict[str, Any], *, version: int = 1) -> ChatRecord:
        """Encrypt a record as WeCom would and append it with the next sequence number."""
        random_key = secrets.token_hex(16)
        encrypted_key = self.public_keys[version].encrypt(random_key.encode(), padding.PKCS1v15())
        record = ChatRecord(
            seq=len(self.records) + 1,
            msgid=message["msgid"],
            publickey_ver=version,
            encrypt_random_key=base64.b64encode(encrypted_key).decode(),
            encrypt_chat_msg=_encrypt(random_key, json.dumps(message, ensure_ascii=False)),
        )
        self.records.append(record)
        return record

    def get_chat_data(self, seq: int, limit: int) -> list[ChatRecord]:
        self.fetches.append((seq, limit))
        return [r for r in self.records if r.seq > seq][:limit]

    def decrypt_data(self, random_key: str, encrypted: str) -> str:
        try:
            return _decrypt(random_key, encrypted)
        except ValueError as exc:
            msg = "DecryptData failed: 10006"
            raise ArchiveSdkError(msg) from exc

    def get_media_data(self, sdk_file_id: str, index_buf: str) -> MediaChunk:
        self.media_requests.append((sdk_file_id, index_buf))
        if self.crash_on_media:
            raise SimulatedCrash
        data = self.media.get(sdk_file_id)
        if data is None:
            msg = "GetMediaData failed: 10005 fileid错误"
            raise ArchiveSdkError(msg)
        offset = int(index_buf or 0)
        piece = data[offset : offset + self.chunk_size]
        end = offset + len(piece)
        finished = end >= len(data)
        return MediaChunk(data=piece, index_buf="" if finished else str(end), is_finish=finished)


def _cipher(random_key: str) -> Cipher[modes.CBC]:
    key = random_key.encode()
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def _encrypt(random_key: str, plaintext: str) -> str:
    padder = sym_padding.PKCS7(128).padder()
    padded = padder.update(plaintext.encode()) + padder.finalize()
    encryptor = _cipher(random_key).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()


def _decrypt(random_key: str, encrypted: str) -> str:
    if len(random_key.encode()) != 32:
        msg = "wrong key length"
        raise ValueError(msg)
    decryptor = _cipher(random_key).decryptor()
    padded = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    unpadder = sym_padding.PKCS7(128).unpadder()
    return (unpadder.update(padded) + unpadder.finalize()).decode()


ROOM = "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA"
CORP = "ww0a1b2c3d4e5f6789"


def record(
    msgid: str,
    sender: str,
    msgtype: str,
    body: dict[str, Any] | None = None,
    *,
    room: str = ROOM,
    msgtime: int = 1772415000000,
    action: str = "send",
    tolist: list[str] | None = None,
) -> dict[str, Any]:
    """A decrypted record in the documented format (WeCom doc 91774)."""
    data: dict[str, Any] = {
        "msgid": msgid,
        "action": action,
        "from": sender,
        "tolist": tolist if tolist is not None else ["zhangsan", "wmResidentB"],
        "roomid": room,
        "msgtime": msgtime,
        "msgtype": msgtype,
    }
    if body is not None:
        data[msgtype] = body
    return data


def text(msgid: str, sender: str, content: str, **kwargs: Any) -> dict[str, Any]:
    return record(msgid, sender, "text", {"content": content}, **kwargs)
