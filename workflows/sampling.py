"""Acceptance sampling plans: ISO 2859-1:1999 single sampling, looked up from the master tables.

QC inspectors check a delivered lot by drawing a sample and counting nonconforming items. This
module answers "how many, and how many defects may we tolerate?" for a lot size, an AQL, an
inspection level and a severity (normal, tightened, reduced). Pure Python: no Flask, no
SQLAlchemy; the service layer turns :class:`SamplingError` into a 400/flash message.

The tables are written once, below, as data in the standard's own layout: Table 1 (sample size
code letters) and Tables 2-A, 2-B, 2-C (single sampling master tables), each cell either an
acceptance number or an arrow. Arrows are followed to the first cell with a plan in the same
column, and *that* row's sample size applies (a frequent bug elsewhere is to keep the starting
row's sample size). All single sampling plans of the 1999 edition have Re = Ac + 1, including the
reduced table (the older MIL-STD-105E / ANSI Z1.4 reduced table has gaps such as 1/3, 2/5; it is
not used here). When the sample size reaches the lot size the whole lot is inspected (clause 10.1).

Sources, reconciled cell by cell (see ``tests/workflows/test_sampling.py``):

* S1: a GB/T 2828.1-2012 (identical to ISO 2859-1:1999) TypeScript implementation, ``aql.ts``
  (``MASTER_2A_RAW``/``MASTER_2B_RAW``/``MASTER_2C_RAW``, arrows already resolved, and
  ``CODE_LETTER_TABLE``), whose authors state a cell-by-cell check against the standard's PDF.
* S2: ``FxEgQC.cpp`` (a C++ port of the EGTools Excel add-in), tables ``kT1_N``, ``kT1_T`` and
  ``kT1_R``: ISO 2859-1:1999 single sampling tables with the arrows kept as arrows.
* S3: the R package AQLSchemes (repository ``fjgonzalezmgt/AQLSchemesCust``, ``R/AAZ14Single.R``):
  MIL-STD-105E / ANSI Z1.4 Table I and Tables II-A, II-B (arrows resolved), used as the
  independent check of Table 1 and of the normal and tightened tables; its reduced table is the
  Z1.4 one and serves only to confirm the reduced sample size column.

Differences found and how they were resolved:

* 2-B (tightened), row A, AQL 10: S1 has a plan 0/1 at A (n=2); S2 prints a down arrow and S3
  resolves the cell to n=8 (letter D), 1/2. Two sources to one: down arrow kept. S1's note says
  its 0.010-10 columns come from a spreadsheet and only 0.65-6.5 were checked against the PDF.
* 2-C (reduced), rows C to R: S2's acceptance series is 1, 2, 3, 4, 6, 8, 10, ...; S1's is
  1, 2, 3, 5, 6, 8, 10, ... (4/5 against 5/6, one column per row, e.g. K at AQL 2.5). S1 was
  checked against the standard (double-blind transcription, fixture cells include K at 2.5); the
  5/6 plan is kept.
* 2-B has a 17th row, S (n=3150), with a single plan 1/2 under AQL 0.025 that the down arrows
  of rows Q and R reach (S1 and S3 agree; S2's table stops at R). Its other cells are blank.
* S2 and S1 agree on every other cell of 2-A, 2-B and 2-C; S1 and S3 agree on Table 1.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

#: The AQL columns of Tables 2-A/2-B/2-C, as printed (percent nonconforming up to 10,
#: nonconformities per hundred items above).
AQL_SERIES: tuple[float, ...] = (
    0.010, 0.015, 0.025, 0.040, 0.065, 0.10, 0.15, 0.25, 0.40, 0.65, 1.0, 1.5, 2.5, 4.0, 6.5,
    10, 15, 25, 40, 65, 100, 150, 250, 400, 650, 1000,
)  # fmt: skip
#: Inspection levels, columns of Table 1: special S-1..S-4, general I, II (the default), III.
LEVELS: tuple[str, ...] = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
SEVERITIES: tuple[str, ...] = ("normal", "tightened", "reduced")

#: Table number in ISO 2859-1:1999 per severity.
TABLE_OF_SEVERITY = MappingProxyType({"normal": "2-A", "tightened": "2-B", "reduced": "2-C"})

_AQL_DECIMALS = tuple(Decimal(str(a)) for a in AQL_SERIES)

# Table 1 -- sample size code letters. (upper lot size of the band, letters for LEVELS in order);
# the last band is open-ended. Sources S1, S3 (identical).
_TABLE_1: tuple[tuple[int | None, str], ...] = (
    (8, "AAAAAAB"),
    (15, "AAAAABC"),
    (25, "AABBBCD"),
    (50, "ABBCCDE"),
    (90, "BBCCCEF"),
    (150, "BBCDDFG"),
    (280, "BCDEEGH"),
    (500, "BCDEFHJ"),
    (1200, "CCEFGJK"),
    (3200, "CDEGHKL"),
    (10000, "CDFGJLM"),
    (35000, "CDFHKMN"),
    (150000, "DEGJLNP"),
    (500000, "DEGJMPQ"),
    (None, "DEHKNQR"),
)

# Tables 2-A, 2-B, 2-C. Each row: code letter, sample size, 26 cells in AQL_SERIES order.
# A cell is the acceptance number Ac (Re = Ac + 1), "v" (use the first plan below the arrow),
# "^" (use the first plan above the arrow) or "." (blank: no plan in the standard).
_TABLE_2A = """
A    2  v v v v v v v v v v v v v v 0 v v 1 2 3 5 7 10 14 21 30
B    3  v v v v v v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 30 44
C    5  v v v v v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 30 44 ^
D    8  v v v v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 30 44 ^ ^
E   13  v v v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 30 44 ^ ^ ^
F   20  v v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^
G   32  v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^
H   50  v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^
J   80  v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^
K  125  v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
L  200  v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
M  315  v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
N  500  v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
P  800  v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
Q 1250  0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
R 2000  ^ ^ 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
"""

# Row A at AQL 10 is a down arrow (S2, S3), not 0/1 (S1): see the module docstring.
_TABLE_2B = """
A    2  v v v v v v v v v v v v v v v v v v 1 2 3 5 8 12 18 27
B    3  v v v v v v v v v v v v v v 0 v v 1 2 3 5 8 12 18 27 41
C    5  v v v v v v v v v v v v v 0 v v 1 2 3 5 8 12 18 27 41 ^
D    8  v v v v v v v v v v v v 0 v v 1 2 3 5 8 12 18 27 41 ^ ^
E   13  v v v v v v v v v v v 0 v v 1 2 3 5 8 12 18 27 41 ^ ^ ^
F   20  v v v v v v v v v v 0 v v 1 2 3 5 8 12 18 ^ ^ ^ ^ ^ ^
G   32  v v v v v v v v v 0 v v 1 2 3 5 8 12 18 ^ ^ ^ ^ ^ ^ ^
H   50  v v v v v v v v 0 v v 1 2 3 5 8 12 18 ^ ^ ^ ^ ^ ^ ^ ^
J   80  v v v v v v v 0 v v 1 2 3 5 8 12 18 ^ ^ ^ ^ ^ ^ ^ ^ ^
K  125  v v v v v v 0 v v 1 2 3 5 8 12 18 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
L  200  v v v v v 0 v v 1 2 3 5 8 12 18 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
M  315  v v v v 0 v v 1 2 3 5 8 12 18 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
N  500  v v v 0 v v 1 2 3 5 8 12 18 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
P  800  v v 0 v v 1 2 3 5 8 12 18 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
Q 1250  v 0 v v 1 2 3 5 8 12 18 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
R 2000  0 ^ v 1 2 3 5 8 12 18 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
S 3150  . . 1 . . . . . . . . . . . . . . . . . . . . . . .
"""

# Re = Ac + 1 throughout (1999 edition); 5/6 rather than 4/5 in rows C-R (S1 over S2).
_TABLE_2C = """
A    2  v v v v v v v v v v v v v v 0 v v 1 2 3 5 7 10 14 21 30
B    2  v v v v v v v v v v v v v 0 ^ v v 1 2 3 5 7 10 14 21 30
C    2  v v v v v v v v v v v v 0 ^ v v 1 2 3 5 6 8 10 14 21 ^
D    3  v v v v v v v v v v v 0 ^ v v 1 2 3 5 6 8 10 14 21 ^ ^
E    5  v v v v v v v v v v 0 ^ v v 1 2 3 5 6 8 10 14 21 ^ ^ ^
F    8  v v v v v v v v v 0 ^ v v 1 2 3 5 6 8 10 ^ ^ ^ ^ ^ ^
G   13  v v v v v v v v 0 ^ v v 1 2 3 5 6 8 10 ^ ^ ^ ^ ^ ^ ^
H   20  v v v v v v v 0 ^ v v 1 2 3 5 6 8 10 ^ ^ ^ ^ ^ ^ ^ ^
J   32  v v v v v v 0 ^ v v 1 2 3 5 6 8 10 ^ ^ ^ ^ ^ ^ ^ ^ ^
K   50  v v v v v 0 ^ v v 1 2 3 5 6 8 10 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
L   80  v v v v 0 ^ v v 1 2 3 5 6 8 10 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
M  125  v v v 0 ^ v v 1 2 3 5 6 8 10 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
N  200  v v 0 ^ v v 1 2 3 5 6 8 10 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
P  315  v 0 ^ v v 1 2 3 5 6 8 10 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
Q  500  0 ^ ^ v 1 2 3 5 6 8 10 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
R  800  ^ ^ ^ 1 2 3 5 6 8 10 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
"""


class SamplingError(ValueError):
    """A bad argument to :func:`plan`; the message names the argument and what it accepts."""

    def __init__(self, argument: str, message: str):
        self.argument = argument
        super().__init__(f"{argument}: {message}")


@dataclass(frozen=True)
class SamplingPlan:
    """One single sampling plan, ready for the inspector.

    ``code_letter`` is the letter Table 1 gives for the lot size and level; ``effective_letter``
    is the row the table's arrow leads to (the same letter when the cell holds a plan), whose
    sample size applies. Accept the lot with at most ``accept`` nonconforming items in the sample,
    reject it with ``reject`` or more. When the tabled sample size reaches the lot size,
    ``sample_size`` is the lot size and ``inspect_whole_lot`` is set (Ac/Re still apply).
    """

    code_letter: str
    effective_letter: str
    sample_size: int
    accept: int
    reject: int
    level: str
    severity: str
    aql: float
    lot_size: int
    inspect_whole_lot: bool


@dataclass(frozen=True)
class _Row:
    sample_size: int
    cells: tuple[int | str, ...]


def _parse(table: str) -> MappingProxyType:
    rows: dict[str, _Row] = {}
    for line in table.strip().splitlines():
        letter, size, *cells = line.split()
        if len(cells) != len(AQL_SERIES):
            raise AssertionError(f"row {letter}: {len(cells)} cells")  # pragma: no cover
        rows[letter] = _Row(int(size), tuple(c if c in "v^." else int(c) for c in cells))
    return MappingProxyType(rows)


_MASTER = MappingProxyType(
    {
        "normal": _parse(_TABLE_2A),
        "tightened": _parse(_TABLE_2B),
        "reduced": _parse(_TABLE_2C),
    }
)


def sample_sizes(severity: str = "normal") -> dict[str, int]:
    """Code letter -> sample size of the master table for ``severity``."""
    table = _MASTER[_check_severity(severity)]
    return {letter: row.sample_size for letter, row in table.items()}


def _check_lot_size(lot_size: object) -> int:
    if not isinstance(lot_size, numbers.Integral) or isinstance(lot_size, bool):
        raise SamplingError("lot_size", f"must be a whole number of items, got {lot_size!r}")
    if lot_size < 2:
        raise SamplingError("lot_size", f"must be at least 2 (Table 1 starts at 2), got {lot_size}")
    return int(lot_size)


def _check_aql(aql: object) -> int:
    """Index of ``aql`` in AQL_SERIES. Accepts numbers and numeric strings ("0.65", "0.010")."""
    if isinstance(aql, bool) or not isinstance(aql, numbers.Real | Decimal | str):
        raise SamplingError("aql", f"must be a number from the AQL series, got {aql!r}")
    try:
        value = Decimal(str(aql).strip())
    except InvalidOperation:
        raise SamplingError("aql", f"must be a number from the AQL series, got {aql!r}") from None
    if not value.is_finite() or value not in _AQL_DECIMALS:
        series = ", ".join(str(a) for a in _AQL_DECIMALS)
        raise SamplingError("aql", f"{aql!r} is not in the ISO 2859-1 AQL series ({series})")
    return _AQL_DECIMALS.index(value)


def _check_level(level: object) -> str:
    name = level.strip().upper() if isinstance(level, str) else level
    if name not in LEVELS:
        raise SamplingError("level", f"unknown inspection level {level!r}; use one of {LEVELS}")
    return name


def _check_severity(severity: object) -> str:
    name = severity.strip().lower() if isinstance(severity, str) else severity
    if name not in SEVERITIES:
        raise SamplingError("severity", f"unknown severity {severity!r}; use one of {SEVERITIES}")
    return name


def code_letter(lot_size: int, level: str = "II") -> str:
    """Table 1: the sample size code letter for a lot size and inspection level."""
    lot_size = _check_lot_size(lot_size)
    column = LEVELS.index(_check_level(level))
    for upper, letters in _TABLE_1:
        if upper is None or lot_size <= upper:
            return letters[column]
    raise AssertionError("Table 1 is open-ended")  # pragma: no cover


def master_plan(letter: str, aql: object, severity: str = "normal") -> tuple[str, int, int, int]:
    """One cell of Table 2-A/2-B/2-C with its arrow followed: (letter, n, Ac, Re).

    The returned letter is the row where the plan was found; its sample size applies.
    """
    table = _MASTER[_check_severity(severity)]
    if letter not in table:
        raise SamplingError("letter", f"unknown code letter {letter!r}; use one of {tuple(table)}")
    column = _check_aql(aql)
    letters = list(table)
    index = letters.index(letter)
    start = table[letter].cells[column]
    step = {"v": 1, "^": -1}.get(start, 0) if isinstance(start, str) else 0
    while True:
        cell = table[letters[index]].cells[column]
        if isinstance(cell, int):
            row = letters[index]
            return row, table[row].sample_size, cell, cell + 1
        # The arrows point to a plan in the same column by construction (tests walk every cell);
        # a blank reached here would be a table error.
        if step == 0 or not 0 <= index + step < len(letters):
            raise AssertionError(f"no plan for {letter}/{aql} in {severity}")  # pragma: no cover
        index += step


def plan(lot_size: int, aql: object, level: str = "II", severity: str = "normal") -> SamplingPlan:
    """The ISO 2859-1:1999 single sampling plan for a lot.

    ``aql`` must be one of :data:`AQL_SERIES` (a number or a numeric string such as ``"0.65"``);
    ``level`` one of :data:`LEVELS`; ``severity`` one of :data:`SEVERITIES`. Raises
    :class:`SamplingError` naming the bad argument.
    """
    lot_size = _check_lot_size(lot_size)
    column = _check_aql(aql)
    level = _check_level(level)
    severity = _check_severity(severity)
    letter = code_letter(lot_size, level)
    effective, n, accept, reject = master_plan(letter, AQL_SERIES[column], severity)
    whole_lot = n >= lot_size
    return SamplingPlan(
        code_letter=letter,
        effective_letter=effective,
        sample_size=lot_size if whole_lot else n,
        accept=accept,
        reject=reject,
        level=level,
        severity=severity,
        aql=AQL_SERIES[column],
        lot_size=lot_size,
        inspect_whole_lot=whole_lot,
    )
