"""Rows out as CSV or an Excel workbook, with no cell that a spreadsheet would run as a formula.

OWASP's CSV-injection rule: a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets
a leading `'`. That is done here on the way out, whatever the stored text is — the input side trims a
leading tab, so `\\t=1+1` is stored as `=1+1`, and older rows may hold anything.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DIALECTS = ("excel", "excel-sv")
BOM = "\ufeff"


def neutralise(value: object) -> object:
    """Text that could start a formula, made inert with a leading apostrophe; everything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv_cell(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    return neutralise(value)


def write_csv(rows: Iterable[Mapping[str, Any]], fields: Sequence[str], out: TextIO, *, dialect: str = "excel"
              ) -> None:
    """RFC 4180 CSV (comma, CRLF); `excel-sv` is what Swedish Excel opens as columns: semicolons and a UTF-8
    byte order mark (without it, Excel reads the file as Windows-1252 and å, ä, ö come out wrong)."""
    delimiter = ";" if dialect == "excel-sv" else ","
    if dialect == "excel-sv":
        out.write(BOM)
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([_csv_cell(row.get(name)) for name in fields])


def write_xlsx(rows: Iterable[Mapping[str, Any]], fields: Sequence[str], path: Path, *, timezone: str,
               sheet: str = "Idéer") -> None:
    """An .xlsx workbook: a header row, every text cell stored as text (never a formula), times as Excel date
    cells in the organisation's local time (Excel has no time zones).

    Written in openpyxl's write-only mode: rows stream to the file, so 100,000 ideas need no more memory
    than 100.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    zone = ZoneInfo(timezone)
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.freeze_panes = "A2"
    bold = Font(bold=True)

    def header(name: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        return cell

    def cell(value: object) -> object:
        if isinstance(value, datetime):
            out = WriteOnlyCell(ws, value=value.astimezone(zone).replace(tzinfo=None))
            out.number_format = "yyyy-mm-dd hh:mm"
            return out
        if isinstance(value, str):
            out = WriteOnlyCell(ws, value=neutralise(ILLEGAL_CHARACTERS_RE.sub("", value)))
            out.data_type = "s"  # text, even if a value slipped past `neutralise`
            return out
        return value

    ws.append([header(name) for name in fields])
    for row in rows:
        ws.append([cell(row.get(name)) for name in fields])
    book.save(path)
