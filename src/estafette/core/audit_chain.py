"""The hash chain that makes the audit log tamper-evident. Pure Python.

Each entry's hash covers its own content and the previous entry's hash, so
editing an entry breaks its own hash, and deleting one breaks the link of the
next. (Removing the newest entries is not visible from the chain alone; the
operations guide asks to export the head hash with every backup.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def entry_digest(prev_hash: str, content: Mapping[str, Any]) -> str:
    """SHA-256 over the previous hash and a canonical JSON form of the content."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=_default)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def _default(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return str(value)


@dataclass(frozen=True)
class ChainBreak:
    entry_id: int
    problem: str


def verify(entries: Iterable[tuple[int, str, str, Mapping[str, Any]]]) -> ChainBreak | None:
    """Walk ``(id, prev_hash, entry_hash, content)`` in id order; return the first break or None."""
    expected_prev = GENESIS
    for entry_id, prev_hash, entry_hash, content in entries:
        if prev_hash != expected_prev:
            return ChainBreak(entry_id, "link to the previous entry is broken (entry removed?)")
        if entry_digest(prev_hash, content) != entry_hash:
            return ChainBreak(entry_id, "content does not match its hash (entry edited?)")
        expected_prev = entry_hash
    return None
