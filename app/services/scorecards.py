"""Category scorecards: immutable versions, created from the house defaults on first use."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import write_transaction
from app.models import Category, Scorecard, ScorecardCriterion, User
from app.services.audit import record_event
from app.services.errors import Forbidden, NotFound, ValidationFailed, raise_if_errors
from workflows import scoring
from workflows.lifecycle import Role

SCORECARD_EDITORS = {Role.ADMIN, Role.SELECTION_MANAGER}
DEFAULT_LABELS_ZH = {
    "performance": "性能", "configuration": "配置 / 规格", "design": "设计",
    "value_for_money": "性价比", "compliance": "合规", "supplier_capability": "供应商能力",
}
MAX_CRITERIA = 20


def latest_scorecard(session: Session, category_id: int) -> Scorecard | None:
    return session.scalars(
        select(Scorecard).where(Scorecard.category_id == category_id)
        .order_by(Scorecard.version.desc()).limit(1)
    ).first()


def to_domain(card: Scorecard) -> scoring.Scorecard:
    return scoring.Scorecard(
        criteria=tuple(
            scoring.Criterion(key=c.key, label=c.label, weight=c.weight, minimum=c.minimum,
                              knockout=c.knockout, anchors=tuple(c.anchors or ()))
            for c in card.criteria
        ),
        pass_threshold=card.pass_threshold,
        min_reviewers=card.min_reviewers,
        disagreement_spread=card.disagreement_spread,
    )


def default_fields(category: Category) -> dict[str, Any]:
    """The house scorecard, with the category's own pass threshold, as editable fields."""
    card = scoring.default_scorecard(pass_threshold=category.selection_threshold)
    return {
        "pass_threshold": card.pass_threshold,
        "min_reviewers": card.min_reviewers,
        "disagreement_spread": card.disagreement_spread,
        "share_shortfalls": True,
        "criteria": [
            {"key": c.key, "label": c.label, "label_zh": DEFAULT_LABELS_ZH.get(c.key),
             "weight": c.weight, "minimum": c.minimum, "knockout": c.knockout,
             "anchors": list(c.anchors)}
            for c in card.criteria
        ],
    }


def fields_of(card: Scorecard) -> dict[str, Any]:
    return {
        "pass_threshold": card.pass_threshold,
        "min_reviewers": card.min_reviewers,
        "disagreement_spread": card.disagreement_spread,
        "share_shortfalls": card.share_shortfalls,
        "criteria": [
            {"key": c.key, "label": c.label, "label_zh": c.label_zh, "weight": c.weight,
             "minimum": c.minimum, "knockout": c.knockout, "anchors": list(c.anchors or [])}
            for c in card.criteria
        ],
    }


def _number(fields: dict, key: str, kind, errors: dict[str, str]):
    raw = fields.get(key)
    if isinstance(raw, bool) or raw is None or raw == "":
        errors[key] = "required"
        return None
    try:
        value = kind(raw)
    except (TypeError, ValueError, OverflowError):
        errors[key] = "must be a number"
        return None
    if kind is int and isinstance(raw, float) and raw != int(raw):
        errors[key] = "must be a whole number"
    return value


def _clean(fields: dict[str, Any]) -> tuple[dict[str, Any], scoring.Scorecard]:
    """Validate editable fields; the pure scorecard rules report the problems they find."""
    errors: dict[str, str] = {}
    threshold = _number(fields, "pass_threshold", float, errors)
    min_reviewers = _number(fields, "min_reviewers", int, errors)
    if min_reviewers is not None and not 1 <= min_reviewers <= 20:
        errors["min_reviewers"] = "between 1 and 20"
        min_reviewers = None
    spread = _number({"disagreement_spread": fields.get("disagreement_spread", 1.0)},
                     "disagreement_spread", float, errors)
    raw_criteria = fields.get("criteria")
    criteria: list[dict[str, Any]] = []
    if not isinstance(raw_criteria, list) or not raw_criteria:
        errors["criteria"] = "at least one criterion is required"
    elif len(raw_criteria) > MAX_CRITERIA:
        errors["criteria"] = f"at most {MAX_CRITERIA} criteria"
    else:
        for index, item in enumerate(raw_criteria, 1):
            if not isinstance(item, dict):
                errors[f"criteria[{index}]"] = "must be an object"
                continue
            minimum = item.get("minimum")
            anchors = item.get("anchors") or []
            if not isinstance(anchors, list):
                errors[f"criteria[{index}].anchors"] = "a list of five descriptions"
                anchors = []
            for key, limit in (("key", 40), ("label", 120), ("label_zh", 120)):
                if len(str(item.get(key) or "")) > limit:
                    errors[f"criteria[{index}].{key}"] = f"at most {limit} characters"
            entry = {
                "key": str(item.get("key") or "").strip(),
                "label": str(item.get("label") or "").strip(),
                "label_zh": (str(item.get("label_zh") or "").strip() or None),
                "weight": item.get("weight"),
                "minimum": None if minimum in (None, "") else minimum,
                "knockout": bool(item.get("knockout")),
                "anchors": [str(a).strip()[:500] for a in anchors if str(a).strip()],
            }
            for key in ("weight", "minimum"):
                value = entry[key]
                if isinstance(value, str):
                    try:
                        entry[key] = float(value) if key == "weight" else int(value)
                    except ValueError:
                        errors[f"criteria[{index}].{key}"] = "must be a number"
            if len(entry["key"]) > 40 or not entry["key"].replace("_", "").isalnum():
                errors[f"criteria[{index}].key"] = "letters, digits and _ only, at most 40"
            criteria.append(entry)
    raise_if_errors(errors)
    card = scoring.Scorecard(
        criteria=tuple(scoring.Criterion(key=c["key"], label=c["label"], weight=c["weight"],
                                         minimum=c["minimum"], knockout=c["knockout"],
                                         anchors=tuple(c["anchors"])) for c in criteria),
        pass_threshold=threshold, min_reviewers=min_reviewers, disagreement_spread=spread,
    )
    try:
        card.validate()
    except scoring.ScoringError as error:
        problems = [str(p) for p in getattr(error, "problems", [str(error)])]
        raise ValidationFailed("; ".join(problems), {"scorecard": problems}) from None
    cleaned = {"pass_threshold": threshold, "min_reviewers": min_reviewers,
               "disagreement_spread": spread,
               "share_shortfalls": bool(fields.get("share_shortfalls", True)),
               "criteria": criteria}
    return cleaned, card


def write_version(session: Session, actor: User | None, category: Category,
                  cleaned: dict[str, Any]) -> Scorecard:
    """Append the next version inside the caller's transaction and audit it."""
    current = latest_scorecard(session, category.id)
    card = Scorecard(
        category_id=category.id, version=(current.version + 1) if current else 1,
        pass_threshold=cleaned["pass_threshold"], min_reviewers=cleaned["min_reviewers"],
        disagreement_spread=cleaned["disagreement_spread"],
        share_shortfalls=cleaned["share_shortfalls"],
        created_by_id=actor.id if actor is not None else None,
    )
    session.add(card)
    session.flush()
    for position, c in enumerate(cleaned["criteria"]):
        session.add(ScorecardCriterion(scorecard_id=card.id, position=position, **c))
    category.selection_threshold = cleaned["pass_threshold"]
    session.flush()
    session.refresh(card)
    record_event(session, actor, "category", category.id, "scorecard_version", changes={
        "scorecard": {"before": fields_of(current) if current else None,
                      "after": {"version": card.version, **cleaned}}})
    return card


def ensure_scorecard(session: Session, actor: User | None, category: Category) -> Scorecard:
    """The category's current scorecard; version 1 from the defaults if it has none yet."""
    return latest_scorecard(session, category.id) or write_version(
        session, actor, category, _clean(default_fields(category))[0])


def save_scorecard(actor: User, category_id: int, fields: dict[str, Any]) -> Scorecard:
    """A new version of the category's scorecard; reviews keep the version they used."""
    if actor.role not in SCORECARD_EDITORS:
        raise Forbidden(f"role {actor.role} may not edit scorecards")
    cleaned, _card = _clean(fields)
    with write_transaction() as session:
        category = session.get(Category, category_id)
        if category is None:
            raise NotFound(f"category {category_id} not found")
        return write_version(session, actor, category, cleaned)


def criteria_for_panel(session: Session, product, panel) -> tuple[scoring.Criterion, ...]:
    """The criteria a reviewer scores now: the cycle's scorecard, else what it would be."""
    if panel.scorecard is not None:
        return to_domain(panel.scorecard).criteria
    category = product.category
    if category is None:
        return scoring.DEFAULT_CRITERIA
    return scoring.default_scorecard(pass_threshold=category.selection_threshold).criteria
