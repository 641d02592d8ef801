"""The product dossier: cover, lifecycle timeline, selection review, design rounds, inspections,
corrective actions, listing decisions, customer metrics and the audit appendix. One function
per section; plain data from ``app.services.reports.dossier.gather`` in, flowables out."""

from __future__ import annotations

from reportlab.platypus import Flowable, PageBreak

from reports.blocks import data_table, heading, key_values, note, para, spacer
from reports.inspection import (
    filled,
    inspection_sections,
    label,
    labels,
    product_name,
    report_facts,
    title,
    verification,
    when,
)
from reports.layout import ReportMeta


def design_labels(t) -> dict[str, dict[str, str]]:
    """Labels of the design, review and listing codes (the web UI's msgids)."""
    return {
        "area": {"industrial_design": t("Industrial design"), "function": t("Function"),
                 "packaging": t("Packaging"), "compliance": t("Compliance"), "cost": t("Cost")},
        "feedback_severity": {"blocking": t("Blocking"), "major": t("Major"),
                              "minor": t("Minor")},
        "item_status": {"open": t("Open"), "answered": t("Answered"),
                        "resolved": t("Resolved"), "reopened": t("Reopened")},
        "round_status": {"open": t("open: waiting for the supplier"),
                         "revision_submitted": t("revision submitted: waiting for the"
                                                 " reviewers"),
                         "closed": t("closed")},
        "decision": {"another_round": t("Another round"), "approve": t("Approve the design"),
                     "abandon": t("Abandon")},
        "delist_reason": {"quality_failure": t("Quality failure"),
                          "customer_metrics": t("Customer metrics"),
                          "compliance": t("Compliance"),
                          "supplier_eliminated": t("Supplier eliminated"),
                          "sku_cap": t("SKU cap"), "supplier_request": t("Supplier request"),
                          "other": t("Other")},
    }


def yes_no(t, value: bool) -> str:
    return t("yes") if value else t("no")


# --- cover and timeline -------------------------------------------------------------------------

def cover(data: dict, t, meta: ReportMeta, manifest: dict, lab: dict) -> list[Flowable]:
    p = data["product"]

    def price(amount: str | None) -> str | None:
        return f"{amount} {p['currency']}" if amount else None

    rows = [(t("Product (Chinese)"), p["name_zh"]), (t("Product (English)"), p["name_en"]),
            (t("SKU"), p["sku_code"]), (t("Supplier"), p["supplier"]),
            (t("Category"), p["category"]),
            (t("Current state"), label(lab, "state", p["state"])),
            (t("Target price"), price(p["target_price"])),
            (t("Retail price"), price(p["retail_price"])),
            (t("Launch date"), p["launched_on"]), (t("Created"), when(p["created_at"]))]
    story = [heading(meta.title, 0), para(product_name(p), "h1"), key_values(rows), spacer(2),
             *report_facts(t, meta, manifest)]
    if data["audience"] == "supplier":
        story.append(note(t("Prepared for the supplier: internal notes and files, individual"
                            " reviewer scores and sample purchase details are left out.")))
    return story


def timeline(data: dict, t, lab: dict) -> list[Flowable]:
    story: list[Flowable] = [title(t("Lifecycle timeline"))]
    if not data["timeline"]:
        return story + [note(t("No transitions yet."))]
    rows = [[when(e["at"]), e["actor"], label(lab, "state", e["from"]),
             label(lab, "state", e["to"]), label(lab, "transition", e["action"]), e["reason"]]
            for e in data["timeline"]]
    return story + data_table([t("Time"), t("Actor"), t("From"), t("To"), t("Transition"),
                               t("Reason")], rows, [0.15, 0.19, 0.12, 0.12, 0.14, 0.28])


# --- selection review ---------------------------------------------------------------------------

def _criterion(c: dict) -> str:
    return " / ".join(filter(None, (c["label"], c.get("label_zh"))))


def _minimum(c: dict, t) -> str:
    if c["minimum"] is None:
        return "—"
    return f"{c['minimum']} ({t('knock-out')})" if c["knockout"] else str(c["minimum"])


def scores_table(cycle: dict, t) -> list[Flowable]:
    """Staff only: criteria with weights, each reviewer's score and the panel mean."""
    card, reviews = cycle["scorecard"], cycle["reviews"]
    means = (cycle["aggregate"] or {}).get("criterion_means", {})
    headers = [t("Criterion"), t("Weight"), t("Minimum")] + \
        [r["reviewer"] for r in reviews] + ([t("Mean")] if reviews else [])
    rows = [[_criterion(c), f"{c['weight']:g}",
             _minimum(c, t)]
            + [r["scores"].get(c["key"], "—") for r in reviews]
            + ([means.get(c["key"], "—")] if reviews else []) for c in card["criteria"]]
    if reviews:
        rows.append([t("Weighted total"), "", ""] + [f"{r['total']:.2f}" for r in reviews]
                    + [(cycle["aggregate"] or {}).get("mean", "—")])
    rest = (1 - 0.5) / max(1, len(headers) - 3)
    return data_table(headers, rows, [0.3, 0.1, 0.1] + [rest] * (len(headers) - 3))


def _aggregate_line(cycle: dict, t) -> list[Flowable]:
    agg, card = cycle["aggregate"], cycle["scorecard"]
    if not agg or agg["mean"] is None:
        return []
    line = t("Aggregate %(mean)s against a pass threshold of %(threshold)s; spread %(spread)s"
             " across %(count)s reviews.", mean=f"{agg['mean']:g}",
             threshold=card["pass_threshold"], spread=f"{agg['spread']:g}",
             count=agg["count"])
    if agg["disagreement"]:
        line += " " + t("The reviewers disagreed.")
    return [para(line)]


def review_cycle(n: int, cycle: dict, t, lab: dict) -> list[Flowable]:
    story: list[Flowable] = [title(t("Review cycle %(n)s, started %(when)s", n=n,
                                       when=when(cycle["started_at"])), 2)]
    decision = cycle["decision"]
    if cycle["scorecard"] and cycle["reviews"]:
        story += [note(t("Scorecard version %(version)s", version=cycle["scorecard"]["version"])),
                  *scores_table(cycle, t), *_aggregate_line(cycle, t)]
        story += [note(f"{r['reviewer']}: {r['comment']}") for r in cycle["reviews"]
                  if r["comment"]]
    elif cycle["scorecard"]:
        story.append(note(t("Reviews submitted so far: %(count)s; the scores are shown once"
                            " the cycle is decided.", count=cycle["review_count"])))
    if decision:
        story.append(para(t("Decision: %(decision)s on %(when)s by %(actor)s",
                            decision=label(lab, "transition", decision["action"]),
                            when=when(decision["at"]), actor=decision["actor"])))
        if decision["reason"]:
            story.append(para(t("Reason: %(reason)s", reason=decision["reason"])))
    else:
        story.append(note(t("Not decided yet.")))
    if cycle["shortfalls"]:
        story.append(para(t("Criteria that fell short: %(criteria)s",
                            criteria=", ".join(cycle["shortfalls"]))))
    return story


def selection_review(data: dict, t, lab: dict) -> list[Flowable]:
    story: list[Flowable] = [title(t("Selection review"))]
    if not data["review_cycles"]:
        return story + [note(t("No selection review yet."))]
    for n, cycle in enumerate(data["review_cycles"], 1):
        story += review_cycle(n, cycle, t, lab)
    return story


# --- design rounds ------------------------------------------------------------------------------

def feedback_table(items: list[dict], t, lab: dict) -> list[Flowable]:
    if not items:
        return [note(t("No feedback items in this round."))]
    rows = [[f"#{i['id']}" + (f" ({t('internal')})" if i["internal"] else ""),
             label(lab, "area", i["area"]), label(lab, "feedback_severity", i["severity"]),
             i["text"], i["response"], label(lab, "item_status", i["status"])] for i in items]
    return data_table([t("Item"), t("Area"), t("Severity"), t("Feedback"), t("Response"),
                       t("Status")], rows, [0.1, 0.13, 0.1, 0.3, 0.25, 0.12])


def design_round(r: dict, t, lab: dict) -> list[Flowable]:
    rows = filled([
        (t("Status"), label(lab, "round_status", r["status"])),
        (t("Opened"), when(r["opened_at"])), (t("Revision due"), r["due_on"]),
        (t("Revision submitted"), when(r["revision_submitted_at"])),
        (t("Revision notes"), r["revision_notes"]),
        (t("Decision"), label(lab, "decision", r["decision"])),
        (t("Decision reason"), r["decision_reason"]), (t("Decided"), when(r["decided_at"]))])
    return [title(t("Design round %(n)s", n=r["number"]), 2), key_values(rows), spacer(1),
            *feedback_table(r["items"], t, lab)]


def design_rounds(data: dict, t, lab: dict) -> list[Flowable]:
    story: list[Flowable] = [title(t("Design rounds"))]
    if not data["design_rounds"]:
        return story + [note(t("No design rounds yet."))]
    for r in data["design_rounds"]:
        story += design_round(r, t, lab)
    return story


# --- quality control ----------------------------------------------------------------------------

def inspections(data: dict, t, lab: dict) -> list[Flowable]:
    story: list[Flowable] = [title(t("Sample purchases and inspections"))]
    if not data["inspections"]:
        story.append(note(t("No inspections yet.")))
    for item in data["inspections"]:
        story += [spacer(2), title(t("Inspection #%(id)s", id=item["id"]), 2),
                  *inspection_sections(item, t, lab)]
    waiting = data["uninspected_purchases"]
    if waiting:
        rows = [[f"#{p['id']}", label(lab, "kind", p["kind"]), p["purchased_on"], p["store_name"],
                 p["order_number"], p["quantity"], f"{p['total']} {p['currency']}"]
                for p in waiting]
        story += [title(t("Sample purchases not inspected yet"), 2),
                  *data_table([t("Purchase"), t("Kind"), t("Purchased on"), t("Store"),
                               t("Order number"), t("Quantity"), t("Total")], rows,
                              [0.1, 0.14, 0.13, 0.2, 0.17, 0.1, 0.16])]
    return story


def corrective_action(c: dict, t, lab: dict) -> list[Flowable]:
    status = label(lab, "capa", c["status"]) + (f" ({t('overdue')})" if c["overdue"] else "")
    rows = filled([
        (t("Status"), status),
        (t("Inspection"), c["inspection_id"] and f"#{c['inspection_id']}"),
        (t("Opened"), when(c["opened_at"])), (t("Due"), c["due_on"]),
        (t("Problem"), c["problem"]), (t("Containment"), c["containment"]),
        (t("Root cause"), c["root_cause"]), (t("Corrective action"), c["corrective_action"]),
        (t("Preventive action"), c["preventive_action"]),
        (t("First submitted"), when(c["first_submitted_at"])),
        (t("Returned because"), c["return_reason"]), (t("Closed"), when(c["closed_at"])),
        (t("Verified by inspection"), c["verification_inspection_id"]
         and f"#{c['verification_inspection_id']}"),
        (t("Escalated"), when(c["escalated_at"])),
        (t("Escalation reason"), c["escalation_reason"]),
        (t("Internal notes (staff only)"), c.get("internal_notes"))])
    return [title(t("Corrective action request #%(id)s", id=c["id"]), 2), key_values(rows)]


def corrective_actions(data: dict, t, lab: dict) -> list[Flowable]:
    story: list[Flowable] = [title(t("Corrective actions"))]
    if not data["corrective_actions"]:
        return story + [note(t("No corrective action requests."))]
    for c in data["corrective_actions"]:
        story += corrective_action(c, t, lab)
    return story


# --- listing, metrics, appendix -----------------------------------------------------------------

def listing(data: dict, t, lab: dict) -> list[Flowable]:
    story: list[Flowable] = [title(t("Listing and delisting decisions"))]
    if not data["listing"]:
        return story + [note(t("No listing decisions yet."))]
    currency = data["product"]["currency"]
    rows = [[when(e["at"]), label(lab, "transition", e["action"]), e["actor"],
             f"{e['retail_price']} {currency}" if e["retail_price"] else "—", e["launched_on"],
             label(lab, "delist_reason", e["reason"]) if e["action"] == "delist"
             else e["reason"]] for e in data["listing"]]
    return story + data_table([t("Time"), t("Decision"), t("Actor"), t("Retail price"),
                               t("Launch date"), t("Reason")], rows,
                              [0.16, 0.12, 0.2, 0.14, 0.13, 0.25])


def customer_metrics(t) -> list[Flowable]:
    return [title(t("Customer figures")), note(t("No customer metrics recorded yet."))]


def appendix(data: dict, t, meta: ReportMeta, manifest: dict, lab: dict) -> list[Flowable]:
    story: list[Flowable] = [PageBreak(), title(t("Appendix: audit events"))]
    if data["audience"] == "supplier":
        story.append(note(t("Events about internal records are not listed; the digest below"
                            " covers every event of the product.")))
    rows = [[f"#{e['id']}", when(e["at"]), e["actor"], e["action"],
             f"{label(lab, 'state', e['from'])} → {label(lab, 'state', e['to'])}"
             if e["to"] else ""] for e in data["events"]]
    if rows:
        story += data_table([t("Event"), t("Time"), t("Actor"), t("Action"),
                             t("From → to")], rows, [0.1, 0.18, 0.27, 0.2, 0.25])
    else:
        story.append(note(t("No audit events.")))
    return story + [spacer(3), *verification(t, meta, manifest)]


def story(data: dict, t, meta: ReportMeta, manifest: dict) -> list[Flowable]:
    lab = {**labels(t), **design_labels(t)}
    return [*cover(data, t, meta, manifest, lab), *timeline(data, t, lab),
            *selection_review(data, t, lab), *design_rounds(data, t, lab),
            *inspections(data, t, lab), *corrective_actions(data, t, lab),
            *listing(data, t, lab), *customer_metrics(t),
            *appendix(data, t, meta, manifest, lab)]
