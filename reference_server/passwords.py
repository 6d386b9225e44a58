"""Passwords: how they are stored, checked and chosen.

- Stored as Argon2id (argon2-cffi) with the OWASP parameters (19 MiB, 2 passes, 1 lane);
  hashes written by older versions (scrypt) still verify and are replaced at the next log-in
  (:func:`needs_rehash`).
- :func:`verify_password` takes as long for an unknown e-mail address as for a known one:
  log-in verifies against :data:`UNKNOWN_USER_HASH` when there is no user, so timing does
  not tell which addresses have accounts.
- :func:`password_problem` is the policy: at least 10 characters, not one of the common
  passwords in ``common_passwords.txt``, not the e-mail address or its local part.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = [
    "MIN_LENGTH",
    "hash_password",
    "needs_rehash",
    "password_problem",
    "unknown_user_check",
    "verify_password",
]

MIN_LENGTH = 10
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_COMMON = Path(__file__).with_name("common_passwords.txt")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def _verify_scrypt(password: str, stored: str) -> bool:
    # the format before Argon2: scrypt$<salt hex>$<digest hex>, N=2**14, r=8, p=1
    try:
        _scheme, salt_hex, digest_hex = stored.split("$")
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**14, r=8, p=1)
    return hmac.compare_digest(digest.hex(), digest_hex)


def verify_password(password: str, stored: str) -> bool:
    if stored.startswith("scrypt$"):
        return _verify_scrypt(password, stored)
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether a hash that just verified should be replaced (older scheme or parameters)."""
    if not stored.startswith("$argon2"):
        return True
    try:
        return _HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True


@cache
def _unknown_user_hash() -> str:
    return hash_password("no user has this password")


def unknown_user_check(password: str) -> bool:
    """The work of a real verification, for an e-mail address no user has; always False."""
    verify_password(password, _unknown_user_hash())
    return False


@cache
def _common_passwords() -> frozenset[str]:
    lines = _COMMON.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def password_problem(password: str, email: str = "") -> str | None:
    """Why ``password`` may not be chosen (None when it may)."""
    if len(password) < MIN_LENGTH:
        return f"must have at least {MIN_LENGTH} characters"
    lowered = password.lower()
    core = lowered.strip("0123456789!.?_-# ")  # "Password2024!" is "password"
    if not core or lowered in _common_passwords() or core in _common_passwords():
        return "is one of the most common passwords; choose another"
    address = email.lower()
    if address and lowered in {address, address.split("@", 1)[0]}:
        return "must not be your e-mail address"
    return None
