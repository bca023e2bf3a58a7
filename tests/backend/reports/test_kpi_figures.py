"""The chief's figures for a hand-built month equal the figures computed by hand
(dataset.EXPECTED): counts, medians and 90th percentiles with ties, missing milestones,
cancelled and reassigned assignments and several units per call, SLA shares, the data-quality
shares — on SQLite (``make test``) and on PostgreSQL (CI) alike: the same test runs on
whichever database the suite is given."""

from __future__ import annotations

import functools

import pytest

from backend.reports import selectors
from backend.reports.filters import ReportFilter
from backend.reports.percentiles import TOTAL

from .dataset import EXPECTED, EXPECTED_PROTOCOLS, NOW, PERIOD, build, build_protocols

pytestmark = pytest.mark.django_db
# SQLite computes durations from julianday(): exact to ≈ 30 µs at today's dates.
approx = functools.partial(pytest.approx, abs=0.01)


@pytest.fixture
def march(personas):
    return build(personas)


def district_filter(personas, **kw) -> ReportFilter:
    return ReportFilter(
        date_from=PERIOD[0], date_to=PERIOD[1], districts=(personas.a.district.pk,), **kw
    )


def figures(stat) -> tuple[int, float | None, float | None]:
    return stat.n, stat.p50, stat.p90


def test_every_kpi_over_the_month_is_the_hand_computed_figure(personas, march):
    # when
    overview = selectors.kpi_overview(district_filter(personas), now=NOW)

    # then
    kpi = selectors.KPI_BY_KEY
    assert (overview.incident_count, overview.assignment_count) == (
        EXPECTED["incidents"],
        EXPECTED["assignments"],
    )
    for key in ("response", "call_processing", "delivery", "travel"):
        want = EXPECTED[key]
        got = overview.total(kpi[key])
        assert figures(got) == approx((want["n"], want["p50"], want["p90"])), key
    assert overview.total(kpi["response"]).mean == approx(EXPECTED["response"]["mean"])
    sla = overview.total(kpi["sla"])
    assert (sla.n, sla.total) == (EXPECTED["sla"]["n"], EXPECTED["sla"]["met"])
    assert sla.mean == approx(6 / 8)


@pytest.mark.parametrize("zone", ["remote", "urban"])
def test_a_zone_slice_counts_its_own_calls_and_assignments(personas, march, zone):
    # when
    overview = selectors.kpi_overview(district_filter(personas), now=NOW, by="zone")

    # then
    want = EXPECTED["zone"][zone]
    kpi = selectors.KPI_BY_KEY
    assert overview.rows_of(zone) == want["rows"]
    assert figures(overview.group(kpi["response"], zone)) == approx(want["response"])
    assert figures(overview.group(kpi["delivery"], zone)) == approx(want["delivery"])
    sla = overview.group(kpi["sla"], zone)
    assert (sla.n, sla.total) == want["sla"]
    assert set(overview.keys()) == {"remote", "urban"}


@pytest.mark.parametrize("shift", ["day", "night"])
def test_shifts_split_at_eight_and_twenty_local_time(personas, march, shift):
    # when
    overview = selectors.kpi_overview(district_filter(personas), now=NOW, by="shift")

    # then
    want = EXPECTED["shift"][shift]
    assert overview.rows_of(shift) == want["rows"]
    response = overview.group(selectors.KPI_BY_KEY["response"], shift)
    assert figures(response) == approx(want["response"])


def test_a_unit_slice_reads_each_units_own_arrivals(personas, march):
    # when
    overview = selectors.kpi_overview(district_filter(personas), now=NOW, by="unit")

    # then
    kpi = selectors.KPI_BY_KEY
    patrol, inspector = personas.a.patrol.pk, personas.a.inspector_unit.pk
    assert figures(overview.group(kpi["response"], patrol)) == approx(EXPECTED["unit"]["patrol"])
    assert figures(overview.group(kpi["response"], inspector)) == approx(
        EXPECTED["unit"]["inspector"]
    )
    # call processing and SLA belong to calls, not units
    assert overview.group(kpi["sla"], patrol).n == 0
    assert overview.group(kpi["call_processing"], patrol).n == 0


def test_narrowing_the_filter_is_the_same_as_reading_the_slice(personas, march):
    # given
    sliced = selectors.kpi_overview(district_filter(personas), now=NOW, by="zone")

    # when
    narrowed = selectors.kpi_overview(district_filter(personas, zone="remote"), now=NOW)

    # then
    kpi = selectors.KPI_BY_KEY
    for key in ("response", "delivery", "call_processing", "sla", "travel"):
        assert figures(narrowed.total(kpi[key])) == approx(
            figures(sliced.group(kpi[key], "remote"))
        ), key


def test_data_quality_shares_and_sync_lag(personas, march):
    # when
    quality = selectors.data_quality(district_filter(personas), now=NOW, silent_hours=12)

    # then
    total = quality.assignments.groups[(TOTAL, None)]
    assert (total["ack_on_behalf"].n, total["ack_on_behalf"].total) == (9, 1)
    assert (total["undelivered_60s"].n, total["undelivered_60s"].total) == (11, 2)
    events = quality.events.total
    assert figures(events["sync_lag"]) == approx((3, 10.0, 2882.0))
    assert (events["suspect"].n, events["suspect"].total) == (3, 1)


def test_upward_report_counts_channels_and_app_confirmations(personas, march):
    # when
    report = selectors.upward_report(district_filter(personas), now=NOW)

    # then
    channels = {k: g.rows for k, g in report.calls.slice("channel").items()}
    assert channels == EXPECTED["channels"]
    assert (report.app_reports, report.app_with_outcome, report.app_confirmed) == (4, 3, 2)
    assert report.calls.total["response"].mean == approx(7500 / 7)


def test_upward_report_counts_protocols_by_coao_article_and_each_list_is_its_rows(personas, march):
    # given: the month's calls and its protocols (dataset.PROTOCOLS)
    made = build_protocols(personas)
    f = district_filter(personas)

    # when
    report = selectors.upward_report(f, now=NOW)
    behind = {
        key: sorted(p.incidents().values_list("summary", flat=True))
        for key, p in selectors.dv_protocol_filters(f).items()
    }

    # then
    assert (
        report.dv_protocols_art73,
        report.dv_protocols_art461,
        report.dv_protocols_other,
    ) == (3, 2, 3)
    assert behind == {
        "73": [f"protocol {n}" for n in EXPECTED_PROTOCOLS["art73"]],
        "461": [f"protocol {n}" for n in EXPECTED_PROTOCOLS["art461"]],
        "other": [f"protocol {n}" for n in EXPECTED_PROTOCOLS["other"]],
    }
    # the month's own calls had no DV call; the protocols add P1 P2 P4 P6 P7 P8 P10
    assert report.dv_calls == 7
    assert made["P12"].district_id != personas.a.district.pk


def test_villages_rank_by_their_worst_tenth(personas, march):
    # when
    rows = selectors.villages(district_filter(personas), now=NOW)

    # then
    assert [(v.name, v.coverage, v.road_km) for v in rows] == [
        ("Актогай", "2g_sms", 140.0),
        ("Аягоз", "lte", 0.0),
    ]
    village = rows[0]
    assert figures(village.response) == approx((4, 1200.0, 2460.0))
    assert figures(village.coverage_wait) == approx((6, 5.0, 155.0))
    # travel A1 480, A2b 470, A3 950, A3b 1440, A4 2970 → [470, 480, 950, 1440, 2970]
    assert figures(village.travel) == approx((5, 950.0, 2358.0))


def test_another_districts_chief_sees_none_of_it(personas, march):
    # when
    overview = selectors.kpi_overview(
        ReportFilter(date_from=PERIOD[0], date_to=PERIOD[1], districts=(personas.b.district.pk,)),
        now=NOW,
    )

    # then: only B's one call, whose response was 10 s
    assert overview.incident_count == 1
    assert figures(overview.total(selectors.KPI_BY_KEY["response"])) == approx((1, 10.0, 10.0))


def test_an_empty_period_has_no_figures(personas, march):
    # when
    overview = selectors.kpi_overview(
        ReportFilter(
            date_from=PERIOD[0].replace(year=2025),
            date_to=PERIOD[1].replace(year=2025),
            districts=(personas.a.district.pk,),
        ),
        now=NOW,
        by="zone",
    )

    # then
    response = overview.total(selectors.KPI_BY_KEY["response"])
    assert (overview.incident_count, response.n, response.p50, response.p90) == (0, 0, None, None)
    assert overview.keys() == []
