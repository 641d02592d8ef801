"""In-app notifications (filled by the notifications work): hooks the other services call."""

from __future__ import annotations

from sqlalchemy.orm import Session


def on_transition(session: Session, actor, product, transition: str, reason: str | None) -> None:
    """After a lifecycle transition, inside its transaction."""


def on_feedback(session: Session, actor, design_round, items: list) -> None:
    """After reviewers raise feedback items in a round (suppliers never hear of internal ones)."""


def on_revision(session: Session, actor, design_round) -> None:
    """After the supplier submits a round's revision."""


def on_round_decision(session: Session, actor, design_round) -> None:
    """After a reviewer closes a round with a decision."""
