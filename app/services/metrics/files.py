"""Reading metric files: what kind a file is, its checksum and encoding, its rows in chunks.

A file is read as plain strings (pandas ``read_csv(dtype=str)``, openpyxl in read-only mode);
the checks of :mod:`app.services.metrics.validation` turn them into figures. Every problem is a
:class:`Problem` naming the row (spreadsheet numbering: the header is row 1) and the column.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

#: Data rows per chunk: big enough for pandas to be fast, small enough to bound memory.
CHUNK_ROWS = 50_000
#: The problems kept per import (the rest are only counted).
MAX_PROBLEMS = 1000
KINDS = ("csv", "xlsx")
_BLOCK = 1 << 20
_MAGIC = {b"PK\x03\x04": "an XLSX or other zip file", b"%PDF": "a PDF document",
          b"\x89PNG": "a PNG image", b"\xd0\xcf\x11\xe0": "an old Excel (XLS) workbook",
          b"\xff\xd8\xff": "a JPEG image"}
_ADVICE = 'save it as "CSV UTF-8" (or as an XLSX workbook)'
_LINE_IN_MESSAGE = re.compile(r"line (\d+), saw (\d+)")


@dataclass(frozen=True)
class Problem:
    """One reason a file is refused: where (row, column), the value found, what is wrong."""

    row: int | None
    column: str
    value: str
    problem: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value,
                "problem": self.problem}


class ProblemLog:
    """Every problem found, counted; the first :data:`MAX_PROBLEMS` in row order are kept."""

    def __init__(self, cap: int = MAX_PROBLEMS):
        self.cap = cap
        self.count = 0
        self.kept: list[Problem] = []

    def add(self, row: int | None, column: str, value: object, problem: str) -> None:
        self.count += 1
        if len(self.kept) < self.cap:
            self.kept.append(Problem(row, column, _shown(value), problem))

    def add_many(self, found: list[Problem], total: int) -> None:
        """Problems of one chunk (``total`` of them, ``found`` the first ones in row order)."""
        self.count += total
        room = self.cap - len(self.kept)
        if room > 0:
            self.kept.extend(sorted(found, key=_order)[:room])

    def __bool__(self) -> bool:
        return self.count > 0

    def as_list(self) -> list[dict]:
        return [p.as_dict() for p in sorted(self.kept, key=_order)]


def _order(problem: Problem) -> tuple:
    return (problem.row or 0, problem.column)


def _shown(value: object) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 100 else text[:99] + "…"


class FileRefused(Exception):
    """The file cannot be read at all (type, encoding, layout): one problem, nothing else read."""

    def __init__(self, problem: Problem):
        super().__init__(problem.problem)
        self.problem = problem


@dataclass(frozen=True)
class FileFacts:
    kind: str
    checksum: str
    size: int


def file_kind(path: Path, filename: str) -> str:
    """``csv`` or ``xlsx``, from the name's extension and the first bytes; FileRefused otherwise."""
    extension = Path(filename).suffix.lower().lstrip(".")
    with open(path, "rb") as fh:
        head = fh.read(8)
    looks_like = next((label for magic, label in _MAGIC.items() if head.startswith(magic)), None)
    if extension == "xlsx":
        if not head.startswith(b"PK\x03\x04"):
            raise FileRefused(Problem(None, "", filename, f"{filename} is not an XLSX workbook "
                                      "(its content is not one); " + _ADVICE))
        return "xlsx"
    if extension == "csv":
        if looks_like:
            raise FileRefused(Problem(None, "", filename, f"{filename} is not a CSV file (it is "
                                      f"{looks_like}); " + _ADVICE))
        return "csv"
    raise FileRefused(Problem(None, "", filename, f"{filename}: only .csv and .xlsx files can be "
                              "imported"))


def scan(path: Path, filename: str) -> FileFacts:
    """The file's kind, SHA-256 and size; for a CSV, also that it is UTF-8 throughout."""
    kind = file_kind(path, filename)
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")() if kind == "csv" else None
    offset = lines = last_newline = 0  # last_newline: offset just after the last b"\n"
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
            if decoder is not None:
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as error:
                    bad = offset - pending + error.start
                    before = block[:max(0, bad - offset)]
                    newline_at = before.rfind(b"\n")
                    line = lines + before.count(b"\n") + 1
                    start = offset + newline_at + 1 if newline_at >= 0 else last_newline
                    byte = (block + b"\0")[max(0, bad - offset)]
                    raise FileRefused(Problem(line, "", f"0x{byte:02X}", (
                        f"line {line}, byte {bad - start + 1} (0x{byte:02X}): wrong encoding, "
                        f"this is not UTF-8 text; {_ADVICE}"))) from None
                lines += block.count(b"\n")
                newline_at = block.rfind(b"\n")
                if newline_at >= 0:
                    last_newline = offset + newline_at + 1
            offset += len(block)
    if decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise FileRefused(Problem(lines + 1, "", "", (
                f"line {lines + 1}: the file ends inside a character: wrong encoding, "
                f"this is not UTF-8 text; {_ADVICE}"))) from None
    if offset == 0:
        raise FileRefused(Problem(1, "", "", "the file is empty; its first row must name the "
                                  "columns"))
    return FileFacts(kind, digest.hexdigest(), offset)


# -- reading rows ---------------------------------------------------------------------------------

@dataclass
class Chunk:
    """Up to CHUNK_ROWS data rows as strings; ``rows`` holds each one's spreadsheet row number."""

    frame: pd.DataFrame
    rows: pd.Series
    #: (row, column, cell reference, formula) of XLSX cells that hold formulas.
    formulas: list
    #: How much of the file has been read, 0-1 (0 when unknown).
    done: float = 0.0


def read_header(path: Path, kind: str) -> list[str]:
    """The first row's cells, as written (stripped)."""
    if kind == "csv":
        with open(path, encoding="utf-8-sig", newline="") as fh:
            first = next(csv.reader(fh), [])
        return [cell.strip() for cell in first]
    workbook = _open_workbook(path)
    try:
        sheet = workbook.worksheets[0]
        for cells in sheet.iter_rows(min_row=1, max_row=1, values_only=True):
            return [_cell_text(value).strip() for value in cells]
        return []
    finally:
        workbook.close()


def chunks(path: Path, kind: str, names: list[str],
           chunk_rows: int = CHUNK_ROWS) -> Iterator[Chunk]:
    """The data rows, ``chunk_rows`` at a time, as strings under the column ``names``."""
    if kind == "csv":
        yield from _csv_chunks(path, names, chunk_rows)
    else:
        yield from _xlsx_chunks(path, names, chunk_rows)


def _csv_chunks(path: Path, names: list[str], chunk_rows: int) -> Iterator[Chunk]:
    size = max(1, path.stat().st_size)
    handle = open(path, "rb")  # noqa: SIM115 - closed with the reader below
    reader = pd.read_csv(handle, names=names, header=0, dtype=str, keep_default_na=False,
                         skip_blank_lines=False, index_col=False, encoding="utf-8-sig",
                         chunksize=chunk_rows)
    first_row = 2
    with handle, reader:
        while True:
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", pd.errors.ParserWarning)
                    frame = next(reader)
            except StopIteration:
                return
            except pd.errors.ParserError as error:
                found = _LINE_IN_MESSAGE.search(str(error))
                line, cells = (int(found[1]), int(found[2])) if found else _ragged(path, names)
                raise FileRefused(_ragged_problem(line, cells, len(names))) from None
            if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
                raise FileRefused(_ragged_problem(*_ragged(path, names), len(names)))
            frame = frame.fillna("")
            rows = pd.Series(range(first_row, first_row + len(frame)), index=frame.index)
            first_row += len(frame)
            yield Chunk(frame, rows, [], min(1.0, handle.tell() / size))


def _ragged(path: Path, names: list[str]) -> tuple[int | None, int | None]:
    """The first line whose number of cells is not the header's (line, cells)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        for cells in reader:
            if len(cells) > len(names):
                return reader.line_num, len(cells)
    return None, None


def _ragged_problem(line: int | None, cells: int | None, width: int) -> Problem:
    return Problem(line, "", "", f"line {line}: {cells} cells where the header has {width}; "
                   "every row must have the header's columns")


def _open_workbook(path: Path):
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise FileRefused(Problem(None, "", "", f"the workbook cannot be read ({error}); "
                                  + _ADVICE)) from None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _xlsx_chunks(path: Path, names: list[str], chunk_rows: int) -> Iterator[Chunk]:
    from openpyxl.utils import get_column_letter

    width = len(names)
    workbook = _open_workbook(path)
    try:
        sheet = workbook.worksheets[0]
        last = max(2, sheet.max_row or 2)
        batch: list[list[str]] = []
        numbers: list[int] = []
        formulas: list = []
        for number, cells in enumerate(sheet.iter_rows(min_row=2), start=2):
            values = []
            for index, cell in enumerate(cells):
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f":
                    column = names[index] if index < width else get_column_letter(index + 1)
                    formulas.append((number, column, f"{get_column_letter(index + 1)}{number}",
                                     str(value)))
                    value = None
                if index >= width:
                    if value not in (None, ""):
                        raise FileRefused(Problem(number, get_column_letter(index + 1),
                                                  _cell_text(value),
                                                  f"cell {get_column_letter(index + 1)}{number} "
                                                  "is outside the header's columns"))
                    continue
                values.append(_cell_text(value))
            values.extend([""] * (width - len(values)))
            batch.append(values)
            numbers.append(number)
            if len(batch) >= chunk_rows:
                yield _xlsx_chunk(batch, numbers, names, formulas, number / last)
                batch, numbers, formulas = [], [], []
        if batch:
            yield _xlsx_chunk(batch, numbers, names, formulas, 1.0)
    finally:
        workbook.close()


def _xlsx_chunk(batch, numbers, names, formulas, done: float) -> Chunk:
    frame = pd.DataFrame(batch, columns=names, dtype=str)
    return Chunk(frame, pd.Series(numbers, index=frame.index), formulas, min(1.0, done))


def csv_text(rows: list[list[object]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()
