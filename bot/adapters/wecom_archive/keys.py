"""The corp's RSA private keys, picked by the public-key version of each record."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from handlers.errors import ConfigError

KEYS_SETTING = "WECOM_ARCHIVE_PRIVATE_KEYS"


class ArchiveKeyError(ConfigError):
    """A record was encrypted with a public-key version that has no private key here."""

    def __init__(self, version: int, known: list[int], seq: int) -> None:
        self.version = version
        self.seq = seq
        known_text = ", ".join(str(v) for v in known) or "none"
        super().__init__(
            f"archive record seq={seq} uses public-key version {version}, but {KEYS_SETTING} "
            f"has no private key for it (configured versions: {known_text}); add the PEM file "
            f'of version {version}, e.g. {KEYS_SETTING}={{"{version}": "/path/to/v{version}.pem"}}'
        )


class RandomKeyError(ValueError):
    """The encrypted random key of a record is not valid base64 or RSA output for our key."""


class PrivateKeys:
    """RSA private keys by version; decrypts the per-message random keys."""

    def __init__(self, keys: Mapping[int, rsa.RSAPrivateKey]) -> None:
        self._keys = dict(keys)

    @classmethod
    def from_files(cls, paths: Mapping[int, Path]) -> PrivateKeys:
        """Load PEM files (PKCS#1 or PKCS#8, unencrypted).

        Raises:
            ConfigError: A file is missing, unreadable or not an RSA private key;
                the message names the version and the setting.
        """
        keys: dict[int, rsa.RSAPrivateKey] = {}
        for version, path in paths.items():
            try:
                key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            except (OSError, ValueError, TypeError) as exc:
                msg = (
                    f"{KEYS_SETTING} 无效：版本 {version} 的私钥文件 {path} 无法读取（{exc}）；"
                    "应为未加密的 RSA 私钥 PEM 文件"
                )
                raise ConfigError(msg) from exc
            if not isinstance(key, rsa.RSAPrivateKey):
                msg = (
                    f"{KEYS_SETTING} 无效：版本 {version} 的私钥文件 {path} 不是 RSA 私钥；"
                    "应为未加密的 RSA 私钥 PEM 文件"
                )
                raise ConfigError(msg)
            keys[version] = key
        return cls(keys)

    @property
    def versions(self) -> list[int]:
        return sorted(self._keys)

    def decrypt_random_key(self, version: int, encrypted_b64: str, *, seq: int) -> str:
        """Decrypt a record's random key, which WeCom encrypts with RSA PKCS#1 v1.5.

        Raises:
            ArchiveKeyError: No private key is configured for `version`.
            RandomKeyError: The value is not base64, or does not decrypt with that key.
        """
        key = self._keys.get(version)
        if key is None:
            raise ArchiveKeyError(version, self.versions, seq)
        try:
            encrypted = base64.b64decode(encrypted_b64, validate=True)
            return key.decrypt(encrypted, padding.PKCS1v15()).decode("utf-8")
        except (binascii.Error, ValueError) as exc:
            msg = f"random key of seq={seq} does not decrypt with key version {version}"
            raise RandomKeyError(msg) from exc
