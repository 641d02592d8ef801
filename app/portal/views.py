"""Views of the supplier portal."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.extensions import db
from app.models.base import MAX_ID
from app.portal import bp
from app.registry.standing import standing_context
from app.services.portal import supplier_overview, supplier_products, supplier_quality

NEXT_STEPS = {
    "complete_proposal": _l("Complete the proposal and submit it."),
    "await_review": _l("The selection team is reviewing the proposal."),
    "answer_feedback": _l("Answer the open feedback and submit your revision."),
    "await_reviewers": _l("Your revision is with the reviewers."),
    "await_round": _l("Waiting for the design team to open the next round."),
    "await_sampling": _l("The design is approved; waiting for the move to sampling."),
    "in_sampling": _l("QC is buying and inspecting samples."),
    "listed": _l("On sale. Keep quality and customer metrics up."),
    "under_watch": _l("On sale but under watch: fix what the decision names."),
    "suspended": _l("Sales are suspended: fix what the decision names."),
    "closed": _l("Nothing to do."),
}


@bp.get("/portal")
@login_required
def portal():
    user = current_user._get_current_object()
    if not user.is_supplier:
        abort(404)
    per_page = current_app.config["SIEVE_PAGE_SIZE"]
    number = request.args.get("page", 1, type=int)
    number = number if 1 <= number <= MAX_ID // per_page else 1
    page = db.paginate(supplier_products(user), page=number, per_page=per_page,
                       error_out=False)
    rows = supplier_overview(user, date.today(), page.items)
    own = standing_context(user, user.supplier_id) if user.supplier_id else {}
    return render_template("portal/index.html", rows=rows, page=page, next_steps=NEXT_STEPS,
                           quality=supplier_quality(user, product_ids=[p.id for p in page.items]),
                           **own)
