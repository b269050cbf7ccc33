"""Symmetric encryption for the few fields the law wants protected at rest.

Keys come from FIELD_ENCRYPTION_KEYS (comma-separated Fernet keys): the first
encrypts, every key decrypts, so a key is rotated by putting a new one first
and re-encrypting at leisure.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_text(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode()).decode()


def decrypt_text(token: str) -> str:
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a wrong or removed key must be loud, never silent
        raise ValueError("Encrypted value cannot be decrypted with the configured keys.") from exc


def rotate_text(token: str) -> str:
    """Re-encrypt a token under the first (current) key."""
    try:
        return _current().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("Encrypted value cannot be decrypted with the configured keys.") from exc
