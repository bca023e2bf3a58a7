"""A text cell of a report's CSV that a spreadsheet would run as a formula (``=``, ``+``,
``-``, ``@``, tab, carriage return first) is written as text, with a single quote before it
(OWASP's CSV injection advice); numbers, negative ones too, stay numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from backend.reports.tables import COUNT, DURATION, KM, SHARE, Cell, Column, Table
from tests import factories

from .dataset import build
from .test_pages import csv_rows, get

FORMULAS = [
    '=HYPERLINK("http://e.x","c")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture
def march(personas):
    return build(personas)


@pytest.mark.django_db
@pytest.mark.parametrize("callsign", FORMULAS)
def test_a_callsign_that_reads_as_a_formula_is_text_in_every_csv_that_shows_it(
    client, personas, march, callsign
):
    # given: a unit of district A whose callsign a spreadsheet would run, on a call of March
    # (created as a row, past any form's validation: an old row, a seed, the shell)
    unit = factories.unit(callsign=callsign, district=personas.a.district)
    call = march.incidents["I1"]
    factories.assignment(
        incident=call,
        unit=unit,
        dispatched_at=call.received_at + dt.timedelta(seconds=60),
        delivered_at=call.received_at + dt.timedelta(seconds=70),
        status="cancelled",
        cancelled_at=call.received_at + dt.timedelta(seconds=80),
        closed_at=call.received_at + dt.timedelta(seconds=80),
    )

    # when
    by_unit = csv_rows(get(client, personas.a.chief, "reports_kpis", by="unit", csv="slice"))
    listing = csv_rows(
        get(
            client,
            personas.a.chief,
            "reports_incidents",
            kpi="delivery",
            unit=unit.pk,
            csv="incidents",
        )
    )

    # then: the callsign, quoted as text, and nowhere bare
    assert [r[0] for r in by_unit[1:] if callsign in r[0]] == [f"'{callsign}"]
    assert [r[1] for r in listing[1:]] == [f"'{callsign}"]
    for row in [*by_unit, *listing]:
        assert callsign not in row


def test_text_is_quoted_and_numbers_stay_numbers_in_a_table_csv():
    # given: a table with every kind of column, text that starts like a formula, text that
    # does not, and negative numbers of every numeric kind
    table = Table(
        "t",
        "T",
        [
            Column("name", "Name"),
            Column("plain", "Plain"),
            Column("number_as_text", "Number in a text column"),
            Column("count", "Count", COUNT),
            Column("duration", "Duration", DURATION),
            Column("share", "Share", SHARE),
            Column("km", "Distance", KM),
        ],
    )
    table.add(
        name=Cell("-1 хулиган", href="/x"),
        plain="Аягоз — Актогай",
        number_as_text=-3,
        count=-1,
        duration=-30.4,
        share=-0.125,
        km=-2.6,
    )
    table.add(name="@home", plain="A-PC1", number_as_text="=1", count=0, duration=0, share=0, km=0)

    # when
    text = table.csv_response("t").content.decode("utf-8")

    # then
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[1:] == [
        ["'-1 хулиган", "Аягоз — Актогай", "-3", "-1", "-30", "-12.5", "-3"],
        ["'@home", "A-PC1", "'=1", "0", "0", "0", "0"],
    ]


@pytest.mark.parametrize("label", ["=cmd", "+cmd", "-cmd", "@cmd", "\tcmd", "\rcmd"])
def test_a_header_that_reads_as_a_formula_is_text_too(label):
    # given
    table = Table("t", "T", [Column("a", label), Column("b", "Seconds", DURATION)])

    # when
    text = table.csv_response("t").content.decode("utf-8")

    # then
    header = next(csv.reader(io.StringIO(text[1:])))
    assert header == [f"'{label}", "Seconds (s)"]
