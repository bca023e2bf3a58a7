"""The chief's charts as SVG, drawn on the server by matplotlib — no network, no script.

Why matplotlib: it is the best-kept plotting library there is, draws box plots straight from
the percentiles the database computed (``Axes.bxp``), and its SVG carries every colour and
stroke as a per-element ``style`` attribute, which a strict Content-Security-Policy allows
(``style-src-attr``), where pygal's output depends on a ``<style>`` element and its own
script. The one ``<style>`` element matplotlib writes (round line joins for every element)
is dropped. Text stays text (``svg.fonttype = none``): Kazakh and Russian labels render in
the reader's fonts and can be found on the page.

Only matplotlib's object API is used (``Figure``), never ``pyplot``: no global state, safe
in threads.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from .percentiles import Group
from .selectors import Week
from .tables import duration_text

BLUE, ORANGE, GREY, RED = "#2b6cb0", "#dd6b20", "#718096", "#c53030"
_RC: dict[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "kuzet",  # the same ids for the same chart: cacheable, comparable
    "font.family": ["DejaVu Sans", "sans-serif"],
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
# Ticks of a log scale of seconds that read as times: 1 s, 10 s, 1 min, 5 min, 15 min, 1 h, 4 h.
LOG_TICKS = (1, 10, 60, 300, 900, 3600, 14400)
HALF_WEEK = dt.timedelta(days=3.5)
_STYLE_ELEMENT = re.compile(r"<style[^>]*>.*?</style>", re.DOTALL)


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context(_RC):  # type: ignore[arg-type]
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return _STYLE_ELEMENT.sub("", buffer.getvalue())


def _figure(width: float = 7.5, height: float = 3.4) -> tuple[Figure, Any]:
    with matplotlib.rc_context(_RC):  # type: ignore[arg-type]
        fig = Figure(figsize=(width, height), dpi=96)
        ax = fig.add_subplot()
    return fig, ax


def _minutes(value: float | None) -> float | None:
    return None if value is None else value / 60


def _nothing(ax: Any) -> None:
    ax.text(0.5, 0.5, _("No calls in this period."), ha="center", va="center",
            transform=ax.transAxes, color=GREY)  # fmt: skip
    ax.set_xticks([])
    ax.set_yticks([])


def box_chart(
    groups: Mapping[Any, Group],
    *,
    value: str,
    order: Sequence[Any],
    names: Mapping[Any, str],
    title: str,
    log_seconds: bool = False,
) -> str:
    """A box per key: box from the 25th to the 75th percentile, the median as a line,
    whiskers to the 10th and 90th; the count under each name."""
    fig, ax = _figure()
    stats = []
    whiskers: list[tuple[float, float]] = []  # (10th, 90th percentile) of each box
    for key in order:
        group = groups.get(key)
        if group is None or group[value].n == 0:
            continue
        s = group[value]
        scale = (lambda v: v) if log_seconds else _minutes
        whiskers.append((s.q(0.1) or 0.0, s.q(0.9) or 0.0))
        stats.append(
            {
                "label": f"{names.get(key, key)}\nn = {formats.number_format(s.n, 0)}",
                "whislo": scale(s.q(0.1)),
                "q1": scale(s.q(0.25)),
                "med": scale(s.q(0.5)),
                "q3": scale(s.q(0.75)),
                "whishi": scale(s.q(0.9)),
            }
        )
    if not stats:
        _nothing(ax)
    else:
        ax.bxp(
            stats,
            showfliers=False,
            patch_artist=True,
            boxprops={"facecolor": "#bee3f8", "edgecolor": BLUE},
            medianprops={"color": RED, "linewidth": 2},
            whiskerprops={"color": BLUE},
            capprops={"color": BLUE},
        )
        if log_seconds:
            ax.set_yscale("log")
            # From the tick at or below the lowest whisker to the one at or above the highest:
            # deliveries of 1–4 s lay between the ticks 0:01 and 0:10, and the axis, scaled to
            # the boxes alone, had no number on it.
            ax.set_ylim(*_log_span([lo for lo, _hi in whiskers], [hi for _lo, hi in whiskers]))
            ax.yaxis.set_major_locator(FixedLocator(LOG_TICKS))
            ax.yaxis.set_minor_locator(NullLocator())
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: duration_text(v)))
            # the ticks run from 0:01 to 4:00:00: minutes:seconds, and from an hour h:mm:ss
            ax.set_ylabel(_("m:ss; h:mm:ss from an hour"))
        else:
            ax.set_ylabel(_("minutes"))
        ax.grid(axis="y", color="#e2e8f0")
    ax.set_title(title, loc="left")
    if stats:
        # The key of the boxes, under them; a chart of no calls has none to explain (there
        # the key lay across the axis line, under "No calls in this period.").
        ax.text(0, -0.3, _("box: 25–75 %, line: median, whiskers: 10–90 %"),
                transform=ax.transAxes, color=GREY, fontsize=8)  # fmt: skip
    return _svg(fig)


def _log_span(lows: Sequence[float], highs: Sequence[float]) -> tuple[float, float]:
    """The log axis's limits: the ticks enclosing the values, so at least two show."""
    lo, hi = min(lows), max(highs)
    below = [t for t in LOG_TICKS if t <= lo]
    above = [t for t in LOG_TICKS if t >= hi]
    # A delivery of 0 s has no place on a log scale: it is drawn at the bottom edge.
    bottom = below[-1] if below else (lo if lo > 0 else LOG_TICKS[0] / 2)
    return bottom, above[0] if above else hi


def _week_label(week: Week) -> str:
    """A whole week by its Monday, ``30.11``; a week the period cuts by the days it covers
    and their number, ``29.11`` over ``(1 day)``."""
    if week.days >= 7:
        return f"{week.start:%d.%m}"
    days = f"{week.first:%d.%m}" if week.days == 1 else f"{week.first:%d.%m}–{week.last:%d.%m}"
    count = ngettext("%(n)s day", "%(n)s days", week.days) % {"n": week.days}
    return f"{days}\n({count})"


def trend_chart(weeks: Sequence[Week], *, title: str) -> str:
    """Median and 90th percentile of response per week against the arrival target."""
    fig, ax = _figure()
    if not any(w.response.n for w in weeks):
        _nothing(ax)
    else:
        x = [dt.datetime.combine(w.start, dt.time.min) for w in weeks]
        ax.plot(x, [_minutes(w.response.p50) for w in weeks], marker="o", color=BLUE,
                label=_("median"))  # fmt: skip
        ax.plot(x, [_minutes(w.response.p90) for w in weeks], marker="o", color=ORANGE,
                label=_("90th percentile"))  # fmt: skip
        # The target of each week as a level across the week, centred on its point: a line
        # through the weeks' points drew nothing for a period within one week (one point),
        # though the legend named it.
        targets = [(at, w.target.p50) for at, w in zip(x, weeks, strict=True) if w.target.n]
        if targets:
            ax.hlines([_minutes(p50) for _at, p50 in targets],
                      [at - HALF_WEEK for at, _p50 in targets],
                      [at + HALF_WEEK for at, _p50 in targets],
                      linestyles="--", colors=RED, gid="arrival-target",
                      label=_("arrival target (median of the calls)"))  # fmt: skip
        ax.set_ylabel(_("minutes"))
        ax.set_ylim(bottom=0)
        # A week the period cuts (a period from a Sunday, a month's ends) is marked: its
        # points hollow, its label its days and how many — "23.11" drawn from one Sunday
        # read as a whole week's response.
        partial = [(at, w) for at, w in zip(x, weeks, strict=True) if w.days < 7]
        if partial:
            at = [at for at, _w in partial]
            for color, values in (
                (BLUE, [w.response.p50 for _at, w in partial]),
                (ORANGE, [w.response.p90 for _at, w in partial]),
            ):
                ax.plot(at, [_minutes(v) for v in values], linestyle="none", marker="o",
                        color=color, markerfacecolor="white", gid="partial-week")  # fmt: skip
        ax.set_xticks(x)
        ax.set_xticklabels([_week_label(w) for w in weeks], rotation=45 if len(x) > 8 else 0)
        ax.grid(axis="y", color="#e2e8f0")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, fontsize=8,
                  frameon=False)  # fmt: skip
    ax.set_title(title, loc="left")
    return _svg(fig)
