"""ISO 2859-1:1999 switching rules: normal, tightened and reduced inspection, and discontinuation.

A product's routine inspections move between severities lot by lot (clause 9):

* normal -> tightened when 2 of 5 or fewer consecutive lots are not accepted on original
  inspection (9.3.1);
* tightened -> normal after 5 consecutive lots are accepted under tightened inspection (9.3.2);
* normal -> reduced when the switching score is at least 30, production is steady and the
  responsible authority approves (9.3.3); the score starts at 0 when normal inspection starts and,
  after each lot under normal single sampling, gains 2 (Ac 0 or 1: the lot was accepted) or
  3 (Ac >= 2: the lot would have been accepted at the AQL one step tighter), else resets to 0;
* reduced -> normal when a lot is not accepted or production is irregular (9.3.4);
* discontinue when 5 lots in total are not accepted during one period of tightened inspection
  (9.4); inspection resumes, tightened, only once the supplier has acted (``resume``).

Pure Python; the service layer stores the state and explains it on the product page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

NORMAL, TIGHTENED, REDUCED = "normal", "tightened", "reduced"
SCORE_TO_REDUCE = 30
WINDOW = 5


class SwitchingError(ValueError):
    """An inspection was recorded where the rules do not allow one (after discontinuation)."""


@dataclass(frozen=True)
class LotResult:
    """One lot's original inspection: the verdict and what the switching score needs."""

    accepted: bool
    acceptance_number: int
    #: Would the lot have been accepted at the next tighter AQL? Only needed when Ac >= 2.
    accepted_one_step_tighter: bool = False


@dataclass(frozen=True)
class SwitchingState:
    severity: str = NORMAL
    #: Verdicts of the lots since normal inspection (re)started, last WINDOW only.
    recent_normal: tuple[bool, ...] = ()
    switching_score: int = 0
    tightened_accepted_in_a_row: int = 0
    tightened_not_accepted: int = 0
    discontinued: bool = False
    #: Why the product is at this severity, for the product page and the audit trail.
    reason: str = "normal inspection at the start"


def _normal(reason: str) -> SwitchingState:
    return SwitchingState(severity=NORMAL, reason=reason)


def _score(score: int, lot: LotResult) -> int:
    if lot.acceptance_number <= 1:
        return score + 2 if lot.accepted else 0
    return score + 3 if lot.accepted and lot.accepted_one_step_tighter else 0


def next_state(state: SwitchingState, lot: LotResult, *, production_steady: bool = True,
               reduced_approved: bool = False) -> SwitchingState:
    """The severity for the next lot, after this lot's verdict."""
    if state.discontinued:
        raise SwitchingError("inspection is discontinued: the supplier must act before it resumes")
    if state.severity == NORMAL:
        recent = (*state.recent_normal, lot.accepted)[-WINDOW:]
        if recent.count(False) >= 2:
            return SwitchingState(
                severity=TIGHTENED,
                reason=f"{recent.count(False)} of the last {len(recent)} lots were not accepted"
                       " under normal inspection")
        score = _score(state.switching_score, lot)
        if score >= SCORE_TO_REDUCE and production_steady and reduced_approved:
            return SwitchingState(
                severity=REDUCED,
                reason=f"switching score {score} (at least {SCORE_TO_REDUCE}), steady production,"
                       " approved by the responsible authority")
        return replace(state, recent_normal=recent, switching_score=score,
                       reason=f"normal inspection; switching score {score}")
    if state.severity == TIGHTENED:
        if lot.accepted:
            in_a_row = state.tightened_accepted_in_a_row + 1
            if in_a_row >= WINDOW:
                return _normal(f"{in_a_row} consecutive lots accepted under tightened inspection")
            return replace(state, tightened_accepted_in_a_row=in_a_row,
                           reason=f"tightened inspection; {in_a_row} of {WINDOW} consecutive"
                                  " lots accepted")
        failures = state.tightened_not_accepted + 1
        if failures >= WINDOW:
            return replace(state, tightened_accepted_in_a_row=0, tightened_not_accepted=failures,
                           discontinued=True,
                           reason=f"{failures} lots not accepted under tightened inspection:"
                                  " inspection discontinued")
        return replace(state, tightened_accepted_in_a_row=0, tightened_not_accepted=failures,
                       reason=f"tightened inspection; {failures} lot(s) not accepted so far")
    if not lot.accepted:
        return _normal("a lot was not accepted under reduced inspection")
    if not production_steady:
        return _normal("production became irregular under reduced inspection")
    return replace(state, reason="reduced inspection")


def resume(state: SwitchingState) -> SwitchingState:
    """After discontinuation and the supplier's corrective action: tightened inspection (9.4)."""
    if not state.discontinued:
        raise SwitchingError("inspection is not discontinued")
    return SwitchingState(severity=TIGHTENED,
                          reason="resumed after discontinuation: tightened inspection")


def replay(lots, *, production_steady: bool = True,
           reduced_approved: bool = False) -> SwitchingState:
    """The state after a history of lots, from normal inspection."""
    state = SwitchingState()
    for lot in lots:
        state = next_state(state, lot, production_steady=production_steady,
                           reduced_approved=reduced_approved)
    return state
