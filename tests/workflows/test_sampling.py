"""workflows.sampling: ISO 2859-1:1999 single sampling plans against every cell of the tables.

The fixtures below are the published master tables with every arrow already followed, written
out independently of the module's arrow-form data: each cell is the row the plan is found in (its
code letter) and the acceptance number, e.g. ``Q0`` = letter Q's sample size, Ac 0, Re 1. They
were transcribed from source S1 (GB/T 2828.1-2012 = ISO 2859-1:1999, see the module docstring);
Table 1 and the normal and tightened tables were also checked against S3 (AQLSchemes, MIL-STD-105E
/ Z1.4, resolved) with no difference, and the arrow form against S2. One cell departs from S1
after reconciliation: Table 2-B row A, AQL 10, is ``D1`` (S2 and S3) where S1 has ``A0``.
"""

import dataclasses
from decimal import Decimal

import pytest

from workflows import sampling
from workflows.sampling import (
    AQL_SERIES,
    LEVELS,
    SEVERITIES,
    SamplingError,
    SamplingPlan,
    code_letter,
    master_plan,
    plan,
)

LETTERS = "ABCDEFGHJKLMNPQR"

SAMPLE_SIZE = {
    "normal": dict(
        zip(
            LETTERS,
            (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000),
            strict=True,
        )
    ),
    "tightened": dict(
        zip(
            LETTERS + "S",
            (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000, 3150),
            strict=True,
        )
    ),
    "reduced": dict(
        zip(LETTERS, (2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800), strict=True)
    ),
}

# Table 1: (first lot size, last lot size or None) -> code letters for S-1, S-2, S-3, S-4, I, II, III.
TABLE_1 = [
    ((2, 8), "A A A A A A B"),
    ((9, 15), "A A A A A B C"),
    ((16, 25), "A A B B B C D"),
    ((26, 50), "A B B C C D E"),
    ((51, 90), "B B C C C E F"),
    ((91, 150), "B B C D D F G"),
    ((151, 280), "B C D E E G H"),
    ((281, 500), "B C D E F H J"),
    ((501, 1200), "C C E F G J K"),
    ((1201, 3200), "C D E G H K L"),
    ((3201, 10000), "C D F G J L M"),
    ((10001, 35000), "C D F H K M N"),
    ((35001, 150000), "D E G J L N P"),
    ((150001, 500000), "D E G J M P Q"),
    ((500001, None), "D E H K N Q R"),
]

NORMAL_2A = """
A  Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 D0 C0 B0 A0 C1 B1 A1 A2 A3 A5 A7 A10 A14 A21 A30
B  Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 D0 C0 B0 A0 C1 B1 B2 B3 B5 B7 B10 B14 B21 B30 B44
C  Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 D0 C0 B0 D1 C1 C2 C3 C5 C7 C10 C14 C21 C30 C44 B44
D  Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 D0 C0 E1 D1 D2 D3 D5 D7 D10 D14 D21 D30 D44 C44 B44
E  Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 D0 F1 E1 E2 E3 E5 E7 E10 E14 E21 E30 E44 D44 C44 B44
F  Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 G1 F1 F2 F3 F5 F7 F10 F14 F21 E21 E30 E44 D44 C44 B44
G  Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 H1 G1 G2 G3 G5 G7 G10 G14 G21 F21 E21 E30 E44 D44 C44 B44
H  Q0 P0 N0 M0 L0 K0 J0 H0 G0 J1 H1 H2 H3 H5 H7 H10 H14 H21 G21 F21 E21 E30 E44 D44 C44 B44
J  Q0 P0 N0 M0 L0 K0 J0 H0 K1 J1 J2 J3 J5 J7 J10 J14 J21 H21 G21 F21 E21 E30 E44 D44 C44 B44
K  Q0 P0 N0 M0 L0 K0 J0 L1 K1 K2 K3 K5 K7 K10 K14 K21 J21 H21 G21 F21 E21 E30 E44 D44 C44 B44
L  Q0 P0 N0 M0 L0 K0 M1 L1 L2 L3 L5 L7 L10 L14 L21 K21 J21 H21 G21 F21 E21 E30 E44 D44 C44 B44
M  Q0 P0 N0 M0 L0 N1 M1 M2 M3 M5 M7 M10 M14 M21 L21 K21 J21 H21 G21 F21 E21 E30 E44 D44 C44 B44
N  Q0 P0 N0 M0 P1 N1 N2 N3 N5 N7 N10 N14 N21 M21 L21 K21 J21 H21 G21 F21 E21 E30 E44 D44 C44 B44
P  Q0 P0 N0 Q1 P1 P2 P3 P5 P7 P10 P14 P21 N21 M21 L21 K21 J21 H21 G21 F21 E21 E30 E44 D44 C44 B44
Q  Q0 P0 R1 Q1 Q2 Q3 Q5 Q7 Q10 Q14 Q21 P21 N21 M21 L21 K21 J21 H21 G21 F21 E21 E30 E44 D44 C44 B44
R  Q0 P0 R1 R2 R3 R5 R7 R10 R14 R21 Q21 P21 N21 M21 L21 K21 J21 H21 G21 F21 E21 E30 E44 D44 C44 B44
"""

TIGHTENED_2B = """
A  R0 Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 D0 C0 B0 D1 C1 B1 A1 A2 A3 A5 A8 A12 A18 A27
B  R0 Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 D0 C0 B0 D1 C1 B1 B2 B3 B5 B8 B12 B18 B27 B41
C  R0 Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 D0 C0 E1 D1 C1 C2 C3 C5 C8 C12 C18 C27 C41 B41
D  R0 Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 D0 F1 E1 D1 D2 D3 D5 D8 D12 D18 D27 D41 C41 B41
E  R0 Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 G1 F1 E1 E2 E3 E5 E8 E12 E18 E27 E41 D41 C41 B41
F  R0 Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 H1 G1 F1 F2 F3 F5 F8 F12 F18 E18 E27 E41 D41 C41 B41
G  R0 Q0 P0 N0 M0 L0 K0 J0 H0 G0 J1 H1 G1 G2 G3 G5 G8 G12 G18 F18 E18 E27 E41 D41 C41 B41
H  R0 Q0 P0 N0 M0 L0 K0 J0 H0 K1 J1 H1 H2 H3 H5 H8 H12 H18 G18 F18 E18 E27 E41 D41 C41 B41
J  R0 Q0 P0 N0 M0 L0 K0 J0 L1 K1 J1 J2 J3 J5 J8 J12 J18 H18 G18 F18 E18 E27 E41 D41 C41 B41
K  R0 Q0 P0 N0 M0 L0 K0 M1 L1 K1 K2 K3 K5 K8 K12 K18 J18 H18 G18 F18 E18 E27 E41 D41 C41 B41
L  R0 Q0 P0 N0 M0 L0 N1 M1 L1 L2 L3 L5 L8 L12 L18 K18 J18 H18 G18 F18 E18 E27 E41 D41 C41 B41
M  R0 Q0 P0 N0 M0 P1 N1 M1 M2 M3 M5 M8 M12 M18 L18 K18 J18 H18 G18 F18 E18 E27 E41 D41 C41 B41
N  R0 Q0 P0 N0 Q1 P1 N1 N2 N3 N5 N8 N12 N18 M18 L18 K18 J18 H18 G18 F18 E18 E27 E41 D41 C41 B41
P  R0 Q0 P0 R1 Q1 P1 P2 P3 P5 P8 P12 P18 N18 M18 L18 K18 J18 H18 G18 F18 E18 E27 E41 D41 C41 B41
Q  R0 Q0 S1 R1 Q1 Q2 Q3 Q5 Q8 Q12 Q18 P18 N18 M18 L18 K18 J18 H18 G18 F18 E18 E27 E41 D41 C41 B41
R  R0 Q0 S1 R1 R2 R3 R5 R8 R12 R18 Q18 P18 N18 M18 L18 K18 J18 H18 G18 F18 E18 E27 E41 D41 C41 B41
"""

REDUCED_2C = """
A  Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 D0 C0 B0 A0 D1 C1 A1 A2 A3 A5 A7 A10 A14 A21 A30
B  Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 D0 C0 B0 A0 D1 C1 B1 B2 B3 B5 B7 B10 B14 B21 B30
C  Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 D0 C0 B0 E1 D1 C1 C2 C3 C5 C6 C8 C10 C14 C21 B30
D  Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 D0 C0 F1 E1 D1 D2 D3 D5 D6 D8 D10 D14 D21 C21 B30
E  Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 D0 G1 F1 E1 E2 E3 E5 E6 E8 E10 E14 E21 D21 C21 B30
F  Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 E0 H1 G1 F1 F2 F3 F5 F6 F8 F10 E10 E14 E21 D21 C21 B30
G  Q0 P0 N0 M0 L0 K0 J0 H0 G0 F0 J1 H1 G1 G2 G3 G5 G6 G8 G10 F10 E10 E14 E21 D21 C21 B30
H  Q0 P0 N0 M0 L0 K0 J0 H0 G0 K1 J1 H1 H2 H3 H5 H6 H8 H10 G10 F10 E10 E14 E21 D21 C21 B30
J  Q0 P0 N0 M0 L0 K0 J0 H0 L1 K1 J1 J2 J3 J5 J6 J8 J10 H10 G10 F10 E10 E14 E21 D21 C21 B30
K  Q0 P0 N0 M0 L0 K0 J0 M1 L1 K1 K2 K3 K5 K6 K8 K10 J10 H10 G10 F10 E10 E14 E21 D21 C21 B30
L  Q0 P0 N0 M0 L0 K0 N1 M1 L1 L2 L3 L5 L6 L8 L10 K10 J10 H10 G10 F10 E10 E14 E21 D21 C21 B30
M  Q0 P0 N0 M0 L0 P1 N1 M1 M2 M3 M5 M6 M8 M10 L10 K10 J10 H10 G10 F10 E10 E14 E21 D21 C21 B30
N  Q0 P0 N0 M0 Q1 P1 N1 N2 N3 N5 N6 N8 N10 M10 L10 K10 J10 H10 G10 F10 E10 E14 E21 D21 C21 B30
P  Q0 P0 N0 R1 Q1 P1 P2 P3 P5 P6 P8 P10 N10 M10 L10 K10 J10 H10 G10 F10 E10 E14 E21 D21 C21 B30
Q  Q0 P0 N0 R1 Q1 Q2 Q3 Q5 Q6 Q8 Q10 P10 N10 M10 L10 K10 J10 H10 G10 F10 E10 E14 E21 D21 C21 B30
R  Q0 P0 N0 R1 R2 R3 R5 R6 R8 R10 Q10 P10 N10 M10 L10 K10 J10 H10 G10 F10 E10 E14 E21 D21 C21 B30
"""
TABLES = {"normal": NORMAL_2A, "tightened": TIGHTENED_2B, "reduced": REDUCED_2C}


def _cells():
    for severity, text in TABLES.items():
        for line in text.strip().splitlines():
            letter, *tokens = line.split()
            assert len(tokens) == len(AQL_SERIES)
            for aql, token in zip(AQL_SERIES, tokens, strict=True):
                yield severity, letter, aql, token[0], int(token[1:])


CELLS = list(_cells())


def test_fixture_is_complete():
    assert len(CELLS) == 3 * 16 * 26


@pytest.mark.parametrize(("severity", "letter", "aql", "row", "ac"), CELLS)
def test_master_plan_every_cell(severity, letter, aql, row, ac):
    n = SAMPLE_SIZE[severity][row]
    assert master_plan(letter, aql, severity) == (row, n, ac, ac + 1)


def _lot_for_letter():
    """For each code letter, the largest (lot size, level) of Table 1 giving it."""
    found = {}
    for (_first, last), letters in TABLE_1:
        lot = last if last is not None else 10_000_000
        for level, letter in zip(LEVELS, letters.split(), strict=True):
            found[letter] = (lot, level)
    return found


LOT_FOR_LETTER = _lot_for_letter()


@pytest.mark.parametrize(("severity", "letter", "aql", "row", "ac"), CELLS)
def test_plan_every_cell(severity, letter, aql, row, ac):
    lot, level = LOT_FOR_LETTER[letter]
    n = SAMPLE_SIZE[severity][row]
    result = plan(lot, aql, level, severity)
    assert result == SamplingPlan(
        code_letter=letter,
        effective_letter=row,
        sample_size=min(n, lot),
        accept=ac,
        reject=ac + 1,
        level=level,
        severity=severity,
        aql=aql,
        lot_size=lot,
        inspect_whole_lot=n >= lot,
    )


def test_every_code_letter_is_reachable():
    assert sorted(LOT_FOR_LETTER) == sorted(LETTERS)


@pytest.mark.parametrize(("bounds", "letters"), TABLE_1)
def test_table_1_every_cell(bounds, letters):
    first, last = bounds
    for level, letter in zip(LEVELS, letters.split(), strict=True):
        assert code_letter(first, level) == letter
        assert code_letter(last if last is not None else 10**12, level) == letter
        assert plan(first, 1.0, level).code_letter == letter


# Hand-checked examples (each traced through Table 1 and the printed master table).


def test_lot_1000_level_ii_is_letter_j_with_80():
    result = plan(1000, 2.5)
    assert (result.code_letter, result.effective_letter, result.sample_size) == ("J", "J", 80)
    assert (result.accept, result.reject) == (5, 6)
    assert not result.inspect_whole_lot


def test_lot_1000_aql_065():
    result = plan(1000, 0.65)
    assert (result.sample_size, result.accept, result.reject) == (80, 1, 2)


def test_down_arrow_moves_to_the_arrows_row_and_its_sample_size():
    # J at AQL 0.015 points down to P (n=800, 0/1); at 0.010 the arrow runs on to Q (n=1250).
    result = plan(1000, 0.015)
    assert (result.code_letter, result.effective_letter) == ("J", "P")
    assert (result.sample_size, result.accept, result.reject) == (800, 0, 1)
    result = plan(1000, 0.010)
    assert (result.code_letter, result.effective_letter) == ("J", "Q")
    assert (result.sample_size, result.accept, result.reject) == (1000, 0, 1)
    assert result.inspect_whole_lot
    assert master_plan("J", 0.010) == ("Q", 1250, 0, 1)


def test_up_arrow_moves_to_the_arrows_row():
    # J at AQL 0.25 points up to H (n=50, 0/1), not J's own 80.
    result = plan(1000, 0.25)
    assert (result.effective_letter, result.sample_size, result.accept, result.reject) == (
        "H",
        50,
        0,
        1,
    )
    # J at AQL 25 (nonconformities per 100) points up to H: 50, 21/22.
    assert master_plan("J", 25) == ("H", 50, 21, 22)


def test_tightened_and_reduced_examples():
    assert master_plan("J", 2.5, "tightened") == ("J", 80, 3, 4)
    assert master_plan("K", 1.0, "reduced") == ("K", 50, 2, 3)
    assert master_plan("K", 2.5, "reduced") == ("K", 50, 5, 6)
    assert master_plan("M", 6.5, "reduced") == ("L", 80, 10, 11)
    # Tightened has a row S (n=3150) reached only from Q and R at AQL 0.025.
    assert master_plan("R", 0.025, "tightened") == ("S", 3150, 1, 2)
    assert master_plan("A", 10, "tightened") == ("D", 8, 1, 2)


def test_reduced_table_has_no_gaps():
    for severity, letter, aql, _row, _ac in CELLS:
        _, _, ac, re = master_plan(letter, aql, severity)
        assert re == ac + 1


def test_whole_lot_when_sample_reaches_lot():
    # Lot 8, level II -> letter A; AQL 0.65 at A points down to F (n=20) > 8 items.
    result = plan(8, 0.65)
    assert (result.code_letter, result.effective_letter) == ("A", "F")
    assert (result.sample_size, result.inspect_whole_lot, result.accept, result.reject) == (
        8,
        True,
        0,
        1,
    )


def test_sample_equal_to_lot_is_whole_lot():
    # Lot 20, level III -> letter D; AQL 0.65 at D points down to F, n=20 = the lot size.
    result = plan(20, 0.65, "III")
    assert (result.code_letter, result.effective_letter) == ("D", "F")
    assert (result.sample_size, result.inspect_whole_lot) == (20, True)
    # One item more and it is a sample again.
    assert plan(21, 0.65, "III").inspect_whole_lot is False


def test_aql_accepts_strings_and_decimals():
    assert plan(1000, "0.65") == plan(1000, 0.65)
    assert plan(1000, Decimal("2.50")) == plan(1000, 2.5)
    assert plan(1000, "0.010").aql == 0.010
    assert plan(1000, 10).aql == 10


def test_level_and_severity_are_normalised():
    assert plan(1000, 1.0, "ii", " Tightened ") == plan(1000, 1.0, "II", "tightened")
    assert plan(1000, 1.0, "s-3").level == "S-3"


def test_result_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan(1000, 1.0).sample_size = 1


def test_constants():
    assert len(AQL_SERIES) == 26 and AQL_SERIES[0] == 0.010 and AQL_SERIES[-1] == 1000
    assert LEVELS == ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
    assert SEVERITIES == ("normal", "tightened", "reduced")
    assert sampling.sample_sizes("reduced")["K"] == 50
    assert sampling.sample_sizes("tightened")["S"] == 3150


@pytest.mark.parametrize("lot", [1, 0, -5, True, 2.5, "100", None])
def test_bad_lot_size(lot):
    with pytest.raises(SamplingError, match="lot_size") as info:
        plan(lot, 1.0)
    assert info.value.argument == "lot_size"


@pytest.mark.parametrize("aql", [0.5, 3, 0, -1, 2000, "abc", "nan", None, True, float("inf")])
def test_bad_aql(aql):
    with pytest.raises(SamplingError, match="aql") as info:
        plan(1000, aql)
    assert info.value.argument == "aql"


@pytest.mark.parametrize("level", ["IV", "S-5", "", None, 2])
def test_bad_level(level):
    with pytest.raises(SamplingError, match="level") as info:
        plan(1000, 1.0, level)
    assert info.value.argument == "level"


@pytest.mark.parametrize("severity", ["strict", "", None])
def test_bad_severity(severity):
    with pytest.raises(SamplingError, match="severity") as info:
        plan(1000, 1.0, "II", severity)
    assert info.value.argument == "severity"


def test_bad_letter():
    with pytest.raises(SamplingError, match="letter"):
        master_plan("I", 1.0)
    with pytest.raises(SamplingError, match="letter"):
        master_plan("S", 0.025, "normal")


def test_sampling_error_is_a_value_error():
    assert issubclass(SamplingError, ValueError)
