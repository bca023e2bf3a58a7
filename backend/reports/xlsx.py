"""A table as an Excel workbook (``.xlsx``), written by XlsxWriter.

One sheet: a bold header row kept in view, then the rows — numbers as numbers, any other
value as text (a string is never written as a formula or a link, whatever it begins with: a
callsign ``=HYPERLINK(…)`` stays text). Column widths follow the longest value.

Why not CSV alone: Excel on Russian or Kazakh Windows splits a CSV on the system's list
separator (``;``), so a comma-separated file fell into one column, and it reads ``53.1`` as
text and ``12.5`` as the 12th of May. A workbook holds its cells and their types itself.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import xlsxwriter

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a sheet's name may not hold, and its length (Excel's rules).
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31
WIDTH_MIN, WIDTH_MAX = 8, 60


def sheet_name(title: str) -> str:
    name = _NOT_IN_SHEET_NAME.sub(" ", title).strip().strip("'") or "Sheet1"
    return name[:SHEET_NAME_MAX]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def workbook(title: str, rows: Sequence[Sequence[Any]]) -> bytes:
    """A workbook of one sheet named after ``title``: ``rows[0]`` is the header."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            # text is text: never a formula, a link or a number guessed from it
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    sheet = book.add_worksheet(sheet_name(title))
    header = book.add_format({"bold": True})
    widths: dict[int, int] = {}
    for r, row in enumerate(rows):
        style = header if r == 0 else None
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if _is_number(value):
                sheet.write_number(r, c, float(value), style)
            else:
                sheet.write_string(r, c, str(value), style)
            widths[c] = max(widths.get(c, 0), len(str(value)))
    for c, width in widths.items():
        sheet.set_column(c, c, min(max(width + 2, WIDTH_MIN), WIDTH_MAX))
    sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()
