"""The audit hash chain: canonical event content, its SHA-256, and chain verification."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64

#: The fields of an event that its hash covers, in a fixed order.
HASHED_FIELDS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_label",
    "subject_type",
    "subject_id",
    "action",
    "from_state",
    "to_state",
    "reason",
    "changes",
)


def canonical_content(fields: dict[str, Any]) -> str:
    """A stable JSON text of the hashed fields (sorted keys, no whitespace, UTF-8 kept)."""
    return json.dumps(
        {k: fields.get(k) for k in HASHED_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )


def event_hash(fields: dict[str, Any], prev_hash: str) -> str:
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical_content(fields).encode("utf-8"))
    return digest.hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    event_id: Any
    problem: str


def verify_chain(
    events: Iterable[tuple[dict[str, Any], str, str]], start_hash: str = GENESIS_HASH
) -> ChainBreak | None:
    """Check ``(fields, prev_hash, hash)`` triples in order; return the first break, or None."""
    expected_prev = start_hash
    for fields, prev_hash, stored_hash in events:
        if prev_hash != expected_prev:
            return ChainBreak(fields.get("id"), "previous-hash link does not match the event before it")
        if event_hash(fields, prev_hash) != stored_hash:
            return ChainBreak(fields.get("id"), "content does not match its stored hash")
        expected_prev = stored_hash
    return None
