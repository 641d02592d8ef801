"""The inspection report (one or two pages for the supplier), and the pieces of it the product
dossier reuses: label tables, the manifest lines, one inspection's sections."""

from __future__ import annotations

from pathlib import Path

from reportlab.platypus import Flowable, KeepTogether

from reports.blocks import (
    data_table,
    heading,
    key_values,
    note,
    para,
    spacer,
    thumbnail,
    thumbnails_row,
    verdict,
)
from reports.layout import ReportMeta


def title(value: str, level: int = 1) -> Flowable:
    """A section heading that stays on the page of what follows it."""
    flowable = heading(value, level)
    flowable.keepWithNext = True
    return flowable


def filled(rows: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """Key/value rows without the empty ones (optional facts not recorded)."""
    return [(key, value) for key, value in rows if value not in (None, "", "—")]


def labels(t) -> dict[str, dict[str, str]]:
    """Translated labels of the codes reports print, built once per report (English msgids,
    the same as the web UI's)."""
    return {
        "state": {
            "draft": t("Draft"), "proposed": t("Proposed"), "in_review": t("In review"),
            "rejected": t("Rejected"), "in_design": t("In design"),
            "abandoned": t("Abandoned"), "sampling": t("Sampling"), "listed": t("Listed"),
            "under_watch": t("Under watch"), "suspended": t("Suspended"),
            "delisted": t("Delisted")},
        "transition": {
            "create": t("Created"), "submit": t("Submit proposal"), "start_review": t("Start review"),
            "request_info": t("Request information"), "reject": t("Reject"),
            "accept": t("Accept"), "approve_design": t("Approve design"),
            "abandon": t("Abandon"), "fail_sampling": t("Fail sampling"), "list": t("List"),
            "put_on_watch": t("Put on watch"), "resolve_watch": t("Resolve watch"),
            "suspend": t("Suspend"), "reinstate": t("Reinstate"), "delist": t("Delist"),
            "relist": t("Relist")},
        "kind": {"pre_listing": t("Pre-listing"), "routine": t("Routine"),
                 "follow_up": t("Follow-up"), "complaint": t("Complaint-triggered")},
        "channel": {"platform": t("This platform"), "other_marketplace": t("Another marketplace"),
                    "offline_store": t("Offline store")},
        "severity": {"normal": t("Normal inspection"), "tightened": t("Tightened inspection"),
                     "reduced": t("Reduced inspection")},
        "verdict": {"accepted": t("Lot accepted"), "rejected": t("Lot rejected")},
        "status": {"open": t("In progress"), "completed": t("Completed")},
        "class": {"critical": t("Critical defect"), "major": t("Major defect"),
                  "minor": t("Minor defect")},
        "check": {"pass": t("Pass"), "fail": t("Fail"), "na": t("Not applicable")},
        "checklist": {"appearance": t("Appearance"), "function": t("Function"),
                      "safety": t("Safety"), "packaging": t("Packaging"),
                      "labelling": t("Labelling")},
        "capa": {"open": t("Open: waiting for the supplier"),
                 "submitted": t("Submitted: waiting for QC"),
                 "returned": t("Returned to the supplier"), "closed": t("Closed"),
                 "escalated": t("Escalated")},
    }


def label(table: dict[str, dict[str, str]], family: str, code) -> str:
    """The label of ``code`` in one family (the code itself when unknown, "—" for none)."""
    if code is None or code == "":
        return "—"
    return table.get(family, {}).get(code, str(code))


def when(value: str | None) -> str:
    """An ISO time from the data as "YYYY-MM-DD HH:MM UTC" (a date stays a date)."""
    if not value:
        return "—"
    if "T" not in value:
        return value
    return f"{value[:16].replace('T', ' ')} UTC"


def product_name(product: dict) -> str:
    names = [n for n in (product.get("name_zh"), product.get("name_en")) if n]
    return " / ".join(names) or f"#{product['id']}"


# --- the manifest, on the first and the last page -----------------------------------------------

def coverage_line(t, manifest: dict) -> str:
    if not manifest.get("event_count"):
        return t("Covers no audit events (none recorded in this report's scope yet).")
    return t("Covers audit events #%(first)s to #%(last)s (%(count)s events),"
             " SHA-256 digest %(digest)s", first=manifest.get("first_event"),
             last=manifest.get("last_event"), count=manifest.get("event_count"),
             digest=manifest.get("digest"))


def report_rows(t, meta: ReportMeta) -> list[tuple[str, object]]:
    """The report id, and who generated it when (rows of the cover's table)."""
    return [(t("Report"), meta.report_id), (t("Issued"), meta.generated)]


def report_facts(t, meta: ReportMeta, manifest: dict) -> list[Flowable]:
    """Report id, who generated it and when, and the events it covers (the cover's last lines)."""
    return [key_values(report_rows(t, meta)), spacer(1), note(coverage_line(t, manifest))]


def verification(t, meta: ReportMeta, manifest: dict) -> list[Flowable]:
    """The last page's proof: the coverage line, the hash-chain head and how to verify."""
    points = manifest.get("checkpoints") or []
    story: list[Flowable] = [title(t("Verification"), 2), note(coverage_line(t, manifest))]
    if points:
        story.append(note(t("Hash-chain head: event #%(id)s, hash %(hash)s",
                            id=points[-1][0], hash=points[-1][1])))
    story.append(note(t("Check this report against the records with: flask --app app reports"
                        " verify FILE.pdf (report %(id)s)", id=meta.report_id)))
    return [KeepTogether(story)]


# --- one inspection -----------------------------------------------------------------------------

def inspection_details(item: dict, t, lab: dict) -> Flowable:
    rows = [(t("Inspection"), f"#{item['id']} · {label(lab, 'status', item['status'])}"),
            (t("Kind"), label(lab, "kind", item["kind"]))]
    if item.get("inspector"):
        rows.append((t("Inspector"), item["inspector"]))
    rows += [(t("Started"), when(item["started_at"])),
             (t("Completed"), when(item["completed_at"])),
             (t("Lot size"), item["lot_size"]), (t("Inspection level"), item["level"]),
             (t("Severity"), f"{label(lab, 'severity', item['severity'])}"
                             f" — {item['severity_reason'] or '—'}"),
             (t("Sample to draw"), item["sample_size"])]
    return key_values(filled(rows))


def purchase_details(purchase: dict | None, t, lab: dict) -> list[Flowable]:
    """Staff only (the data holds no purchase for a supplier)."""
    if not purchase:
        return []
    rows = filled([(t("Sample purchase"), f"#{purchase['id']}"),
            (t("Channel"), label(lab, "channel", purchase["channel"])),
            (t("Store"), purchase["store_name"]), (t("Order number"), purchase["order_number"]),
            (t("Purchased on"), purchase["purchased_on"]), (t("Quantity"), purchase["quantity"]),
            (t("Unit price"), f"{purchase['unit_price']} {purchase['currency']}"),
            (t("Total"), f"{purchase['total']} {purchase['currency']}"),
            (t("Batch code"), purchase["batch_code"]), (t("Bought by"), purchase["purchaser"]),
            (t("Purchase notes (internal)"), purchase["notes"])])
    return [spacer(1), key_values(rows)]


def plan_line(plan: dict) -> str:
    aql = "0" if not plan["aql"] else f"{plan['aql']:g}"
    return (f"{plan['defect_class']}: AQL {aql}, n={plan['sample_size']}, Ac={plan['accept']},"
            f" Re={plan['reject']}")


def plan_section(item: dict, t, lab: dict) -> list[Flowable]:
    found = item.get("found") or {}
    rows = [[label(lab, "class", p["defect_class"]), "0" if not p["aql"] else f"{p['aql']:g}",
             f"{p['code_letter']} → {p['effective_letter']}", p["sample_size"], p["accept"],
             p["reject"], found.get(p["defect_class"], "—")] for p in item["plans"]]
    story: list[Flowable] = [title(t("Sampling plan (ISO 2859-1)"), 2)]
    story += data_table([t("Defect class"), "AQL", t("Code letter"), "n", "Ac", "Re",
                         t("Found")], rows, [0.22, 0.1, 0.16, 0.13, 0.13, 0.13, 0.13])
    lines = item["arithmetic"] or [plan_line(p) for p in item["plans"]]
    story += [para(line, "small") for line in lines]
    return story


def checklist_section(item: dict, t, lab: dict) -> list[Flowable]:
    if item["status"] != "completed":
        return []
    rows = [[label(lab, "checklist", c["item"]), label(lab, "check", c["result"]), c["note"]]
            for c in item["checklist"]]
    if not rows:
        return [title(t("Checklist"), 2), note(t("No checklist items."))]
    return [title(t("Checklist"), 2),
            *data_table([t("Checklist item"), t("Result"), t("Note")], rows, [0.3, 0.2, 0.5])]


def _photos(defect: dict) -> list[Flowable]:
    if not defect["photos"]:
        return []
    row = thumbnails_row([thumbnail(Path(p["path"])) for p in defect["photos"]])
    # Unwrapped: a KeepTogether inside another measures as infinitely tall, so the defect
    # that holds it would always start a new page.
    return list(getattr(row, "_content", [row]))


def defects_section(item: dict, t, lab: dict) -> list[Flowable]:
    """Each defect with its photos kept together; the heading goes with the first (a heading
    cannot keep with a KeepTogether)."""
    head = title(t("Defects"), 2)
    if not item["defects"]:
        return [head, note(t("No defects logged."))]
    story: list[Flowable] = []
    for d in item["defects"]:
        rows = [[label(lab, "class", d["defect_class"]), d["count"],
                 label(lab, "checklist", d["checklist_item"]), d["description"]]]
        table = data_table([t("Defect class"), t("Count"), t("Checklist item"),
                            t("Description")], rows, [0.18, 0.1, 0.17, 0.55])
        story.append(KeepTogether([*([head] if not story else []), *table, *_photos(d)]))
    return story


def verdict_section(item: dict, t, lab: dict) -> list[Flowable]:
    if item["status"] != "completed":
        return [title(t("Verdict"), 2), note(t("The inspection is not completed yet."))]
    story: list[Flowable] = [title(t("Verdict"), 2),
                             verdict(item["verdict"], label(lab, "verdict", item["verdict"]))]
    if item["consequence"]:
        story.append(para(t("Consequence: %(transition)s",
                            transition=label(lab, "transition", item["consequence"]))))
    nxt = item.get("next_severity")
    if nxt:
        story.append(para(t("Next lot: %(severity)s (%(reason)s)",
                            severity=label(lab, "severity", nxt["severity"]),
                            reason=nxt["reason"] or "—")))
    capa = item.get("corrective_action")
    if capa:
        story.append(para(t("Corrective action request #%(id)s: %(status)s, due %(due)s",
                            id=capa["id"], status=label(lab, "capa", capa["status"]),
                            due=capa["due_on"])))
    if item["summary"]:
        story += [title(t("Summary"), 2), para(item["summary"])]
    return story


def internal_notes(item: dict, t) -> list[Flowable]:
    if not item.get("internal_notes"):
        return []
    return [title(t("Internal notes (staff only)"), 2), para(item["internal_notes"])]


def inspection_sections(item: dict, t, lab: dict) -> list[Flowable]:
    """Everything about one inspection, for this report and for the dossier."""
    return [inspection_details(item, t, lab), *purchase_details(item.get("purchase"), t, lab),
            *plan_section(item, t, lab), *checklist_section(item, t, lab),
            *defects_section(item, t, lab), *verdict_section(item, t, lab),
            *internal_notes(item, t)]


# --- the report ---------------------------------------------------------------------------------

def cover(data: dict, t, meta: ReportMeta, manifest: dict, lab: dict) -> list[Flowable]:
    product = data["product"]
    rows = [(t("Product"), product_name(product)), (t("SKU"), product["sku_code"]),
            (t("Supplier"), product["supplier"]), (t("Category"), product["category"]),
            (t("Current state"), label(lab, "state", product["state"]))]
    return [heading(t("Inspection report #%(id)s", id=data["inspection"]["id"]), 0),
            key_values(rows + report_rows(t, meta)), spacer(1), note(coverage_line(t, manifest)),
            spacer(2)]


def story(data: dict, t, meta: ReportMeta, manifest: dict) -> list[Flowable]:
    lab = labels(t)
    return [*cover(data, t, meta, manifest, lab),
            *inspection_sections(data["inspection"], t, lab), *verification(t, meta, manifest)]
