"""A table as an Excel workbook (``.xlsx``), written by XlsxWriter.

One sheet a table (the report for the period: one workbook, a sheet per table): above the
table, what it is of — its title (bold), the period, the districts, the
filters, when and by whom it was made — then a blank row; the table's bold header row, kept in
view, then the rows — numbers as numbers, durations as Excel durations, any other value as
text (a string is never written as a formula or a link, whatever it begins with: a callsign
``=HYPERLINK(…)`` stays text). Column widths follow the longest value of the table.

A duration (a ``timedelta``) is a time value — days, as Excel counts time — shown
``[h]:mm:ss`` (``0:32:00``; ``27:05:00`` past a day): what the page shows (``32:00``), exact to
the second as the CSV's seconds are, and Excel averages, sums and charts it as time. (Whole
seconds, ``1920``, were what a chief had to divide by 60; minutes with a decimal, ``32.0``,
would lose the seconds and read unlike the page.) Excel shows a time below zero as ``#####``:
a negative duration (a sync lag of a handset whose clock ran ahead) is written as its text,
``−0:01:05``.

Why not CSV alone: Excel on Russian or Kazakh Windows splits a CSV on the system's list
separator (``;``), so a comma-separated file fell into one column, and it reads ``53.1`` as
text and ``12.5`` as the 12th of May. A workbook holds its cells and their types itself.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import xlsxwriter

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a sheet's name may not hold, and its length (Excel's rules).
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31
WIDTH_MIN, WIDTH_MAX = 8, 60
DURATION_FORMAT = "[h]:mm:ss"
# A moment as the page writes it (Kazakhstan's day first), an Excel date and time underneath.
WHEN_FORMAT = "dd.mm.yyyy hh:mm:ss"
SECONDS_PER_DAY = 86400


def sheet_name(title: str) -> str:
    name = _NOT_IN_SHEET_NAME.sub(" ", title).strip().strip("'") or "Sheet1"
    # cut to Excel's length without a space left at its end ("Қосымшалар арқылы хабарламалар ")
    return name[:SHEET_NAME_MAX].rstrip()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def duration_text(value: dt.timedelta) -> str:
    """``h:mm:ss`` of a duration, ``−`` before one below zero."""
    seconds = round(value.total_seconds())
    sign, seconds = ("−", -seconds) if seconds < 0 else ("", seconds)
    h, rest = divmod(seconds, 3600)
    return f"{sign}{h}:{rest // 60:02d}:{rest % 60:02d}"


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: ``rows[0]`` is the header; the lines of ``heading`` (the
    first bold) above it, a blank row between."""

    title: str
    rows: Sequence[Sequence[Any]]
    heading: Sequence[str] = ()


def workbook(title: str, rows: Sequence[Sequence[Any]], *, heading: Sequence[str] = ()) -> bytes:
    """A workbook of one sheet named after ``title`` (see :class:`Sheet`)."""
    return workbook_of([Sheet(title, rows, heading)])


def workbook_of(sheets: Sequence[Sheet]) -> bytes:
    """A workbook of ``sheets`` in their order, each named after its title (a name already
    taken, or cut to Excel's 31 characters into one taken, gets a number: Excel refuses two
    sheets of one name)."""
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
    bold = book.add_format({"bold": True})
    duration = book.add_format({"num_format": DURATION_FORMAT})
    moment = book.add_format({"num_format": WHEN_FORMAT})
    taken: set[str] = set()
    for one in sheets:
        name = _unique(sheet_name(one.title), taken)
        taken.add(name.casefold())
        _write_sheet(book.add_worksheet(name), one, bold=bold, duration=duration, moment=moment)
    book.close()
    return buffer.getvalue()


def _unique(name: str, taken: set[str]) -> str:
    n = 1
    candidate = name
    while candidate.casefold() in taken:  # Excel compares sheet names case-blind
        n += 1
        suffix = f" ({n})"
        candidate = name[: SHEET_NAME_MAX - len(suffix)].rstrip() + suffix
    return candidate


def _write_sheet(sheet: Any, one: Sheet, *, bold: Any, duration: Any, moment: Any) -> None:
    heading, rows = one.heading, one.rows
    for r, line in enumerate(heading):
        # one cell a line: it runs on over the empty cells to its right
        sheet.write_string(r, 0, line, bold if r == 0 else None)
    top = len(heading) + 1 if heading else 0
    widths: dict[int, int] = {}
    for r, row in enumerate(rows):
        style = bold if r == 0 else None
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, dt.timedelta):
                text = duration_text(value)
                if value < dt.timedelta(0):
                    sheet.write_string(top + r, c, text, style)
                else:
                    days = value.total_seconds() / SECONDS_PER_DAY
                    sheet.write_number(top + r, c, days, style or duration)
            elif isinstance(value, dt.datetime):
                text = f"{value:%d.%m.%Y %H:%M:%S}"
                sheet.write_datetime(top + r, c, value, style or moment)
            elif _is_number(value):
                text = str(value)
                sheet.write_number(top + r, c, float(value), style)
            else:
                text = str(value)
                sheet.write_string(top + r, c, text, style)
            widths[c] = max(widths.get(c, 0), len(text))
    for c, width in widths.items():
        sheet.set_column(c, c, min(max(width + 2, WIDTH_MIN), WIDTH_MAX))
    sheet.freeze_panes(top + 1, 0)
