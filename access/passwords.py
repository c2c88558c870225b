"""Passwords: Argon2id hashes (argon2-cffi's defaults), rehashed when those parameters change."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()  # Argon2id, RFC 9106's low-memory profile
# checked against when the username is unknown, so an unknown name costs what a known one does
_DUMMY_HASH = _HASHER.hash("没有这个用户")
MIN_LENGTH = 8


class PasswordError(ValueError):
    """A password that may not be set (the message is Chinese)."""


def check_strength(password: str) -> None:
    """Raise PasswordError for a password too short or without both letters and digits."""
    if len(password) < MIN_LENGTH:
        raise PasswordError(f"密码至少 {MIN_LENGTH} 位")
    if not any(c.isdigit() for c in password) or not any(c.isalpha() for c in password):
        raise PasswordError("密码须同时包含字母和数字")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; an absent hash is checked against a dummy, so timing is alike."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)
