"""Elimination sweeps: load the catalogue, run the rules, store candidates, act on them.

:func:`run_sweep` reads the listed and watched products of every category that has rules, their
customer figures (only the periods the widest window needs), failed routine inspections of the
last 12 months, overdue corrective actions and the SKU caps with a handful of aggregate queries
into column arrays; :mod:`workflows.elimination_frame` evaluates the whole catalogue at once;
one write transaction stores the run and its candidates, supersedes or clears earlier open
candidates, and puts ``under_watch`` candidates on watch. It never delists: a manager decides
each candidate with :func:`decide_candidate`. Every step is audited.
"""

from app.services.elimination.candidates import (
    candidate_json,
    decide_candidate,
    get_candidate,
    get_run,
    list_candidates,
    list_runs,
    run_json,
)
from app.services.elimination.common import (
    DECISIONS,
    READ_ROLES,
    RULE_FIELDS,
    SCHEDULES,
    SWEEP_ROLES,
)
from app.services.elimination.loading import performance_scores
from app.services.elimination.rules import (
    get_category_rules,
    parse_rule_value,
    set_category_rules,
)
from app.services.elimination.schedule import (
    is_due,
    last_completed_run,
    schedule,
    schedule_actor,
)
from app.services.elimination.sweep import check_sweep_job, run_sweep, run_sweep_job

__all__ = [
    "DECISIONS", "READ_ROLES", "RULE_FIELDS", "SCHEDULES", "SWEEP_ROLES", "candidate_json",
    "check_sweep_job", "decide_candidate", "get_candidate", "get_category_rules", "get_run",
    "is_due", "last_completed_run", "list_candidates", "list_runs", "parse_rule_value",
    "performance_scores", "run_json", "run_sweep", "run_sweep_job", "schedule",
    "schedule_actor", "set_category_rules",
]
