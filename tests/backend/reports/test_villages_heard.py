"""The villages report says how late each village was heard: from the crew's "on scene" tap
in the field app to the server's receipt of it. Its only measure of the wait had been the
delivery to the crew's handset — where the phone was at dispatch (the district seat, a
road), not the village — and it read 0:00–0:04 for a village with no coverage at all, so
the chief had nothing to show the akimat of what the white spot costs.

Every tap's time is estimated by ``sync.timing.estimate`` as the gateway does; a tap whose
time rests on nothing but a suspect wall clock (the conflict queue's question) is not
measured, a suspect phone's tap timed by its boot's elapsed clock is."""

from __future__ import annotations

import datetime as dt
from itertools import count
from typing import Any

import pytest
from django.urls import reverse

from backend.common import clock
from backend.dispatch.models import Event
from backend.geo.models import Coverage, Zone
from backend.reports import selectors
from backend.reports.filters import ReportFilter
from sync import timing
from tests import factories

from .dataset import NOW, PERIOD, local
from .test_pages import csv_rows, get, table_cells
from .test_xlsx import sheet_rows

pytestmark = pytest.mark.django_db

HEARD_P50 = "Heard from the village, median (s)"
DELIVERY_P50 = "Delivery to the crew, median (s)"
_ids = count()


def _ms(at: dt.datetime) -> int:
    return clock.to_ms(at)


def _in_english(chief: Any) -> Any:
    chief.language = "en"
    chief.save(update_fields=["language"])
    return chief


def _on_scene_tap(
    asg: Any, device_id: str, *, tapped: dt.datetime, received: dt.datetime, **raw: Any
) -> Event:
    """The crew's "on scene" tap, received at ``received``, its time estimated from the raw
    observations ``raw`` (device_time, boot_id, elapsed_ms, anchors) as the gateway does."""
    estimate = timing.estimate(
        device_time=raw.pop("device_time", _ms(tapped)),
        boot_id=raw.pop("boot_id", None),
        elapsed_ms=raw.pop("elapsed_ms", None),
        gps_time=None,
        anchors=raw.pop("anchors", ()),
        received_ms=_ms(received),
        not_before_ms=_ms(asg.dispatched_at),
    )
    return Event.objects.create(
        id=f"ev-heard-{next(_ids)}",
        kind="on_scene",
        source="app",
        assignment=asg,
        incident=asg.incident,
        unit=asg.unit,
        device_id=device_id,
        content_hash="0" * 64,
        server_received_at=received,
        estimated_at=clock.from_ms(estimate.at_ms),
        estimate_uncertainty_ms=estimate.uncertainty_ms,
        estimate_method=estimate.method,
        clock_suspect=estimate.clock_suspect,
        disposition="applied",
    )


@pytest.fixture
def march(personas):
    """Three calls, each crew's phone reached in the district seat 5 s after dispatch:
    Шолпан (no coverage): the "on scene" tap reached the server 40 min late; Аягоз (LTE): 3 s
    late; Коктал (2G/SMS): two phones' taps — one whose wall clock is three hours slow and
    nothing else to time it by, one anchored by its boot's elapsed clock, 25 min late."""
    a = personas.a
    a.town.coverage = Coverage.LTE
    a.town.save(update_fields=["coverage"])
    places = {
        "Шолпан": factories.settlement(
            okrug=a.village.okrug, kato="103611999", name="Шолпан", lat=47.5, lon=80.5,
            zone=Zone.REMOTE, coverage=Coverage.NONE,
        ),
        "Коктал": factories.settlement(
            okrug=a.village.okrug, kato="103612999", name="Коктал", lat=47.6, lon=80.6,
            zone=Zone.REMOTE, coverage=Coverage.SMS_ONLY,
        ),
        "Аягоз": a.town,
    }  # fmt: skip
    device_id, _ = personas.device(a.patrol_officers[0])
    out: dict[str, Any] = {}
    for day, (name, lag) in enumerate([("Шолпан", 2400), ("Аягоз", 3)], start=3):
        received = local(day, 10)
        asg = factories.assignment(
            incident=factories.incident(
                district=a.district, settlement=places[name], received_at=received
            ),
            unit=a.patrol,
            dispatched_at=received + dt.timedelta(minutes=1),
            delivered_at=received + dt.timedelta(minutes=1, seconds=5),
            en_route_at=received + dt.timedelta(minutes=2),
            on_scene_at=received + dt.timedelta(minutes=50),
            status="on_scene",
        )
        tapped = asg.on_scene_at
        _on_scene_tap(asg, device_id, tapped=tapped, received=tapped + dt.timedelta(seconds=lag))
        out[name] = asg
    received = local(7, 10)
    call = factories.incident(
        district=a.district, settlement=places["Коктал"], received_at=received
    )
    for unit, anchored in ((a.patrol, False), (a.inspector_unit, True)):
        asg = factories.assignment(
            incident=call,
            unit=unit,
            dispatched_at=received + dt.timedelta(minutes=1),
            delivered_at=received + dt.timedelta(minutes=1, seconds=5),
            on_scene_at=received + dt.timedelta(minutes=40),
            status="on_scene",
        )
        tapped, at_server = asg.on_scene_at, asg.on_scene_at + dt.timedelta(minutes=25)
        slow_clock = _ms(tapped) - 3 * 3_600_000
        raw: dict[str, Any] = {"device_time": slow_clock}
        if anchored:  # the push's own clock header: elapsed 1,500 s later, at receipt
            raw |= {
                "boot_id": "boot-1",
                "elapsed_ms": 10_000_000,
                "anchors": [timing.Anchor("boot-1", 11_500_000, _ms(at_server), 1_000)],
            }
        device = device_id if not anchored else personas.device(a.patrol_officers[1])[0]
        out[f"Коктал-{'anchored' if anchored else 'wall clock'}"] = _on_scene_tap(
            asg, device, tapped=tapped, received=at_server, **raw
        )
    return out


def test_a_village_without_coverage_shows_how_late_its_crew_was_heard(client, personas, march):
    # when
    rows = csv_rows(get(client, _in_english(personas.a.chief), "reports_villages", csv="villages"))

    # then: Шолпан's crew was reached in 5 s at the seat, and heard from the village 40 min
    # late; Аягоз, in coverage, was heard in 3 s
    header, *body = rows
    by_name = {r[1]: dict(zip(header, r, strict=True)) for r in body}
    assert (by_name["Шолпан"][DELIVERY_P50], by_name["Шолпан"][HEARD_P50]) == ("5", "2400")
    assert (by_name["Аягоз"][DELIVERY_P50], by_name["Аягоз"][HEARD_P50]) == ("5", "3")
    assert by_name["Шолпан"]["Coverage"] == "No coverage"


def test_a_tap_timed_only_by_a_suspect_wall_clock_is_not_measured(personas, march):
    # given: the gateway's estimates — the slow wall clock clamped to the dispatch and
    # flagged (a conflict for the chief); the anchored tap flagged but timed by its boot
    wall, anchored = march["Коктал-wall clock"], march["Коктал-anchored"]
    assert (wall.clock_suspect, wall.estimate_method) == (True, "device_clock")
    assert (anchored.clock_suspect, anchored.estimate_method) == (True, "anchor")
    f = ReportFilter(date_from=PERIOD[0], date_to=PERIOD[1], districts=(personas.a.district.pk,))

    # when
    village = next(v for v in selectors.villages(f, now=NOW) if v.name == "Коктал")

    # then: one tap measured, 25 min (± the anchor's second), not the 1 h 04 min the
    # clamped wall clock would have made up
    assert village.heard.n == 1
    assert village.heard.p50 == pytest.approx(1500, abs=2)


def test_each_heard_figure_opens_the_assignments_behind_it(client, personas, march):
    # given
    chief = _in_english(personas.a.chief)
    table = get(client, chief, "reports_villages").context["tables"][0]
    row = next(r for r in table.rows if r["settlement"].value == "Шолпан")

    # when
    listing = client.get(row["heard_p90"].href)

    # then: the one assignment, its lag in words
    assert "kpi=heard" in row["heard_p90"].href
    cells = table_cells(listing.content.decode(), "incidents")
    assert [r[-1] for r in cells] == ["40 min 00 s"]


def test_the_workbook_has_the_heard_columns(client, personas, march):
    # when
    chief = _in_english(personas.a.chief)
    book = sheet_rows(get(client, chief, "reports_villages", xlsx="villages").content)

    # then
    header = [str(h) for h in book[0]]
    assert "Heard from the village, median (h:mm:ss)" in header
    assert "Heard from the village, 90th pct. (h:mm:ss)" in header


def test_the_page_draws_how_late_each_coverage_level_was_heard(client, personas, march):
    # given
    chief = _in_english(personas.a.chief)

    # when
    page = get(client, chief, "reports_villages").content.decode()
    client.force_login(chief)
    chart = client.get(
        reverse("admin:reports_chart", args=["heard-by-coverage"]),
        {"date_from": PERIOD[0].isoformat(), "date_to": PERIOD[1].isoformat()},
    )

    # then: first the white spot's chart, then the delivery's
    assert page.index("charts/heard-by-coverage") < page.index("charts/delivery-by-coverage")
    assert chart.status_code == 200
    body = chart.content.decode()
    assert "No coverage" in body
    assert "Heard from the village" in body
