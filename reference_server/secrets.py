"""Ids, secrets and their hashes. Secrets (session tokens, API keys, visitor tokens,
identification tokens) are shown once and stored only as SHA-256 hashes (passwords: see
:mod:`reference_server.passwords`)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

__all__ = ["hash_secret", "new_id", "new_ordered_id", "new_secret"]


def new_id(prefix: str) -> str:
    """A short random id such as ``usr_3kq9x0c1z2mfe``."""
    return f"{prefix}_{secrets.token_hex(8)}"


def new_ordered_id(prefix: str, now: datetime) -> str:
    """An id that sorts by ``now`` (to the millisecond), then at random, such as
    ``msg_019a2b3c4d5e3kq9x0c1z2mfe7a1``: rows made many a second (messages) go to one end of
    their table's index instead of each to a random page, which SQLite and PostgreSQL would
    read and write back for every row."""
    milliseconds = int(now.timestamp() * 1000)
    return f"{prefix}_{milliseconds:012x}{secrets.token_hex(8)}"


def new_secret(prefix: str) -> str:
    """An unguessable token such as ``lck_…`` (API key) or ``lcs_…`` (session)."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
