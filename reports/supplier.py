"""The supplier audit report: details and certificates (expired ones highlighted), standing,
products with their inspection pass rates, the defect Pareto, corrective actions and their
timeliness; internal notes only in the staff edition."""

from __future__ import annotations

from reportlab.platypus import Flowable

from reports.blocks import data_table, heading, key_values, note, para, spacer
from reports.inspection import report_facts, verification
from reports.qc_period import CHART_BARS, pareto_section, percent, ranked_chart


def status_labels(t) -> dict:
    return {"prospective": t("Prospective"), "active": t("Active"),
            "probation": t("Probation"), "eliminated": t("Eliminated")}


def state_labels(t) -> dict:
    return {"draft": t("Draft"), "proposed": t("Proposed"), "in_review": t("In review"),
            "rejected": t("Rejected"), "in_design": t("In design"),
            "abandoned": t("Abandoned"), "sampling": t("Sampling"), "listed": t("Listed"),
            "under_watch": t("Under watch"), "suspended": t("Suspended"),
            "delisted": t("Delisted")}


def capa_labels(t) -> dict:
    return {"open": t("Open"), "submitted": t("Submitted"), "returned": t("Returned"),
            "closed": t("Closed"), "escalated": t("Escalated")}


def timeliness_labels(t) -> dict:
    return {"on_time": t("Answered on time"), "late": t("Answered late"),
            "overdue": t("Overdue, not answered"), "pending": t("Not yet due"),
            "unanswered": t("Never answered")}


def _name(supplier: dict) -> str:
    if supplier["name_en"] and supplier["name_en"] != supplier["name"]:
        return f"{supplier['name']} ({supplier['name_en']})"
    return supplier["name"]


def _cover(data: dict, t, meta, manifest: dict) -> list[Flowable]:
    facts = [(t("Supplier"), _name(data["supplier"])), (t("As of"), data["as_of"])]
    if data["audience"] == "supplier":
        facts.append((t("Edition"), t("For the supplier (no internal notes)")))
    return [heading(t("Supplier audit report"), 0), key_values(facts), spacer(1),
            *report_facts(t, meta, manifest)]


def _details(data: dict, t) -> list[Flowable]:
    s = data["supplier"]
    return [heading(t("Supplier details")), key_values([
        (t("Name (Chinese)"), s["name"]), (t("Name (English)"), s["name_en"]),
        (t("Region"), s["region"]), (t("Status"), status_labels(t).get(s["status"], s["status"])),
        (t("Contact"), s["contact_name"]), (t("Email"), s["contact_email"]),
        (t("Phone"), s["contact_phone"])])]


def _standing(data: dict, t) -> list[Flowable]:
    status = data["supplier"]["status"]
    return [heading(t("Standing")),
            para(t("Status: %(status)s", status=status_labels(t).get(status, status))),
            note(t("Supplier standing is not computed yet."))]


def _certificates(data: dict, t) -> list[Flowable]:
    out: list[Flowable] = [heading(t("Certificates"))]
    certificates = data["certificates"]
    if not certificates:
        return out + [note(t("No certificates on file."))]
    rows = [[c["standard"], c["title"], c["number"], c["expires_on"],
             t("EXPIRED") if c["expired"] else t("Valid")] for c in certificates]
    expired = [i for i, c in enumerate(certificates) if c["expired"]]
    out += data_table([t("Standard"), t("Title"), t("Number"), t("Expires on"), t("Status")],
                      rows, widths=[0.2, 0.34, 0.2, 0.13, 0.13], highlight=expired)
    if expired:
        out.append(note(t("%(count)s expired certificate(s) as of %(day)s (highlighted).",
                          count=len(expired), day=data["as_of"])))
    return out


def _products(data: dict, t) -> list[Flowable]:
    out: list[Flowable] = [heading(t("Products"))]
    products = data["products"]
    if not products:
        return out + [note(t("No products yet."))]
    states = state_labels(t)
    rows = [[p["name_zh"], p["name_en"], p["sku"], p["category"],
             states.get(p["state"], p["state"]), p["inspections"], p["accepted"],
             percent(p["pass_rate"])] for p in products]
    out += data_table([t("Name (Chinese)"), t("Name (English)"), t("SKU"), t("Category"),
                       t("State"), t("Inspections"), t("Accepted"), t("Pass rate")], rows,
                      widths=[0.17, 0.17, 0.1, 0.16, 0.1, 0.1, 0.09, 0.11])
    totals = data["totals"]
    out.append(para(t("%(inspections)s completed inspections, %(accepted)s accepted, pass rate"
                      " %(rate)s.", inspections=totals["inspections"],
                      accepted=totals["accepted"], rate=percent(totals["pass_rate"]))))
    inspected = sorted((p for p in products if p["inspections"]),
                       key=lambda p: (-p["inspections"], p["id"]))[:CHART_BARS]
    if inspected:
        out += ranked_chart(t("Pass rate by product (%)"),
                            [p["name_zh"] or p["name_en"] for p in inspected],
                            [p["pass_rate"] or 0 for p in inspected], value_max=100)
    return out


def _timeliness_summary(data: dict, t) -> list[Flowable]:
    labels, counts = timeliness_labels(t), data["timeliness"]
    keys = list(labels)
    return [key_values([(labels[k], counts[k]) for k in keys]), spacer(),
            *ranked_chart(t("Corrective actions by timeliness"), [labels[k] for k in keys],
                          [counts[k] for k in keys])]


def _corrective_actions(data: dict, t) -> list[Flowable]:
    out: list[Flowable] = [heading(t("Corrective actions"))]
    capas = data["corrective_actions"]
    if not capas:
        return out + [note(t("No corrective action requests."))]
    staff = data["audience"] == "staff"
    statuses, timely = capa_labels(t), timeliness_labels(t)
    rows = []
    for c in capas:
        row = [c["id"], c["product"], c["inspection_id"], c["opened_on"], c["due_on"],
               c["first_submitted_on"], statuses.get(c["status"], c["status"]),
               timely.get(c["timeliness"], c["timeliness"])]
        rows.append(row + [c["internal_notes"]] if staff else row)
    headers = [t("No."), t("Product"), t("Inspection"), t("Opened"), t("Due"),
               t("Answered"), t("Status"), t("Timeliness")]
    widths = [0.05, 0.27, 0.1, 0.1, 0.1, 0.1, 0.12, 0.16]
    if staff:
        headers.append(t("Internal notes"))
        widths = [0.05, 0.17, 0.1, 0.1, 0.1, 0.1, 0.09, 0.11, 0.18]
    late = [i for i, c in enumerate(capas) if c["timeliness"] in ("late", "overdue")]
    out += _timeliness_summary(data, t)
    out += data_table(headers, rows, widths=widths, highlight=late)
    return out + [note(t("Timeliness compares the first answer with the due date; requests"
                         " still waiting on the supplier after it on %(day)s are overdue. Late and overdue ones"
                         " are highlighted.", day=data["as_of"]))]


def _inspection_notes(data: dict, t) -> list[Flowable]:
    notes = data.get("inspection_notes")
    if not notes:
        return []
    return [heading(t("Internal inspection notes (staff only)")),
            *data_table([t("Inspection"), t("Completed"), t("Product"), t("Internal notes")],
                        [[n["inspection_id"], n["completed_on"], n["product"], n["notes"]]
                         for n in notes], widths=[0.1, 0.12, 0.28, 0.5])]


def story(data: dict, t, meta, manifest: dict) -> list[Flowable]:
    return (_cover(data, t, meta, manifest) + _details(data, t) + _standing(data, t)
            + _certificates(data, t) + _products(data, t) + pareto_section(t, data["pareto"])
            + _corrective_actions(data, t) + _inspection_notes(data, t)
            + [spacer(6), *verification(t, meta, manifest)])
