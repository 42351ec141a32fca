"""The keyed hash chain that makes the audit log tamper-evident. Pure Python.

Each entry's hash is an HMAC-SHA256, under a key that is *not* in the database,
over its own content and the previous entry's hash: editing an entry breaks its
own hash, deleting one breaks the link of the next, and whoever can write the
database but does not hold the key cannot compute the hashes again after a
change (decision 0014). Removing the *newest* entries leaves a shorter chain
that is still intact: that is caught by comparing with an exported head of the
chain (:func:`head_problem`, ``manage.py audit_verify --head FILE``).

:func:`plain_digest` is the unkeyed SHA-256 the chain used before decision 0014;
it is kept only to check old entries before they are chained again with the key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def _message(prev_hash: str, content: Mapping[str, Any]) -> bytes:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=_default)
    return f"{prev_hash}\n{canonical}".encode()


def entry_digest(prev_hash: str, content: Mapping[str, Any], key: bytes) -> str:
    """HMAC-SHA256 under ``key`` over the previous hash and a canonical JSON form of the content."""
    if not key:
        raise ValueError("the audit chain needs a key")
    return hmac.new(key, _message(prev_hash, content), hashlib.sha256).hexdigest()


def plain_digest(prev_hash: str, content: Mapping[str, Any]) -> str:
    """The unkeyed SHA-256 of the chain before decision 0014 (to check old entries only)."""
    return hashlib.sha256(_message(prev_hash, content)).hexdigest()


def _default(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return str(value)


@dataclass(frozen=True)
class ChainBreak:
    entry_id: int
    problem: str


def verify(
    entries: Iterable[tuple[int, str, str, Mapping[str, Any]]], key: bytes | None
) -> ChainBreak | None:
    """Walk ``(id, prev_hash, entry_hash, content)`` in id order; return the first break or None.

    With ``key`` the keyed chain is checked; ``None`` checks the old unkeyed one.
    """
    expected_prev = GENESIS
    for entry_id, prev_hash, entry_hash, content in entries:
        if prev_hash != expected_prev:
            return ChainBreak(entry_id, "link to the previous entry is broken (entry removed?)")
        digest = entry_digest(prev_hash, content, key) if key else plain_digest(prev_hash, content)
        if not hmac.compare_digest(digest, entry_hash):
            return ChainBreak(
                entry_id,
                "content does not match its hash (entry edited, or hashed without the key?)",
            )
        expected_prev = entry_hash
    return None


@dataclass(frozen=True)
class Head:
    """The newest entry of the chain at one moment: exported daily, to outside the database."""

    entry_id: int
    entry_hash: str
    count: int
    """Entries up to and including ``entry_id``."""
    at: str
    """When the head was read (ISO 8601, UTC)."""

    def as_json(self) -> dict[str, Any]:
        return {
            "last_id": self.entry_id,
            "last_hash": self.entry_hash,
            "count": self.count,
            "exported_at": self.at,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Head:
        try:
            return cls(
                entry_id=int(data["last_id"]),
                entry_hash=str(data["last_hash"]),
                count=int(data["count"]),
                at=str(data.get("exported_at", "")),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"not an exported head of the audit chain: {error}") from error


def head_problem(head: Head, found_hash: str | None, count_up_to: int) -> str | None:
    """Why the chain no longer holds an exported ``head``; None if it does.

    ``found_hash`` is the hash of entry ``head.entry_id`` now (None: the entry is
    gone), ``count_up_to`` the entries now up to that id.
    """
    if found_hash is None:
        return (
            f"entry {head.entry_id}, the head exported at {head.at}, is gone "
            "(newest entries removed?)"
        )
    if not hmac.compare_digest(found_hash, head.entry_hash):
        return (
            f"entry {head.entry_id} no longer has the hash exported at {head.at} (chain rewritten?)"
        )
    if count_up_to != head.count:
        return (
            f"{count_up_to} entries up to {head.entry_id}, the head exported at {head.at} "
            f"counted {head.count} (entries removed?)"
        )
    return None
