"""Sample inspections: plans per defect class, the verdict with its arithmetic, and what follows.

An inspection covers one lot (the batch a sample purchase represents). Each defect class has its
own AQL; Sieve computes the ISO 2859-1 single sampling plan of each class for the lot size,
inspection level and severity (the severity comes from the product's switching state). The
inspector draws the largest of the class sample sizes and counts, per class, the nonconforming
items among that class's first ``n`` items. A class rejects the lot when its count reaches its
rejection number; the lot is accepted when no class rejects.

AQL 0 means zero tolerance (the usual setting for critical defects): the class is inspected on
the sample size of the lot's code letter and any single nonconforming item rejects (Ac 0, Re 1).

Counts are of nonconforming *items*, so a class's count can never exceed its sample size.

Pure Python: no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass

from workflows import sampling
from workflows.switching import LotResult

DEFECT_CLASSES = ("critical", "major", "minor")
#: Purchase kinds: why the sample was bought.
KINDS = ("pre_listing", "routine", "follow_up", "complaint")
#: Where it was bought.
CHANNELS = ("platform", "other_marketplace", "offline_store")
#: Default AQL per class (a category can change them).
DEFAULT_AQLS = {"critical": 0.0, "major": 2.5, "minor": 4.0}
#: The category checklist a new category starts with.
DEFAULT_CHECKLIST = ("appearance", "function", "safety", "packaging", "labelling")
CHECK_RESULTS = ("pass", "fail", "na")

PRE_LISTING = "pre_listing"
#: Post-listing kinds: these lots form the series the switching rules follow.
SWITCHING_KINDS = frozenset({"routine", "follow_up", "complaint"})
POST_LISTING_STATES = frozenset({"listed", "under_watch", "suspended"})


class InspectionError(ValueError):
    """Bad inspection input; ``field`` names what is wrong (e.g. ``defects.major``)."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class ClassPlan:
    defect_class: str
    #: 0 means zero tolerance.
    aql: float
    code_letter: str
    effective_letter: str
    sample_size: int
    accept: int
    reject: int
    inspect_whole_lot: bool

    def as_dict(self) -> dict:
        return {"defect_class": self.defect_class, "aql": self.aql,
                "code_letter": self.code_letter, "effective_letter": self.effective_letter,
                "sample_size": self.sample_size, "accept": self.accept, "reject": self.reject,
                "inspect_whole_lot": self.inspect_whole_lot}

    @classmethod
    def from_dict(cls, data: Mapping) -> ClassPlan:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


def check_aql(value: object, field: str) -> float:
    """An AQL from the ISO series, or 0 for zero tolerance."""
    if isinstance(value, bool):
        raise InspectionError(field, f"must be a number from the AQL series, got {value!r}")
    if isinstance(value, str):
        value = value.strip()
    try:
        if float(value) == 0:
            return 0.0
    except (TypeError, ValueError):
        pass
    try:
        index = sampling._check_aql(value)
    except sampling.SamplingError as error:
        raise InspectionError(field, str(error).split(": ", 1)[1] + " (or 0 for zero tolerance)") \
            from None
    return float(sampling.AQL_SERIES[index])


def class_plans(lot_size: int, aqls: Mapping[str, object], level: str = "II",
                severity: str = "normal") -> tuple[ClassPlan, ...]:
    """The plan of every defect class for one lot; raises ``SamplingError``/``InspectionError``."""
    letter = sampling.code_letter(lot_size, level)
    plans = []
    for defect_class in DEFECT_CLASSES:
        if defect_class not in aqls:
            raise InspectionError(f"aql.{defect_class}", "required")
        aql = check_aql(aqls[defect_class], f"aql.{defect_class}")
        if aql == 0:
            n = sampling.sample_sizes(severity)[letter]
            whole = n >= lot_size
            plans.append(ClassPlan(defect_class, 0.0, letter, letter, lot_size if whole else n,
                                   0, 1, whole))
            continue
        p = sampling.plan(lot_size, aql, level, severity)
        plans.append(ClassPlan(defect_class, aql, p.code_letter, p.effective_letter,
                               p.sample_size, p.accept, p.reject, p.inspect_whole_lot))
    return tuple(plans)


def sample_to_draw(plans: tuple[ClassPlan, ...]) -> int:
    """How many items the inspector takes from the lot: the largest class sample."""
    return max(p.sample_size for p in plans)


@dataclass(frozen=True)
class ClassResult:
    plan: ClassPlan
    found: int

    @property
    def accepted(self) -> bool:
        return self.found < self.plan.reject

    def arithmetic(self) -> str:
        p = self.plan
        aql = "0 (zero tolerance)" if p.aql == 0 else f"{p.aql:g}"
        sign = "<" if self.accepted else ">="
        return (f"{p.defect_class}: AQL {aql}, n={p.sample_size}, Ac={p.accept}, Re={p.reject};"
                f" {self.found} nonconforming {sign} Re {p.reject}:"
                f" {'accept' if self.accepted else 'reject'}")


@dataclass(frozen=True)
class Verdict:
    results: tuple[ClassResult, ...]

    @property
    def accepted(self) -> bool:
        return all(r.accepted for r in self.results)

    @property
    def rejected_classes(self) -> tuple[str, ...]:
        return tuple(r.plan.defect_class for r in self.results if not r.accepted)

    @property
    def critical_found(self) -> bool:
        return any(r.found > 0 for r in self.results if r.plan.defect_class == "critical")

    def arithmetic(self) -> list[str]:
        lines = [r.arithmetic() for r in self.results]
        lines.append("lot accepted" if self.accepted else
                     "lot rejected by " + ", ".join(self.rejected_classes))
        return lines


def check_count(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InspectionError(field, f"must be a whole number, got {value!r}")
    if value < 0:
        raise InspectionError(field, f"must not be negative, got {value}")
    return int(value)


def evaluate(plans: tuple[ClassPlan, ...], counts: Mapping[str, int]) -> Verdict:
    """The verdict for the nonconforming items found per class (missing classes count 0)."""
    unknown = sorted(set(counts) - {p.defect_class for p in plans}, key=str)
    if unknown:
        raise InspectionError(f"defects.{unknown[0]}",
                              f"unknown defect class; one of {', '.join(DEFECT_CLASSES)}")
    results = []
    for p in plans:
        found = check_count(counts.get(p.defect_class, 0), f"defects.{p.defect_class}")
        if found > p.sample_size:
            raise InspectionError(f"defects.{p.defect_class}",
                                  f"{found} nonconforming items is more than the class's sample"
                                  f" of {p.sample_size}")
        results.append(ClassResult(p, found))
    return Verdict(tuple(results))


def lot_result(verdict: Verdict, lot_size: int, level: str, severity: str) -> LotResult:
    """What the switching rules need from a lot (ISO 2859-1 9.3.3 switching score).

    With several classes the score uses the strictest reading: Ac is the largest class Ac, and a
    lot "would have been accepted one step tighter" only if every class with Ac >= 2 would have
    been accepted at the next tighter AQL of the series.
    """
    acceptance = max(r.plan.accept for r in verdict.results)
    tighter_ok = True
    for r in verdict.results:
        if r.plan.accept < 2:
            continue
        index = sampling.AQL_SERIES.index(r.plan.aql)
        if index == 0:
            tighter_ok = False
            continue
        tighter = sampling.plan(lot_size, sampling.AQL_SERIES[index - 1], level, severity)
        # The tighter plan may use another sample size; judge the count found on this sample.
        if r.found >= tighter.reject:
            tighter_ok = False
    return LotResult(accepted=verdict.accepted, acceptance_number=acceptance,
                     accepted_one_step_tighter=verdict.accepted and tighter_ok)


def kind_allowed(kind: str, state: str) -> str | None:
    """Why a sample of ``kind`` cannot be bought for a product in ``state`` (None: it can)."""
    if kind not in KINDS:
        return f"kind: one of {', '.join(KINDS)}"
    if kind == PRE_LISTING and state != "sampling":
        return f"kind: a pre-listing sample needs the product in sampling; it is {state}"
    if kind != PRE_LISTING and state not in POST_LISTING_STATES:
        return (f"kind: a {kind} sample needs a listed, watched or suspended product;"
                f" it is {state}")
    return None


def consequence(kind: str, state: str, verdict: Verdict, discontinued: bool = False) -> str | None:
    """The lifecycle transition a completed inspection fires, or None.

    Failed pre-listing inspection of a product in sampling: ``fail_sampling``. Failed inspection
    of a listed or watched product: ``suspend`` for any critical defect or when the switching
    rules discontinue inspection, else ``put_on_watch`` (a watched product stays on watch).
    """
    if verdict.accepted:
        return None
    if kind == PRE_LISTING:
        return "fail_sampling" if state == "sampling" else None
    if state in ("listed", "under_watch") and (verdict.critical_found or discontinued):
        return "suspend"
    if state == "listed":
        return "put_on_watch"
    return None
