"""The hash chain's pure rules."""

from hypothesis import given
from hypothesis import strategies as st

from workflows.audit import GENESIS_HASH, event_hash, verify_chain


def build(n: int):
    events, prev = [], GENESIS_HASH
    for i in range(1, n + 1):
        fields = {"id": i, "occurred_at": f"2026-11-26T10:00:{i:02d}.000000", "actor_id": 1,
                  "actor_label": "qc@example", "subject_type": "product", "subject_id": 7,
                  "action": "submit", "from_state": "draft", "to_state": "proposed",
                  "reason": "理由", "changes": None}
        digest = event_hash(fields, prev)
        events.append((fields, prev, digest))
        prev = digest
    return events


def test_intact_chain_verifies():
    assert verify_chain(build(10)) is None
    assert verify_chain([]) is None


def test_hash_depends_on_every_field_and_the_predecessor():
    fields, prev, digest = build(1)[0]
    for key in fields:
        changed = dict(fields, **{key: "x" if fields[key] != "x" else "y"})
        assert event_hash(changed, prev) != digest, key
    assert event_hash(fields, "1" * 64) != digest


@given(st.integers(min_value=0, max_value=9), st.sampled_from(["reason", "to_state", "actor_id"]))
def test_edited_event_is_named(index, key):
    events = build(10)
    fields, prev, digest = events[index]
    events[index] = (dict(fields, **{key: "tampered"}), prev, digest)
    broken = verify_chain(events)
    assert broken is not None and broken.event_id == index + 1
    assert "content" in broken.problem


def test_deleted_event_breaks_the_link_after_it():
    events = build(5)
    del events[2]
    broken = verify_chain(events)
    assert broken.event_id == 4 and "previous-hash" in broken.problem


def test_rehashed_forgery_is_still_caught_by_the_next_link():
    events = build(5)
    fields, prev, _ = events[1]
    forged = dict(fields, reason="forged")
    events[1] = (forged, prev, event_hash(forged, prev))
    assert verify_chain(events).event_id == 3
