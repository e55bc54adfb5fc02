"""Callback signatures and AES decryption, on wechatpy's cipher and signer.

wechatpy compares signatures with `!=`, does not check the PKCS#7 padding
byte and raises bare exceptions on a malformed ciphertext, so this module
wraps its primitives with constant-time comparison and strict parsing. Every
failure raises CallbackRejected with a reason for the log.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import socket
import struct

from wechatpy.crypto.base import WeChatCipher
from wechatpy.utils import WeChatSigner

from bot.adapters.wecom.guard import CallbackRejected
from bot.settings import VALID_AES_KEY, encoding_aes_key_problem

AES_BLOCK_BYTES = 16
# WeCom pads to a multiple of 32 bytes, so the padding byte is 1 to 32.
PKCS7_BLOCK_BYTES = 32
RANDOM_PREFIX_BYTES = 16


def decode_aes_key(encoding_aes_key: str) -> bytes:
    """Decode a 43-character EncodingAESKey into the 32-byte AES key.

    Raises:
        ValueError: The key is not 43 characters from A-Z, a-z and 0-9. The
            message names the first character that is not allowed, or the length.
    """
    problem = encoding_aes_key_problem(encoding_aes_key)
    if problem is not None:
        msg = f"EncodingAESKey 无效：{problem}；{VALID_AES_KEY}"
        raise ValueError(msg)

    # 43 such characters and "=" are always valid base64 of exactly 32 bytes.
    return base64.b64decode(encoding_aes_key + "=", validate=True)


def signature(token: str, *parts: str) -> str:
    """Return the platform's SHA-1 signature over the sorted token and parts."""
    signer = WeChatSigner()
    signer.add_data(token, *parts)
    return signer.signature


class CallbackCrypto:
    """Verifies and decrypts the callbacks of one app, AI bot or Official Account.

    Args:
        token: The callback Token from the admin console.
        encoding_aes_key: The EncodingAESKey; empty for an Official Account in plain mode.
        receive_id: CorpID for a WeCom app, AppID for an Official Account,
            and "" for the AI bot.
    """

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        self._token = token
        self._key = decode_aes_key(encoding_aes_key) if encoding_aes_key else None
        self.receive_id = receive_id

    @property
    def encrypted(self) -> bool:
        return self._key is not None

    def verify(self, given: str, timestamp: str, nonce: str, *parts: str) -> None:
        """Check a signature over the token, timestamp, nonce and any extra parts.

        Raises:
            CallbackRejected: The signature does not match.
        """
        expected = signature(self._token, timestamp, nonce, *parts)
        if not hmac.compare_digest(
            expected.encode(), given.strip().lower().encode("ascii", "replace")
        ):
            raise CallbackRejected(403, "signature mismatch")

    def decrypt(self, encrypted: str) -> str:
        """Decrypt an Encrypt value and return the message text inside it.

        The plaintext is 16 random bytes, a 4-byte network-order length, the
        message and the receive id, padded with PKCS#7 to 32-byte blocks.

        Raises:
            CallbackRejected: The ciphertext, padding, layout or receive id is invalid.
        """
        if self._key is None:
            raise CallbackRejected(400, "encrypted callback but no EncodingAESKey configured")
        try:
            ciphertext = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError):
            raise CallbackRejected(400, "Encrypt is not base64") from None
        if not ciphertext or len(ciphertext) % AES_BLOCK_BYTES:
            raise CallbackRejected(400, "ciphertext length is not a multiple of the AES block")
        plain = WeChatCipher(self._key).decrypt(ciphertext)
        body = _strip_padding(plain)
        if len(body) < RANDOM_PREFIX_BYTES + 4:
            raise CallbackRejected(400, "plaintext too short")
        content = body[RANDOM_PREFIX_BYTES:]
        length = socket.ntohl(struct.unpack("I", content[:4])[0])
        if length > len(content) - 4:
            raise CallbackRejected(400, "message length exceeds the plaintext")
        message = content[4 : 4 + length]
        receive_id = content[4 + length :]
        if not hmac.compare_digest(receive_id, self.receive_id.encode()):
            raise CallbackRejected(403, "receive id mismatch")
        try:
            return message.decode("utf-8")
        except UnicodeDecodeError:
            raise CallbackRejected(400, "message is not UTF-8") from None


def _strip_padding(plain: bytes) -> bytes:
    pad = plain[-1]
    if not 1 <= pad <= PKCS7_BLOCK_BYTES or plain[-pad:] != bytes([pad]) * pad:
        raise CallbackRejected(400, "invalid PKCS#7 padding")
    return plain[:-pad]
