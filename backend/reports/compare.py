"""The chief's first question of a period: better or worse than the one before?

The headline figures — calls, the median and 90th-percentile response, the share meeting the
arrival target, the escalations fired — of the filter's period beside the same figures of the
period before it, and the change in words: ``↓ 3 min 12 s · better`` over ``1–30 November:
17 min 17 s``. Shown on the KPI page and on the report for the period.

Which period is "before": a period of whole calendar months (the upward report's default,
"last month") is compared with as many whole months before it — a chief asks "than last
month?", and November's 30 days against the last 30 days of October read as a month that
began on 2 October; any other period with the same number of days just before it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django.utils import translation
from django.utils.formats import date_format, number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from backend.common.formatting import span_exact_text

from . import selectors
from .filters import FIRST_DAY, ReportFilter, local_today
from .selectors import KPI_BY_KEY
from .tables import count_text, percent, seconds, share_text

COUNT, DURATION, SHARE = "count", "duration", "share"
# What a lower figure means: None for the calls (more calls is neither better nor worse).
LOWER_IS_BETTER, HIGHER_IS_BETTER, NEUTRAL = "lower", "higher", None


def previous_period(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """The period compared with ``first``–``last`` (both included): as many whole calendar
    months before it when it is whole months, else as many days just before it."""
    day = dt.timedelta(days=1)
    if first.day == 1 and (last + day).day == 1:
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        prev_last = first - day
        index = prev_last.year * 12 + prev_last.month - 1 - (months - 1)
        prev_first = dt.date(index // 12, index % 12 + 1, 1)
    else:
        prev_last = first - day
        prev_first = prev_last - (last - first)
    return max(prev_first, FIRST_DAY), max(prev_last, FIRST_DAY)


def period_words(first: dt.date, last: dt.date, *, today: dt.date | None = None) -> str:
    """A period as a reader names it: ``1–30 ноября``, ``25 қараша – 6 желтоқсан``; a period
    not of this year, or across a new year, by its days (``25.12.2025 – 06.01.2026``)."""
    this_year = (today or local_today()).year
    if first.year != last.year or last.year != this_year:
        return f"{first:%d.%m.%Y} – {last:%d.%m.%Y}"

    def month(day: dt.date) -> str:
        # Django's Kazakh month names are capitalised ("Қараша"); a date writes them small.
        words = date_format(day, "E")
        # (``en-us`` outside a request: settings.LANGUAGE_CODE; the middleware's ``en`` in one)
        english = (translation.get_language() or "").startswith("en")
        return words if english else words.lower()

    if first == last:
        return f"{first.day} {month(last)}"
    if first.month == last.month:
        return f"{first.day}–{last.day} {month(last)}"
    return f"{first.day} {month(first)} – {last.day} {month(last)}"


@dataclass(frozen=True)
class Figure:
    """One headline figure of a period and of the period before it."""

    key: str
    label: Promise | str
    kind: str  # COUNT, DURATION (seconds) or SHARE (0..1)
    better: str | None  # LOWER_IS_BETTER, HIGHER_IS_BETTER, NEUTRAL
    now: float | None  # None: nothing measured in the period
    before: float | None
    href: str = ""


@dataclass(frozen=True)
class Comparison:
    """The headline figures of ``first``–``last`` against ``prev_first``–``prev_last``."""

    first: dt.date
    last: dt.date
    prev_first: dt.date
    prev_last: dt.date
    prev_calls: int
    figures: list[Figure]
    prev_href: str = ""  # the same page for the period before


HEADLINE: tuple[tuple[str, Any, str, str | None], ...] = (
    ("calls", gettext_lazy("Calls"), COUNT, NEUTRAL),
    ("response_p50", gettext_lazy("Response, median"), DURATION, LOWER_IS_BETTER),
    ("response_p90", gettext_lazy("Response, 90th percentile"), DURATION, LOWER_IS_BETTER),
    ("sla", gettext_lazy("Arrival target met"), SHARE, HIGHER_IS_BETTER),
    ("escalations", gettext_lazy("Escalations fired"), COUNT, LOWER_IS_BETTER),
)


def _values(overview: selectors.Overview, escalations: int) -> dict[str, float | None]:
    response = overview.total(KPI_BY_KEY["response"])
    sla = overview.total(KPI_BY_KEY["sla"])
    return {
        "calls": overview.incident_count,
        "response_p50": response.p50,
        "response_p90": response.p90,
        "sla": sla.mean if sla.n else None,
        "escalations": escalations,
    }


def compare(
    f: ReportFilter,
    *,
    now: dt.datetime,
    overview: selectors.Overview | None = None,
    hrefs: dict[str, str] | None = None,
) -> Comparison:
    """The headline figures of ``f`` and of the period before it (:func:`previous_period`),
    the narrowing kept. ``overview``: the page's own :func:`selectors.kpi_overview` of ``f``,
    not read twice; ``hrefs``: a figure's link (the calls behind it) by key."""
    if overview is None:
        overview = selectors.kpi_overview(f, now=now)
    prev_first, prev_last = previous_period(f.date_from, f.date_to)
    before = replace(f, date_from=prev_first, date_to=prev_last)
    prev_overview = selectors.kpi_overview(before, now=now)
    fired, fired_before = selectors.escalations_fired_totals([f, before])
    ours, theirs = _values(overview, fired), _values(prev_overview, fired_before)
    figures = [
        Figure(key, label, kind, better, ours[key], theirs[key], (hrefs or {}).get(key, ""))
        for key, label, kind, better in HEADLINE
    ]
    return Comparison(
        f.date_from, f.date_to, prev_first, prev_last, prev_overview.incident_count, figures
    )


# --- in words ------------------------------------------------------------------------------
def value_text(kind: str, value: float | None) -> str:
    if kind == DURATION:
        return span_exact_text(seconds(value))
    if kind == SHARE:
        return share_text(value)
    return count_text(None if value is None else int(value))


def _difference(kind: str, now: float, before: float) -> float:
    """now − before as the reader reads them: whole seconds, percentage points to a tenth."""
    if kind == DURATION:
        return float((seconds(now) or 0) - (seconds(before) or 0))
    if kind == SHARE:
        return round((percent(now) or 0) - (percent(before) or 0), 1)
    return now - before


def change(figure: Figure) -> dict[str, str]:
    """The change of ``figure`` in words: ``{"text", "verdict"}`` — the text ``↓ 3 min 12 s``,
    ``↑ 4,2 п. п.``, ``↑ 12``; the verdict ``better``, ``worse`` or ``same`` (a CSS class,
    and a word beside the arrow), or ``""`` where neither applies (the calls, a figure not
    measured in one of the periods)."""
    if figure.now is None or figure.before is None:
        return {"text": "", "verdict": "", "word": ""}
    diff = _difference(figure.kind, figure.now, figure.before)
    if diff == 0:
        return {
            "text": pgettext("compared with the period before", "no change"),
            "verdict": "same",
            "word": "",
        }
    arrow = "↑" if diff > 0 else "↓"
    size = abs(diff)
    if figure.kind == DURATION:
        amount = span_exact_text(size)
    elif figure.kind == SHARE:
        # Percentage points: 60 % → 75 % is "↑ 15 pp", not "↑ 25 %".
        amount = _("%(points)s pp") % {"points": number_format(size, 1)}
    else:
        amount = count_text(int(size))
    verdict = ""
    if figure.better is not None:
        lower = diff < 0
        verdict = "better" if lower == (figure.better == LOWER_IS_BETTER) else "worse"
    word = {
        "better": pgettext("compared with the period before", "better"),
        "worse": pgettext("compared with the period before", "worse"),
    }.get(verdict, "")
    return {"text": f"{arrow} {amount}", "verdict": verdict, "word": word}


def cards(c: Comparison, *, today: dt.date | None = None) -> list[dict[str, str]]:
    """The comparison as the page's cards: per figure its label, its value, the change
    (``change``, ``verdict``, ``word``) and the period before in words (``before``:
    ``1–30 ноября: 17 min 17 s``, or why there is nothing to compare with)."""
    period = period_words(c.prev_first, c.prev_last, today=today)
    out = []
    for figure in c.figures:
        moved = change(figure)
        if not c.prev_calls:
            # No dash arithmetic against an empty period: say that it had no calls.
            before = _("No calls in %(period)s to compare with.") % {"period": period}
        elif figure.before is None:
            before = _("Nothing measured in %(period)s.") % {"period": period}
        else:
            before = f"{period}: {value_text(figure.kind, figure.before)}"
        out.append(
            {
                "key": figure.key,
                "label": str(figure.label),
                "value": value_text(figure.kind, figure.now),
                "href": figure.href,
                "change": moved["text"] if c.prev_calls else "",
                "verdict": moved["verdict"] if c.prev_calls else "",
                "word": moved["word"] if c.prev_calls else "",
                "before": before,
            }
        )
    return out
