"""Quality control: sample purchases, ISO 2859-1 inspections, corrective actions, listing gates.

Every use case is one write transaction and leaves audit events on the product's trail. The
rules live in ``workflows`` (sampling plans, switching, verdicts, corrective-action moves); this
module validates input, loads and stores records, and applies the lifecycle consequences through
``app.services.lifecycle.transition_in_session`` (actor: the inspector; reason: the inspection).

What a supplier sees: completed inspections of its own products (plans, defects, photos, verdict,
summary; never the purchase, its price or receipt, or internal notes), and its corrective action
requests. Everything else answers 404 to a supplier. On the product's trail a supplier never
sees the purchase events (``INTERNAL_ACTIONS``) nor the events of an inspection still open;
defect photos stay internal files until their inspection is completed
(``app.services.visibility.product_events_for``).
"""

from __future__ import annotations

from app.services.qc.common import (
    CAPA_REVIEWERS,
    EARLIEST_PURCHASE,
    INSPECTORS,
    INTERNAL_ACTIONS,
    MANAGERS,
    MAX_AMOUNT_CENTS,
    MAX_LOT,
    MAX_PHOTOS,
    MAX_QUANTITY,
    MAX_TEXT,
)
from app.services.qc.corrective_actions import (
    answer_capa,
    capas_query,
    get_capa,
    is_overdue,
    overdue_product_ids,
    review_capa,
)
from app.services.qc.inspections import (
    add_defect,
    category_aqls,
    complete_inspection,
    defect_photos,
    get_inspection,
    inspections_query,
    open_inspection,
    plans_of,
    preview_plans,
    record_files,
    remove_defect,
    set_reduced_approval,
    severity_for,
    switching_state,
    switching_states,
    visible_inspections,
)
from app.services.qc.listing import (
    clean_listing,
    listing_facts,
    watch_exit_blockers,
    weakest_listed,
)
from app.services.qc.purchases import (
    PURCHASE_FIELDS,
    budget_overview,
    budget_status,
    create_purchase,
    get_purchase,
    month_bounds,
    purchases_query,
    set_reimbursement,
)

__all__ = [
    "CAPA_REVIEWERS",
    "EARLIEST_PURCHASE",
    "INSPECTORS",
    "INTERNAL_ACTIONS",
    "MANAGERS",
    "MAX_AMOUNT_CENTS",
    "MAX_LOT",
    "MAX_PHOTOS",
    "MAX_QUANTITY",
    "MAX_TEXT",
    "PURCHASE_FIELDS",
    "add_defect",
    "answer_capa",
    "budget_overview",
    "budget_status",
    "capas_query",
    "category_aqls",
    "clean_listing",
    "complete_inspection",
    "create_purchase",
    "defect_photos",
    "get_capa",
    "get_inspection",
    "get_purchase",
    "inspections_query",
    "is_overdue",
    "listing_facts",
    "month_bounds",
    "open_inspection",
    "overdue_product_ids",
    "plans_of",
    "preview_plans",
    "purchases_query",
    "record_files",
    "remove_defect",
    "review_capa",
    "set_reduced_approval",
    "set_reimbursement",
    "severity_for",
    "switching_state",
    "switching_states",
    "visible_inspections",
    "watch_exit_blockers",
    "weakest_listed",
]
