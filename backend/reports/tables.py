"""Every table of the chief's pages is a :class:`Table`: rendered on the page, exported as
CSV (``?csv=<table id>``) from the same rows, so the file has the numbers the page shows.

On the page a duration reads ``m:ss`` (``h:mm:ss`` from an hour) — in words (``4 min 05 s``,
``3 h 00 min``) in a column of ``words``, beside clock times — a share as a percentage
with one decimal, in the reader's number format; in the CSV a duration is whole seconds, a
share a percentage with one decimal, with a dot — what a spreadsheet reads; in the Excel
workbook a duration is an Excel duration (``[h]:mm:ss``, read as the page reads it).

A text cell of the CSV that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is written with a single quote before it: a spreadsheet would otherwise run it as a formula
(a unit's callsign ``=HYPERLINK(…)`` became a link in the oblast's copy of the file — OWASP's
"CSV injection"). Numbers are written as numbers, negative ones too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from backend.common.days import local_zone
from backend.common.formatting import span_exact_text

from . import xlsx

TEXT, COUNT, DURATION, SHARE, KM = "text", "count", "duration", "share", "km"
# A moment (an aware datetime): Kazakhstan time with its date on the page and in the CSV
# (``05.12.2026 09:06:45``), an Excel date and time in the workbook — as text, Excel sorted
# and filtered a list's "Received" by the day of the month (01.12 before 29.11).
WHEN = "when"
# The first and last local day a report covers (both included).
Period = tuple[dt.date, dt.date]
# What a spreadsheet (Excel, LibreOffice) takes for the start of a formula in a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _half_up(value: float, places: int) -> Decimal:
    """``value`` rounded as a reader (and a spreadsheet) rounds: a half away from zero.
    Python's round() takes a half to the even digit — 6 of 96 calls, 6.25 %, read 6.2 %
    where the chief's own division and Excel say 6.3 %."""
    # float(): a numpy number (a chart axis's tick) reads "np.float64(60.0)" by repr().
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def seconds(value: float | None) -> int | None:
    """A duration as whole seconds — the one rounding the page and the CSV share."""
    return None if value is None else int(_half_up(value, 0))


def duration_text(value: float | None) -> str:
    """``m:ss`` below an hour, ``h:mm:ss`` from it; ``—`` when there is no value."""
    s = seconds(value)
    if s is None:
        return "—"
    sign, s = ("−", -s) if s < 0 else ("", s)
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{sign}{h}:{m:02d}:{sec:02d}" if h else f"{sign}{m}:{sec:02d}"


def when_text(value: dt.datetime) -> str:
    """A moment in Kazakhstan time with its date: ``05.12.2026 09:06:45``."""
    return f"{timezone.localtime(value, local_zone()):%d.%m.%Y %H:%M:%S}"


def km(value: float) -> int:
    """A road distance in whole kilometres, the one rounding of the page and the files: the
    page's number format cut 63.8 km to "63 км" while the workbook, by round(), said 64."""
    return int(_half_up(value, 0))


def percent(share: float | None) -> float | None:
    if share is None:
        return None
    if isinstance(share, int):  # 0 or 1 (100 %): a whole number, written as one
        return share * 100
    return float(_half_up(share * 100, 1))


def share_text(share: float | None) -> str:
    p = percent(share)
    return "—" if p is None else f"{formats.number_format(p, 1)} %"


def count_text(value: int | None) -> str:
    return "—" if value is None else formats.number_format(value, 0, force_grouping=True)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = TEXT
    # Columns of one group share a header above theirs on the page ("Travel": median, 90th
    # percentile); the CSV header says both ("Travel, median (s)").
    group: str = ""
    # A duration in words (``3 h 00 min``), for a list with clock times beside it (a
    # drill-down's received and dispatched): there ``3:00:53`` read as a time of day. The
    # file keeps whole seconds either way.
    words: bool = False

    @property
    def csv_header(self) -> str:
        label = f"{self.group}, {self.label}" if self.group else self.label
        if self.kind == DURATION:
            return _("%(label)s (s)") % {"label": label}
        if self.kind == SHARE:
            return _("%(label)s (%%)") % {"label": label}
        if self.kind == KM:
            return _("%(label)s (km)") % {"label": label}
        return label

    @property
    def xlsx_header(self) -> str:
        """The workbook's header: a duration is an Excel duration there (``0:32:00``)."""
        if self.kind == DURATION:
            label = f"{self.group}, {self.label}" if self.group else self.label
            return _("%(label)s (h:mm:ss)") % {"label": label}
        return self.csv_header


@dataclass(frozen=True)
class Cell:
    value: Any
    href: str = ""
    title: str = ""  # a hint on hover (e.g. the seconds of a duration)


@dataclass
class Table:
    id: str
    title: str
    columns: Sequence[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""
    csv_href: str = ""  # set by the view: this page's query with ?csv=<id>
    xlsx_href: str = ""  # … and with ?xlsx=<id>: the same table as an Excel workbook
    empty: str = ""  # what an empty table says; "Nothing in this period." when not set

    def add(self, **cells: Any) -> None:
        self.rows.append(cells)

    def header_groups(self) -> list[dict[str, Any]]:
        """The page's upper header row: ``{"label", "span"}`` per run of columns of one group
        (an empty label over ungrouped columns); none when no column is grouped."""
        if not any(c.group for c in self.columns):
            return []
        runs: list[dict[str, Any]] = []
        for c in self.columns:
            if runs and runs[-1]["label"] == c.group and c.group:
                runs[-1]["span"] += 1
            else:
                runs.append({"label": c.group, "span": 1})
        return runs

    # --- the page --------------------------------------------------------------------------
    def display_rows(self) -> list[list[dict[str, str]]]:
        """Rows of ``{"text", "href", "title", "kind"}`` for the template."""
        out = []
        for row in self.rows:
            line = []
            for col in self.columns:
                cell = _cell(row.get(col.key))
                title = cell.title
                if col.kind == DURATION and cell.value is not None and not title:
                    title = _("%(s)s s") % {"s": seconds(cell.value)}
                line.append(
                    {
                        "text": _display(col.kind, cell.value, words=col.words),
                        "href": cell.href,
                        "title": title,
                        "kind": col.kind,
                    }
                )
            out.append(line)
        return out

    # --- the file --------------------------------------------------------------------------
    def csv_rows(self) -> Iterable[list[Any]]:
        yield [csv_safe(c.csv_header) for c in self.columns]
        for row in self.rows:
            yield [_csv_value(c.kind, _cell(row.get(c.key)).value) for c in self.columns]

    def csv_response(self, name: str, period: Period | None = None) -> HttpResponse:
        buffer = io.StringIO()
        # A byte-order mark: spreadsheet programs on Russian and Kazakh Windows read the file
        # as UTF-8 only with it.
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerows(self.csv_rows())
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        # "kuzet-villages-2026-11-01_2026-11-30.csv": the page, the table where the page has
        # several, the period its figures are of (the day it was taken without one)
        filename = self._filename(name, period) + ".csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    # --- the workbook ----------------------------------------------------------------------
    def xlsx_response(
        self, name: str, period: Period | None = None, heading: Sequence[str] = ()
    ) -> HttpResponse:
        """The table as an Excel workbook (``?xlsx=<table id>``): the CSV's header and
        values, with numbers as numbers, text as text and durations as Excel durations
        (``[h]:mm:ss``, as the page reads them, not the CSV's seconds); ``heading``, the
        lines above the table that say what it is of (``xlsx.workbook``). A CSV opened in
        Excel on Russian or Kazakh Windows falls into one column: Excel splits it on the
        system's list separator (``;``), and reads ``53.1`` as text or, ``12.5``, as the 12th
        of May; a workbook carries its own cells."""
        content = xlsx.workbook_of([self.xlsx_sheet(heading)])
        return _xlsx_response(content, self._filename(name, period))

    def xlsx_sheet(self, heading: Sequence[str] = ()) -> xlsx.Sheet:
        """The table as a workbook's sheet: the CSV's header, the values typed."""
        header = [c.xlsx_header for c in self.columns]
        body = [
            [_xlsx_value(c.kind, _cell(row.get(c.key)).value) for c in self.columns]
            for row in self.rows
        ]
        return xlsx.Sheet(str(self.title), [header, *body], heading)

    def _filename(self, name: str, period: Period | None) -> str:
        return file_stem(name, self.id, period)


def file_stem(name: str, table_id: str | None, period: Period | None) -> str:
    """A download's name without its extension: the page, the table where the page has
    several (none for all of them), the period."""
    # Named for its period, not the day it was taken: November's and October's villages,
    # taken on 6 December one after the other, were both "kuzet-villages-2026-12-06"
    # (the second "(1)"), and neither file says anywhere which month it holds.
    parts = ["kuzet", name, *([table_id] if table_id and table_id != name else [])]
    if period is None:
        return "-".join([*parts, f"{timezone.localdate():%Y-%m-%d}"])
    first, last = period
    days = f"{first:%Y-%m-%d}" if first == last else f"{first:%Y-%m-%d}_{last:%Y-%m-%d}"
    return "-".join([*parts, days])


def xlsx_book_response(
    tables: Sequence[Table],
    name: str,
    period: Period | None,
    heading: Callable[[Table], Sequence[str]],
) -> HttpResponse:
    """Every table of a page in one workbook, a sheet each in the page's order, each saying
    above it what it is of (``?xlsx=all``): the report a chief sends upward had been seven
    files to download, name and attach one by one."""
    content = xlsx.workbook_of([t.xlsx_sheet(heading(t)) for t in tables])
    return _xlsx_response(content, file_stem(name, None, period))


def _xlsx_response(content: bytes, stem: str) -> HttpResponse:
    response = HttpResponse(content, content_type=xlsx.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
    return response


def _cell(value: Any) -> Cell:
    return value if isinstance(value, Cell) else Cell(value)


def _display(kind: str, value: Any, *, words: bool = False) -> str:
    if kind == DURATION:
        return span_exact_text(seconds(value)) if words else duration_text(value)
    if kind == SHARE:
        return share_text(value)
    if kind == COUNT:
        return count_text(value)
    if kind == KM:
        return "—" if value is None else f"{formats.number_format(km(value), 0)} {_('km')}"
    if kind == WHEN:
        return "—" if value in (None, "") else when_text(value)
    return "—" if value in (None, "") else str(value)


def csv_safe(value: Any) -> Any:
    """A number as it is; anything else as text that no spreadsheet runs as a formula."""
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _plain_value(kind: str, value: Any) -> Any:
    """What a file holds for a cell: a number (durations in seconds, shares in percent), the
    text, or None."""
    if value is None:
        return None
    if kind == DURATION:
        return seconds(value)
    if kind == SHARE:
        return percent(value)
    if kind == KM:
        return km(value)
    if kind == WHEN:
        return when_text(value)
    if isinstance(value, int | float | Decimal):
        return value  # a text column may hold a number (a drill-down's value)
    return str(value)


def _xlsx_value(kind: str, value: Any) -> Any:
    """What the workbook holds for a cell: the file's value, a duration as a ``timedelta``
    of its whole seconds (the one rounding of the page and the CSV)."""
    plain = _plain_value(kind, value)
    if kind == DURATION and plain is not None:
        return dt.timedelta(seconds=plain)
    if kind == WHEN and isinstance(value, dt.datetime):
        # Excel has no time zones: the local wall time, to the second the page shows
        return timezone.localtime(value, local_zone()).replace(tzinfo=None, microsecond=0)
    return plain


def _csv_value(kind: str, value: Any) -> Any:
    plain = _plain_value(kind, value)
    # A text column may hold a number (a drill-down's value): it stays a number.
    return "" if plain is None else csv_safe(plain)
