"""A share or a duration on the chief's pages and in their CSV is rounded as the chief rounds
it by hand and as a spreadsheet does, a half away from zero: 6 calls of 96 by one channel
(6.25 %) read 6.2 % (Python's round() takes a half to the even digit), while the oblast's
copy of the file, divided in Excel, said 6.3 %; a median of 2.5 s read 0:02."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import translation

from backend.reports.tables import DURATION, KM, SHARE, Cell, Column, Table


@pytest.mark.parametrize(
    ("share", "duration", "page", "file"),
    [
        (6 / 96, 2.5, ["6,3 %", "0:03"], ["6.3", "3"]),
        (3 / 16, 3600.5, ["18,8 %", "1:00:01"], ["18.8", "3601"]),
        (1 / 3, 89.49, ["33,3 %", "1:29"], ["33.3", "89"]),
        (-1 / 16, -2.5, ["-6,3 %", "−0:03"], ["-6.3", "-3"]),
    ],
)
def test_a_half_is_rounded_away_from_zero_on_the_page_and_in_the_file(share, duration, page, file):
    # given
    table = Table("t", "T", [Column("share", "Share", SHARE), Column("d", "Wait", DURATION)])
    table.add(share=Cell(share), d=Cell(duration))

    # when
    with translation.override("ru"):
        shown = [cell["text"] for cell in table.display_rows()[0]]
    text = table.csv_response("t").content.decode("utf-8")

    # then
    assert shown == page
    assert list(csv.reader(io.StringIO(text[1:])))[1] == file


@pytest.mark.parametrize(
    ("km", "page", "file"),
    [(63.8, "64 км", "64"), (63.5, "64 км", "64"), (64.5, "65 км", "65"), (63.4, "63 км", "63")],
)
def test_a_road_distance_reads_the_same_whole_kilometres_on_the_page_and_in_the_file(
    km, page, file
):
    # given: Акбулак is 63.8 km by road from Semey; the page read "63 км", its file 64
    table = Table("t", "T", [Column("road", "Road", KM)])
    table.add(road=Cell(km))

    # when
    with translation.override("ru"):
        shown = table.display_rows()[0][0]["text"]
    text = table.csv_response("t").content.decode("utf-8")

    # then
    assert shown == page
    assert list(csv.reader(io.StringIO(text[1:])))[1] == [file]
