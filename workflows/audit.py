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


# --- report manifests: which events a report covers, and a digest of them ----------------------

#: One checkpoint (event id, hash) every this many covered events.
CHECKPOINT_EVERY = 64


def events_digest(pairs: Iterable[tuple[int, str]]) -> tuple[int, str]:
    """(count, SHA-256) over the ``(id, hash)`` of covered events, in id order."""
    digest = hashlib.sha256()
    count = 0
    for event_id, event_hash_ in pairs:
        digest.update(f"{event_id}:{event_hash_}\n".encode("ascii"))
        count += 1
    return count, digest.hexdigest()


def checkpoints(pairs: Iterable[tuple[int, str]], every: int = CHECKPOINT_EVERY) -> list[list]:
    """Every ``every``-th covered event as [id, hash], and the last one: enough to say where a
    later copy of the trail first differs from what a report covered."""
    points: list[list] = []
    last = None
    for n, (event_id, event_hash_) in enumerate(pairs):
        last = [event_id, event_hash_]
        if n % every == 0:
            points.append(last)
    if last is not None and (not points or points[-1] != last):
        points.append(last)
    return points


def first_difference(recorded: list[list], current: list[list]) -> tuple[Any, Any] | None:
    """Where two checkpoint lists part: (last matching event id or None, first differing
    recorded event id or None); None when they agree."""
    previous = None
    for i, point in enumerate(recorded):
        if i >= len(current) or list(current[i]) != list(point):
            return previous, point[0]
        previous = point[0]
    if len(current) > len(recorded):
        return previous, current[len(recorded)][0]
    return None
