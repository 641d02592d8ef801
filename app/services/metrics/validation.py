"""Checking metric rows, vectorised over a chunk: the columns, products, periods and figures.

Every check is a boolean mask over the chunk; Python only loops to word the first problems of
each mask. What passes comes out as the figures to store (``product_id``, canonical ``period``,
its kind and start, the counts and ``avg_rating``) with each row's number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import CustomerMetric, Product
from app.services.metrics.files import MAX_PROBLEMS, Chunk, Problem, ProblemLog
from workflows.periods import MONTH, PeriodError, parse_period

COUNT_COLUMNS = ("units_sold", "orders", "reviews", "positive_reviews", "returns", "complaints")
#: The columns a file or batch row may have, in the template's order.
COLUMNS = ("product_id", "sku", "period", "units_sold", "orders", "reviews", "avg_rating",
           "positive_reviews", "returns", "complaints")
REQUIRED = ("period", "units_sold", "orders", "reviews", "avg_rating", "positive_reviews",
            "returns", "complaints")
#: The figures stored per row, besides the product and the period.
FIGURES = (*COUNT_COLUMNS, "avg_rating")
MAX_COUNT = 2_147_483_647
_KIND_WORDS = {MONTH: ("a month", "months", "monthly"), "week": ("an ISO week", "weeks", "weekly")}


def check_header(names: list[str]) -> tuple[list[str], list[Problem]]:
    """The header's column names (lower-cased; unnamed trailing cells become ignored columns)
    and its problems: unknown and repeated columns, and every missing column at once."""
    names = [name.strip().lower() for name in names]
    while names and names[-1] == "":
        names.pop()
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name == "":
            problems.append(Problem(1, f"column {index + 1}", "", f"column {index + 1} of the "
                                    "header is blank; every column needs its name"))
        elif name not in COLUMNS:
            problems.append(Problem(1, name, name, f"unknown column “{name}”; the columns are "
                                    + ", ".join(COLUMNS)))
        elif name in seen:
            problems.append(Problem(1, name, name, f"column “{name}” appears more than once"))
        seen.add(name)
    missing = [c for c in REQUIRED if c not in seen]
    if "product_id" not in seen and "sku" not in seen:
        missing.insert(0, "product_id (or sku)")
    if missing:
        problems.append(Problem(1, ", ".join(missing), "", "missing column"
                                f"{'s' if len(missing) > 1 else ''}: " + ", ".join(missing)))
    return names, problems


class Catalogue:
    """The products a row may name: ids, and SKU codes (ambiguous when several suppliers use
    one); and, once a file's kind of period is known, the products already holding the other."""

    def __init__(self, session: Session):
        self.session = session
        found = pd.DataFrame(session.execute(select(Product.id, Product.sku_code)).all(),
                             columns=["id", "sku"])
        self.ids = pd.Index(found["id"].astype("int64"))
        self.sku_of = pd.Series(found["sku"].to_numpy(dtype=object), index=self.ids)
        with_sku = found[found["sku"].notna() & (found["sku"] != "")]
        counts = with_sku["sku"].value_counts()
        self.ambiguous = {sku: sorted(with_sku.loc[with_sku["sku"] == sku, "id"].tolist())
                          for sku in counts[counts > 1].index}
        unique = with_sku[~with_sku["sku"].isin(list(self.ambiguous))]
        self.by_sku = pd.Series(unique["id"].to_numpy(dtype="int64"), index=unique["sku"])
        self._other_kind: dict[str, pd.Series] = {}

    def holding_other_kind(self, kind: str) -> pd.Series:
        """product id -> one of its stored periods, for products whose figures are not ``kind``."""
        if kind not in self._other_kind:
            rows = self.session.execute(
                select(CustomerMetric.product_id, func.min(CustomerMetric.period))
                .where(CustomerMetric.period_kind != kind)
                .group_by(CustomerMetric.product_id)).all()
            self._other_kind[kind] = pd.Series({pid: period for pid, period in rows},
                                               dtype=object)
        return self._other_kind[kind]


def _is_blank(values: pd.Series) -> pd.Series:
    return values.str.strip() == ""


def _whole_numbers(values: pd.Series) -> tuple[np.ndarray, pd.Series, pd.Series]:
    """(numbers with -1 where unreadable, blank mask, not-a-whole-number mask)."""
    try:
        numbers = values.to_numpy(dtype=object).astype(np.int64)
        none = pd.Series(False, index=values.index)
        return numbers, none, none
    except (ValueError, TypeError, OverflowError):
        pass
    blank = _is_blank(values)
    parsed = pd.to_numeric(values.where(~blank, "0"), errors="coerce")
    wrong = ~blank & (parsed.isna() | (parsed % 1 != 0) | (parsed.abs() > 2 * MAX_COUNT))
    numbers = parsed.where(~(wrong | blank), -1).to_numpy().astype(np.int64)
    return numbers, blank, wrong


def _ratings(values: pd.Series) -> tuple[np.ndarray, pd.Series, pd.Series]:
    """(ratings with NaN where blank or unreadable, blank mask, not-a-number mask)."""
    blank = _is_blank(values)
    try:
        numbers = values.where(~blank, "nan").to_numpy(dtype=object).astype(np.float64)
        wrong = pd.Series(np.isnan(numbers), index=values.index) & ~blank
    except (ValueError, TypeError):
        parsed = pd.to_numeric(values.where(~blank, "nan"), errors="coerce")
        numbers = parsed.to_numpy(dtype=np.float64)
        wrong = parsed.isna() & ~blank
    return numbers, blank, wrong


def _percent(rate: float) -> str:
    text = f"{rate:.0f}"
    return f"{rate:.1f}" if text == "100" else text


class RowChecker:
    """Checks one file's (or batch's) chunks in order, then the rows against each other."""

    def __init__(self, catalogue: Catalogue, names: list[str], row_label=None):
        self.catalogue = catalogue
        self.names = names
        #: How a message names another row: ``2`` in a file, ``rows[0]`` in a batch.
        self.row_label = row_label or (lambda row: f"row {row}")
        self.problems = ProblemLog()
        self.rows = 0
        self.kind: str | None = None
        self.kind_example: str | None = None
        self.periods: dict[str, tuple] = {}  # written text -> (canonical, kind, start) | error
        self._keys: list[pd.DataFrame] = []

    # -- one chunk ---------------------------------------------------------------------------
    def check(self, chunk: Chunk) -> pd.DataFrame:
        """The chunk's rows that passed, as figures to store; problems go to ``self.problems``."""
        frame, row_numbers = chunk.frame, chunk.rows
        used = [c for c in COLUMNS if c in frame.columns]
        frame = frame[used]
        filled = (frame != "").any(axis=1) if len(frame) else pd.Series(dtype=bool)
        if not filled.all():
            frame, row_numbers = frame[filled], row_numbers[filled]
        self.rows += len(frame)
        found: list[Problem] = []
        bad = pd.Series(False, index=frame.index)
        total = 0

        formula_cells: dict[str, pd.Series] = {}
        for row, column, _reference, _formula in chunk.formulas:
            cells = formula_cells.setdefault(column, pd.Series(False, index=frame.index))
            cells |= row_numbers == row

        def flag(mask: pd.Series, column: str, value, message) -> None:
            nonlocal bad, total
            if column in formula_cells:  # already reported as a formula
                mask = mask & ~formula_cells[column]
            count = int(mask.sum())
            if not count:
                return
            total += count
            bad |= mask
            for index in mask.index[mask.to_numpy()][:MAX_PROBLEMS]:
                shown = value[index] if isinstance(value, pd.Series) else value
                found.append(Problem(int(row_numbers[index]), column, shown,
                                     message(index) if callable(message) else message))

        for row, column, reference, formula in chunk.formulas:
            total += 1
            found.append(Problem(row, column, formula, f"cell {reference} holds a formula "
                                 f"({formula}); paste the values only"))
            bad |= row_numbers == row

        product_ids = self._products(frame, flag)
        periods = self._periods(frame, product_ids, flag)
        figures = self._figures(frame, flag)
        self.problems.add_many(found, total)
        good = ~bad & (product_ids >= 0) & periods["period"].notna()
        keys = pd.DataFrame({"product_id": product_ids[good], "period": periods["period"][good],
                             "row": row_numbers[good]})
        self._keys.append(keys)
        out = pd.DataFrame({"product_id": product_ids, **{c: periods[c] for c in periods},
                            **figures, "row": row_numbers})
        return out[good]

    def _products(self, frame: pd.DataFrame, flag) -> pd.Series:
        empty = pd.Series("", index=frame.index)
        pid_text = frame["product_id"].str.strip() if "product_id" in frame else empty
        sku_text = frame["sku"].str.strip() if "sku" in frame else empty
        ids = pd.Series(-1, index=frame.index, dtype="int64")
        flag((pid_text == "") & (sku_text == ""), "product_id", "",
             "required: give product_id (or sku, the supplier's SKU code)")
        by_id = pid_text != ""
        if by_id.any():
            numbers, _blank, wrong = _whole_numbers(pid_text[by_id])
            wrong = wrong.reindex(frame.index, fill_value=False)
            flag(wrong, "product_id", pid_text, "not a whole number (a product id)")
            numbers = pd.Series(numbers, index=pid_text[by_id].index)
            known = numbers.isin(self.catalogue.ids)
            unknown = (~known & ~wrong[by_id]).reindex(frame.index, fill_value=False)
            flag(unknown, "product_id", pid_text, lambda i: f"unknown product {pid_text[i]}")
            ids.loc[known[known].index] = numbers[known]
            both = by_id & (sku_text != "") & (ids >= 0)
            if both.any():
                theirs = self.catalogue.sku_of.reindex(ids[both]).to_numpy(dtype=object)
                mismatch = pd.Series(theirs != sku_text[both].to_numpy(dtype=object),
                                     index=ids[both].index).reindex(frame.index,
                                                                     fill_value=False)
                flag(mismatch, "sku", sku_text, lambda i: (
                    f"SKU {sku_text[i]} is not the SKU of product {ids[i]} "
                    f"({self.catalogue.sku_of.get(ids[i]) or 'none'}); give one or the other"))
                ids[mismatch] = -1
        by_sku = (pid_text == "") & (sku_text != "")
        if by_sku.any():
            codes = sku_text[by_sku]
            matched = codes.map(self.catalogue.by_sku)
            ambiguous = codes.isin(list(self.catalogue.ambiguous)).reindex(
                frame.index, fill_value=False)
            flag(ambiguous, "sku", sku_text, lambda i: (
                f"SKU {sku_text[i]} belongs to products of several suppliers "
                f"({', '.join(map(str, self.catalogue.ambiguous[sku_text[i]]))}); "
                "give product_id instead"))
            unknown = (matched.isna().reindex(frame.index, fill_value=False) & by_sku
                       & ~ambiguous)
            flag(unknown, "sku", sku_text, lambda i: f"unknown SKU {sku_text[i]}")
            found = matched.dropna()
            ids.loc[found.index] = found.astype("int64")
        return ids

    def _period_of(self, text: str) -> tuple:
        if text not in self.periods:
            try:
                period = parse_period(text)
            except PeriodError as error:
                self.periods[text] = (None, None, None, str(error))
            else:
                self.periods[text] = (str(period), period.kind, period.start, None)
        return self.periods[text]

    def _periods(self, frame: pd.DataFrame, product_ids: pd.Series, flag) -> dict:
        text = frame["period"].str.strip()
        for value in text.unique():
            if value:
                self._period_of(value)
        canonical = text.map({k: v[0] for k, v in self.periods.items()})
        kinds = text.map({k: v[1] for k, v in self.periods.items()})
        starts = text.map({k: v[2] for k, v in self.periods.items()})
        flag(text == "", "period", "", "required: a month (2026-10) or an ISO week (2026-W43)")
        flag((text != "") & canonical.isna(), "period", frame["period"],
             lambda i: self.periods[text[i]][3])
        if self.kind is None and kinds.notna().any():
            first = kinds.first_valid_index()
            self.kind = kinds[first]
            self.kind_example = canonical[first]
        if self.kind is not None:
            kind = self.kind
            mixed = kinds.notna() & (kinds != kind)
            flag(mixed, "period", frame["period"], lambda i: (
                f"{canonical[i]} is {_KIND_WORDS[kinds[i]][0]} but this file's periods are "
                f"{_KIND_WORDS[kind][1]} (e.g. {self.kind_example}); a file holds months or "
                "weeks, not both"))
            other = self.catalogue.holding_other_kind(kind)
            if len(other):
                clash = kinds.notna() & ~mixed & product_ids.isin(other.index)
                flag(clash, "period", frame["period"], lambda i: (
                    f"product {product_ids[i]} already has "
                    f"{_KIND_WORDS[_other(kind)][2]} figures (e.g. {other[product_ids[i]]}); "
                    f"a product's figures are all months or all weeks"))
        return {"period": canonical.where(kinds.notna() & (kinds == self.kind)),
                "period_kind": kinds, "period_start": starts}

    def _figures(self, frame: pd.DataFrame, flag) -> dict:
        out: dict[str, np.ndarray] = {}
        valid: dict[str, pd.Series] = {}
        for column in COUNT_COLUMNS:
            values = frame[column]
            numbers, blank, wrong = _whole_numbers(values)
            flag(blank, column, "", "required: a whole number, 0 or more")
            flag(wrong, column, values, "not a whole number")
            series = pd.Series(numbers, index=frame.index)
            ok = ~blank & ~wrong
            flag(ok & (series < 0), column, values, "negative: a count is 0 or more")
            flag(ok & (series > MAX_COUNT), column, values, f"too large (at most {MAX_COUNT})")
            valid[column] = ok & (series >= 0) & (series <= MAX_COUNT)
            out[column] = numbers
        n = {c: pd.Series(out[c], index=frame.index) for c in COUNT_COLUMNS}
        both = valid["reviews"] & valid["positive_reviews"]
        flag(both & (n["positive_reviews"] > n["reviews"]), "positive_reviews",
             frame["positive_reviews"], lambda i: (
                 f"positive reviews ({n['positive_reviews'][i]}) above reviews "
                 f"({n['reviews'][i]})"))
        self._rate(flag, valid, n, frame, "returns", "units_sold", "return rate",
                   "units sold")
        self._rate(flag, valid, n, frame, "complaints", "orders", "complaint rate", "orders")
        ratings, blank, wrong = _ratings(frame["avg_rating"])
        rating = pd.Series(ratings, index=frame.index)
        flag(wrong, "avg_rating", frame["avg_rating"], "not a number (an average from 1 to 5)")
        flag(~blank & ~wrong & ((rating < 1) | (rating > 5)), "avg_rating", frame["avg_rating"],
             lambda i: f"average rating {frame['avg_rating'][i].strip()} is outside 1-5")
        flag(blank & valid["reviews"] & (n["reviews"] > 0), "avg_rating", "",
             lambda i: f"required when there are reviews ({n['reviews'][i]}); blank only "
                       "when reviews is 0")
        out["avg_rating"] = ratings
        return out

    @staticmethod
    def _rate(flag, valid, n, frame, part: str, whole: str, label: str, whole_label: str):
        both = valid[part] & valid[whole]
        over = both & (n[part] > n[whole])
        flag(over & (n[whole] > 0), part, frame[part], lambda i: (
            f"{label} {_percent(100 * n[part][i] / n[whole][i])} % is outside 0-100 % "
            f"({part} {n[part][i]}, {whole_label} {n[whole][i]})"))
        flag(over & (n[whole] == 0), part, frame[part], lambda i: (
            f"{label} is outside 0-100 %: {part} {n[part][i]} with no {whole_label}"))

    # -- the rows against each other ----------------------------------------------------------
    def finish(self) -> None:
        """Duplicate rows (the same product and period twice), naming both rows."""
        if not self._keys:
            self.problems_if_empty()
            return
        keys = pd.concat(self._keys, ignore_index=True)
        self._keys = []
        repeated = keys[keys.duplicated(["product_id", "period"], keep=False)]
        if len(repeated):
            first_rows = repeated.groupby(["product_id", "period"])["row"].transform("min")
            later = repeated[repeated["row"] != first_rows]
            found = [Problem(int(r.row), "period", r.period, (
                f"the same product ({r.product_id}) and period ({r.period}) as "
                f"{self.row_label(int(first))}: one row per product and period"))
                for r, first in zip(later.head(MAX_PROBLEMS).itertuples(),
                                    first_rows[later.index][:MAX_PROBLEMS], strict=False)]
            self.problems.add_many(found, len(later))
        self.problems_if_empty()

    def problems_if_empty(self) -> None:
        if self.rows == 0 and not self.problems:
            self.problems.add(2, "", "", "no data rows: the file has a header and nothing else")


def _other(kind: str) -> str:
    return "week" if kind == MONTH else MONTH
