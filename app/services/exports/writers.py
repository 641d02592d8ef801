"""The export writers: CSV (UTF-8 with a BOM, streamed in batches) and XLSX (openpyxl write-only,
typed cells), every text cell neutralised against formula injection (see ``app.services.exports``).
Plain values in, bytes or a file out: no database, no Flask."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

#: Text starting with one of these is prefixed with ' (see the package docstring).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Cell kinds: text is neutralised; the others are typed values.
KIND_NAMES = ("text", "int", "number", "date", "datetime", "bool")
XLSX_MAX_TEXT = 32767  # Excel's limit per cell
BATCH_ROWS = 1000


def neutralise(value: str) -> str:
    """``value`` made safe for a spreadsheet: ``'`` before a leading = + - @ tab or CR."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


@dataclass(frozen=True)
class Column:
    """One exported column: its header, its cell kind, where it comes from in SQL, and an
    optional conversion of the SQL value (cents to amounts, JSON lists to text)."""

    header: str
    kind: str
    expr: Any = None
    convert: Callable[[Any], Any] | None = None
    staff_only: bool = False
    #: Builds ``expr`` when the export is prepared (for expressions that depend on today).
    make: Callable[[], Any] | None = None

    def sql(self) -> Any:
        return self.make() if self.make is not None else self.expr


def _utc_naive(value: datetime) -> datetime:
    """Times are exported in UTC without an offset (spreadsheets have no time zones)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0)


def _csv_cell(kind: str, value: Any) -> Any:
    if value is None:
        return ""
    if kind == "text":
        return neutralise(str(value))
    if kind == "bool":
        return "true" if value else "false"
    if kind == "datetime":
        return _utc_naive(value).isoformat(sep=" ")
    if kind == "date":
        return value.isoformat()
    return value


def iter_csv(columns: Sequence[Column], rows: Iterable[Sequence], *,
             batch: int = BATCH_ROWS) -> Iterator[bytes]:
    """The CSV file in chunks of ``batch`` rows: UTF-8 with a BOM (so Excel reads Chinese
    correctly), CRLF line ends, every text cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    kinds = [c.kind for c in columns]
    yield codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for n, row in enumerate(rows, 1):
        writer.writerow([_csv_cell(k, v) for k, v in zip(kinds, row, strict=True)])
        if n % batch == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def write_csv(columns: Sequence[Column], rows: Iterable[Sequence], out: BinaryIO) -> None:
    """Write the CSV (see :func:`iter_csv`) to the binary file ``out``, batch by batch."""
    for chunk in iter_csv(columns, rows):
        out.write(chunk)


def _xlsx_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "text":
        text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:XLSX_MAX_TEXT]
        return neutralise(text)
    if kind == "datetime":
        return _utc_naive(value)
    return value


def write_xlsx(columns: Sequence[Column], rows: Iterable[Sequence], path, *,
               title: str = "export") -> None:
    """Write an XLSX workbook to ``path`` with openpyxl's write-only mode (rows are not kept in
    memory): a bold, frozen header row; numbers as numbers, dates as dates (UTC times), text
    neutralised and stripped of the control characters XLSX cannot hold."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, 1):
        width = 20 if column.kind in ("date", "datetime") else max(10, len(column.header) + 2)
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    kinds = [c.kind for c in columns]
    for row in rows:
        sheet.append([_xlsx_value(k, v) for k, v in zip(kinds, row, strict=True)])
    workbook.save(path)
