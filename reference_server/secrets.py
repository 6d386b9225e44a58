"""Ids, secrets and their hashes. Secrets (session tokens, API keys, visitor tokens,
identification tokens) are shown once and stored only as SHA-256 hashes; passwords as scrypt."""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["hash_password", "hash_secret", "new_id", "new_secret", "verify_password"]


def new_id(prefix: str) -> str:
    """A short random id such as ``usr_3kq9x0c1z2mfe``."""
    return f"{prefix}_{secrets.token_hex(8)}"


def new_secret(prefix: str) -> str:
    """An unguessable token such as ``lck_…`` (API key) or ``lcs_…`` (session)."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt_hex), **_SCRYPT)
    return hmac.compare_digest(digest.hex(), digest_hex)
